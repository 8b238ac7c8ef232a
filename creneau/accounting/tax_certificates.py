"""The figures of the annual tax certificates (attestations fiscales, services à la
personne) of one year, for every customer at once, in a few aggregate queries.

The amount a customer may declare for year N (CGI art. 199 sexdecies) is what it PAID in
N for home services (SAP):

- the payments dated in N, neither reversed nor reversals (active allocations), as they
  are allocated to invoices: an invoice of December N-1 paid in January N counts in N;
- of each allocation, the SAP share of its invoice: SAP gross / invoice gross, both net of
  the invoice's credit notes. A line is SAP when its service is a home service; a
  discount line without a service, and a credit note's line credited by amount, are split
  between SAP and the rest as the invoice's lines at the same VAT rate; a credit note's
  line credited by lines follows the line it credits;
- each allocation's SAP part is rounded half-up to the cent once; the sums are exact;
- what was paid by CESU préfinancé is stated apart (`cesu_prefinanced`) and is not in
  `amount_paid`: only what the customer financed itself gives a tax advantage;
- refunds do not lower the amount: a refund pays back a payment's unallocated part (the
  customer's credit), which was never counted; a credit note that lowers an invoice
  already paid releases the allocation, which then counts no more.

The intervenants are those of the done interventions of N at the customer's sites, for
home services, with their hours (actual times when both are set, else the planned ones),
in all and by month (Paris time) with the number of visits. The prices are the distinct
unit prices incl. VAT (after the line's discount) of the home-service lines of the
customer's issued invoices of N, by service.
Only individual customers get a certificate; the others, and the individuals with SAP
activity in N but nothing paid, are listed as excluded, with the reason.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.billing.models import Invoice, InvoiceLine
from creneau.core.money import money_round
from creneau.customers.models import Customer
from creneau.payments.models import PaymentMethod
from creneau.payments.selectors import active_allocations
from creneau.planning.models import Intervention

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
FIRST_YEAR = 2000
SAP, OTHER, PRORATED = "sap", "other", "prorated"
UNASSIGNED = "Intervenant non renseigné"


class ExclusionReason:
    """Why a customer gets no certificate (or cannot receive it by e-mail)."""

    BUSINESS = "business"
    NOTHING_PAID = "nothing_paid"
    NO_EMAIL = "no_email"

    LABELS = {
        BUSINESS: _("Client professionnel : l'attestation est réservée aux particuliers."),
        NOTHING_PAID: _("Rien de réglé dans l'année pour des services à la personne."),
        NO_EMAIL: _("Aucune adresse e-mail : attestation à imprimer et poster."),
    }


@dataclass
class CustomerFigures:
    """One customer's figures for the year."""

    customer_id: int
    amount_paid: Decimal = ZERO
    cesu_prefinanced: Decimal = ZERO
    # employee id (None: no one assigned) -> seconds of work
    seconds: dict[int | None, int] = field(default_factory=dict)
    employees: list[dict[str, str]] = field(default_factory=list)
    hours: Decimal = ZERO
    # employee id -> month (1-12) -> (visits, seconds)
    monthly: dict[int | None, dict[int, tuple[int, int]]] = field(default_factory=dict)
    # the employees as printed: name, hours, and "months" [{"month", "visits", "hours"}]
    details: list[dict] = field(default_factory=list)
    # [(service label, unit, unit price incl. VAT)] billed in the year
    prices: list[tuple[str, str, Decimal]] = field(default_factory=list)


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The year's first instant and the next year's, local time (Europe/Paris)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=zone)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=zone)


def _line_kind(*, credit_note: bool) -> Case:
    """SAP, other, or prorated (split like the invoice's lines at the same rate)."""
    if credit_note:
        whens = [
            When(service__is_personal_service=True, then=Value(SAP)),
            When(credited_line__service__is_personal_service=True, then=Value(SAP)),
            When(Q(service__isnull=False) | Q(credited_line__isnull=False), then=Value(OTHER)),
        ]
    else:
        whens = [
            When(service__is_personal_service=True, then=Value(SAP)),
            When(
                Q(line_type=InvoiceLine.LineType.DISCOUNT, service__isnull=True),
                then=Value(PRORATED),
            ),
        ]
    return Case(*whens, default=Value(OTHER), output_field=CharField())


def _gross(net: Decimal, rate: Decimal | None) -> Decimal:
    """A net amount with its VAT, unrounded: only a ratio is taken of it."""
    return net * (HUNDRED + (rate or 0)) / HUNDRED


def invoice_sap_shares(invoice_ids) -> dict[int, Decimal]:
    """The SAP share (0 to 1, unrounded) of each invoice of `invoice_ids` (ids, or a
    queryset of ids used as a subquery), net of its issued credit notes: two queries."""
    amount_types = InvoiceLine.AMOUNT_TYPES
    # per invoice: per rate: {kind: gross}
    parts: dict[int, dict[Decimal, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Decimal))
    )
    invoice_rows = (
        InvoiceLine.objects.filter(invoice_id__in=invoice_ids, line_type__in=amount_types)
        .annotate(kind=_line_kind(credit_note=False))
        .values("invoice_id", "vat_rate_value", "kind")
        .annotate(net=Sum("net"))
        .order_by()
    )
    for row in invoice_rows:
        rate = row["vat_rate_value"] or Decimal(0)
        parts[row["invoice_id"]][rate][row["kind"]] += _gross(row["net"] or ZERO, rate)
    credit_rows = (
        InvoiceLine.objects.filter(
            invoice__credited_invoice_id__in=invoice_ids,
            invoice__kind=Invoice.Kind.CREDIT_NOTE,
            line_type__in=amount_types,
        )
        .exclude(invoice__status=Invoice.Status.DRAFT)
        .annotate(kind=_line_kind(credit_note=True))
        .values("invoice__credited_invoice_id", "vat_rate_value", "kind")
        .annotate(net=Sum("net"))
        .order_by()
    )
    credits: dict[int, list[tuple[Decimal, str, Decimal]]] = defaultdict(list)
    for row in credit_rows:
        rate = row["vat_rate_value"] or Decimal(0)
        gross = _gross(row["net"] or ZERO, rate)
        credits[row["invoice__credited_invoice_id"]].append((rate, row["kind"], gross))
    return {pk: _share(rates, credits.get(pk, [])) for pk, rates in parts.items()}


def _split(rates: dict[Decimal, dict[str, Decimal]], rate: Decimal) -> Decimal:
    """The SAP fraction of the invoice's own lines at a rate (else over all its rates)."""
    at_rate = rates.get(rate)
    if at_rate and at_rate[SAP] + at_rate[OTHER]:
        return at_rate[SAP] / (at_rate[SAP] + at_rate[OTHER])
    sap = sum(kinds[SAP] for kinds in rates.values())
    other = sum(kinds[OTHER] for kinds in rates.values())
    return sap / (sap + other) if sap + other else Decimal(0)


def _share(
    rates: dict[Decimal, dict[str, Decimal]], credits: list[tuple[Decimal, str, Decimal]]
) -> Decimal:
    sap = other = Decimal(0)
    signed = [(rate, kind, gross) for rate, kinds in rates.items() for kind, gross in kinds.items()]
    signed += [(rate, kind, -gross) for rate, kind, gross in credits]
    for rate, kind, gross in signed:
        if kind == SAP:
            sap += gross
        elif kind == OTHER:
            other += gross
        else:
            fraction = _split(rates, rate)
            sap += gross * fraction
            other += gross * (1 - fraction)
    if sap <= 0 or sap + other <= 0:
        return Decimal(0)
    return min(sap / (sap + other), Decimal(1))


def _year_allocations(year: int, customer_id: int | None = None):
    """Active allocations of the payments dated in `year`, to invoices (not credit notes)."""
    allocations = active_allocations().filter(
        payment__date__year=year, invoice__kind=Invoice.Kind.INVOICE
    )
    if customer_id is not None:
        allocations = allocations.filter(customer_id=customer_id)
    return allocations


def year_paid_amounts(year: int, customer_id: int | None = None) -> dict[int, CustomerFigures]:
    """customer id -> figures (amount paid, CESU préfinancés) of every customer (or of
    one), of any kind, that paid something for home services in `year`: three queries."""
    allocations = _year_allocations(year, customer_id)
    shares = invoice_sap_shares(allocations.values("invoice_id"))
    figures: dict[int, CustomerFigures] = {}
    rows = allocations.values_list("customer_id", "invoice_id", "amount", "payment__method")
    for customer_id, invoice_id, amount, method in rows.iterator(chunk_size=5000):
        share = shares.get(invoice_id, Decimal(0))
        if not share:
            continue
        part = money_round(amount * share)
        if not part:
            continue
        entry = figures.get(customer_id)
        if entry is None:
            entry = figures[customer_id] = CustomerFigures(customer_id)
        if method == PaymentMethod.CESU_PREFINANCED:
            entry.cesu_prefinanced += part
        else:
            entry.amount_paid += part
    return figures


def year_done_interventions(year: int, customer_id: int | None = None):
    """The done interventions of home services in `year` (by their planned start)."""
    start, end = year_bounds(year)
    interventions = Intervention.objects.filter(
        status=Intervention.Status.DONE,
        service__is_personal_service=True,
        start__gte=start,
        start__lt=end,
    )
    if customer_id is not None:
        interventions = interventions.filter(site__customer_id=customer_id)
    return interventions


def _duration() -> Case:
    """The actual times when both are set, else the planned ones (never a mix of the two)."""
    return Case(
        When(
            actual_start__isnull=False,
            actual_end__isnull=False,
            then=ExpressionWrapper(
                F("actual_end") - F("actual_start"), output_field=DurationField()
            ),
        ),
        default=ExpressionWrapper(F("end") - F("start"), output_field=DurationField()),
        output_field=DurationField(),
    )


Monthly = dict[int, dict[int | None, dict[int, tuple[int, int]]]]


def year_monthly_hours(year: int, customer_id: int | None = None) -> Monthly:
    """customer id -> {employee id: {month: (visits, seconds)}} of the year's done SAP
    interventions at the customer's sites, months in Paris time: one query."""
    rows = (
        year_done_interventions(year, customer_id)
        .annotate(month=ExtractMonth("start"))
        .values("site__customer_id", "employee_id", "month")
        .annotate(worked=Sum(_duration()), visits=Count("pk"))
        .order_by()
    )
    monthly: Monthly = defaultdict(lambda: defaultdict(dict))
    for row in rows.iterator(chunk_size=5000):
        worked = row["worked"] or datetime.timedelta(0)
        seconds = max(int(worked.total_seconds()), 0)
        monthly[row["site__customer_id"]][row["employee_id"]][row["month"]] = (
            row["visits"],
            seconds,
        )
    return monthly


def year_hours(year: int, customer_id: int | None = None) -> dict[int, dict[int | None, int]]:
    """customer id -> {employee id: seconds} of the year's done SAP interventions at the
    customer's sites: one query."""
    return _yearly(year_monthly_hours(year, customer_id))


def _yearly(monthly: Monthly) -> dict[int, dict[int | None, int]]:
    return {
        customer_id: {
            employee_id: sum(seconds for _visits, seconds in months.values())
            for employee_id, months in employees.items()
        }
        for customer_id, employees in monthly.items()
    }


def year_prices(year: int, customer_id: int | None = None) -> dict[int, list]:
    """customer id -> [(service label, unit, unit price incl. VAT)], distinct, of the
    home-service lines of its issued invoices of `year` (after the line's discount): one
    query."""
    lines = InvoiceLine.objects.filter(
        invoice__kind=Invoice.Kind.INVOICE,
        invoice__issue_date__year=year,
        service__is_personal_service=True,
    ).exclude(invoice__status=Invoice.Status.DRAFT)
    if customer_id is not None:
        lines = lines.filter(invoice__customer_id=customer_id)
    rows = (
        lines.values_list(
            "invoice__customer_id",
            "service__label",
            "unit",
            "unit_price",
            "discount_percent",
            "vat_rate_value",
        )
        .distinct()
        .order_by()
    )
    found: dict[int, set[tuple[str, str, Decimal]]] = defaultdict(set)
    for customer, label, unit, price, discount, rate in rows.iterator(chunk_size=5000):
        net = price * (HUNDRED - (discount or 0)) / HUNDRED
        found[customer].add((label, unit, money_round(_gross(net, rate))))
    return {customer: sorted(prices) for customer, prices in found.items()}


def hours_of(seconds: int) -> Decimal:
    return money_round(Decimal(seconds) / Decimal(3600))


def employees_of(
    seconds: dict[int | None, int],
    names: dict[int, str],
    monthly: dict[int | None, dict[int, tuple[int, int]]] | None = None,
) -> list[dict]:
    """[{"name", "hours"}] in name order, the unassigned time last; hours as "12.50".
    With `monthly`, each row also has "months": [{"month", "visits", "hours"}]."""
    named = sorted(
        (names.get(employee_id, UNASSIGNED), employee_id)
        for employee_id, worked in seconds.items()
        if employee_id is not None and worked
    )
    if seconds.get(None):
        named.append((UNASSIGNED, None))
    rows = []
    for name, employee_id in named:
        hours = hours_of(seconds[employee_id])
        if not hours:
            continue
        row: dict = {"name": name, "hours": f"{hours:.2f}"}
        if monthly is not None:
            row["months"] = [
                {"month": month, "visits": visits, "hours": f"{hours_of(worked):.2f}"}
                for month, (visits, worked) in sorted(monthly.get(employee_id, {}).items())
            ]
        rows.append(row)
    return rows


def year_figures(
    year: int, customer_id: int | None = None
) -> tuple[dict[int, CustomerFigures], dict[int, dict]]:
    """(figures of every customer (or of one) who paid for home services in `year`, any
    kind, with the hours by employee and month and the prices; the hours of every customer
    with done SAP interventions): six queries, whatever the number of customers."""
    from creneau.planning.models import Employee

    figures = year_paid_amounts(year, customer_id)
    monthly = year_monthly_hours(year, customer_id)
    hours = _yearly(monthly)
    prices = year_prices(year, customer_id)
    employee_ids = {employee_id for worked in hours.values() for employee_id in worked}
    names = {
        employee.pk: employee.full_name
        for employee in Employee.objects.filter(pk__in=[pk for pk in employee_ids if pk]).only(
            "first_name", "last_name"
        )
    }
    for customer_id, entry in figures.items():
        entry.seconds = hours.get(customer_id, {})
        entry.monthly = monthly.get(customer_id, {})
        entry.details = employees_of(entry.seconds, names, entry.monthly)
        entry.employees = [{"name": row["name"], "hours": row["hours"]} for row in entry.details]
        entry.hours = sum((Decimal(row["hours"]) for row in entry.employees), ZERO)
        entry.prices = prices.get(customer_id, [])
    return figures, hours


def year_sap_invoiced_customers(year: int) -> set[int]:
    """Customers with an issued invoice of `year` holding a home-service line."""
    return set(
        Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE,
            issue_date__year=year,
            lines__service__is_personal_service=True,
        )
        .exclude(status=Invoice.Status.DRAFT)
        .values_list("customer_id", flat=True)
        .distinct()
    )


def individual_ids(customer_ids) -> set[int]:
    ids = list(customer_ids)
    found: set[int] = set()
    for index in range(0, len(ids), 900):  # SQLite's bound on query parameters
        found.update(
            Customer.objects.filter(
                pk__in=ids[index : index + 900], kind=Customer.Kind.INDIVIDUAL
            ).values_list("pk", flat=True)
        )
    return found
