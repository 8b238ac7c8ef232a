"""Demo of last year's home services: what the tax certificates of last year are made from.

`load_last_year_home_services` is a demo loader (creneau.core.demo.DEMO_LOADERS), run before
`load_earlier_invoices`: invoice numbers follow the dates, so last year's invoices are
issued first, each with the clock set to its day (`_clock_at`), through the billing and
payments services. For six individual customers whom the other loaders leave alone: done
visits of home services (actual times, a demo employee), invoices each month or each
quarter that bill them, all paid by their year's end (transfer, cheque, partly CESU
préfinancés) except December's of the first customer, paid in January; one mixed invoice
(a window cleaning besides the home help) and one credit note.

Idempotent: it does nothing once any invoice exists (numbers never go back in time).
Deterministic: employees and durations come from `context.random("payments:last_year")`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import BilledIntervention, Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.models import Service
from creneau.core.demo import DemoContext
from creneau.core.versions import VISITS, VISITS_PAST, data_changed
from creneau.customers.models import Customer, Site
from creneau.payments.demo import _clock_at, _pay
from creneau.payments.models import PaymentMethod
from creneau.planning.models import Employee, Intervention

# Marks last year's invoices (their notes).
LAST_YEAR_NOTE = "Services à la personne"
CREDIT_REASON = "Intervention écourtée : une heure non réalisée"
CUSTOMERS = 6
# The other loaders draw their individual customers from the first ones with an e-mail.
SKIPPED_WITH_EMAIL = 40


@dataclass(frozen=True)
class Plan:
    """One customer's year: the home service, visits a month and their hours, invoices
    every `months` months, and how they were paid."""

    service: str
    visits: int
    hours: Decimal
    months: int
    method: str
    cesu_share: Decimal = Decimal(0)


PLANS = [
    Plan("AD-MEN", 4, Decimal("2"), 1, PaymentMethod.TRANSFER),  # December's paid in January
    Plan("AD-AIDE", 4, Decimal("3"), 3, PaymentMethod.CHEQUE),  # a mixed invoice (windows)
    Plan("AD-MEN", 2, Decimal("3"), 1, PaymentMethod.TRANSFER, Decimal("0.40")),
    Plan("JAR-SAP", 2, Decimal("2"), 3, PaymentMethod.TRANSFER),  # a credit note
    Plan("AD-MEN", 2, Decimal("2.5"), 3, PaymentMethod.CHEQUE),
    Plan("AD-AIDE", 3, Decimal("2"), 3, PaymentMethod.TRANSFER),
]


def _customers() -> list[tuple[Customer, Site]]:
    """Individuals at home that neither the planning nor the payments' demo uses."""
    with_email = Customer.objects.filter(kind=Customer.Kind.INDIVIDUAL, is_active=True).exclude(
        email=""
    )
    skipped = set(with_email.order_by("id").values_list("id", flat=True)[:SKIPPED_WITH_EMAIL])
    skipped |= set(Intervention.objects.values_list("site__customer_id", flat=True).distinct())
    sites = (
        Site.objects.filter(name="Domicile", is_active=True, customer__in=with_email)
        .exclude(customer_id__in=skipped)
        .select_related("customer")
        .order_by("customer_id", "id")
    )
    chosen: dict[int, tuple[Customer, Site]] = {}
    for site in sites:
        chosen.setdefault(site.customer_id, (site.customer, site))
        if len(chosen) == CUSTOMERS:
            break
    return list(chosen.values())


def _visits(rng: random.Random, site: Site, service: Service, employee: Employee, plan: Plan,
            first: date, months: int) -> list[Intervention]:  # fmt: skip
    """The done visits of `months` months from `first`: planned times, actual ones a little
    off, on weekdays at 9:00 or 14:00."""
    visits = []
    for month in range(months):
        start_of_month = date(first.year, first.month + month, 1)
        for index in range(plan.visits):
            day = start_of_month + timedelta(days=2 + index * (28 // plan.visits))
            if day.weekday() >= 5:
                day += timedelta(days=7 - day.weekday())
            start = timezone.make_aware(datetime.combine(day, time(rng.choice((9, 14)))))
            end = start + timedelta(hours=float(plan.hours))
            shift = timedelta(minutes=rng.choice((-10, 0, 0, 5, 15)))
            visit = Intervention(
                site=site, service=service, employee=employee, occurrence_date=day,
                start=start, end=end, status=Intervention.Status.DONE,
                actual_start=start, actual_end=end + shift,
            )  # fmt: skip
            visits.append(visit)
    data_changed(VISITS, VISITS_PAST)
    return Intervention.objects.bulk_create(visits)


def _bill(customer: Customer, visits: list[Intervention], service: Service, day: date,
          by: User | None, windows: Service | None = None) -> Invoice:  # fmt: skip
    """The invoice of the period's visits (billed by the hour), issued on `day`."""
    hours = sum(
        (Decimal((v.actual_end - v.actual_start).total_seconds()) / 3600 for v in visits),
        Decimal(0),
    ).quantize(Decimal("0.01"))
    with _clock_at(day):
        invoice = invoice_create(customer=customer, by=by, notes=LAST_YEAR_NOTE)
        line = invoice_line_add(
            invoice=invoice, by=by, line_type="service", service=service, quantity=hours
        )
        if windows is not None:
            invoice_line_add(
                invoice=invoice, by=by, line_type="service", service=windows, quantity=Decimal(1)
            )
        BilledIntervention.objects.bulk_create(
            BilledIntervention(intervention=v, line=line, date=timezone.localdate(v.start))
            for v in visits
        )
        return invoice_issue(invoice=invoice, by=by)


def _settle(invoice: Invoice, plan: Plan, by: User | None, rng: random.Random,
            paid_on: date) -> None:  # fmt: skip
    invoice.refresh_from_db()
    due = invoice.amount_due
    if plan.cesu_share:
        cesu = (due * plan.cesu_share).quantize(Decimal("0.01"))
        _pay(invoice.customer, by, cesu, PaymentMethod.CESU_PREFINANCED, paid_on, invoice,
             rng, reference="CESU préfinancés")  # fmt: skip
        due -= cesu
    reference = f"VIR {invoice.number}" if plan.method == PaymentMethod.TRANSFER else ""
    _pay(invoice.customer, by, due, plan.method, paid_on, invoice, rng, reference=reference)


def _period(index: int, customer: Customer, site: Site, last_month: int, year: int,
            by: User | None, rng: random.Random, employee: Employee) -> None:  # fmt: skip
    """The visits, invoice, payments (and the credit note) of one customer's period that
    ends with `last_month`."""
    plan = PLANS[index]
    services = {s.code: s for s in Service.objects.filter(code__in=[plan.service, "VIT-STD"])}
    first = date(year, last_month - plan.months + 1, 1)
    visits = _visits(rng, site, services[plan.service], employee, plan, first, plan.months)
    issued = date(year + last_month // 12, last_month % 12 + 1, 1) - timedelta(days=1)
    if last_month == 12:
        issued = date(year, 12, 26)  # the year's last visits are done; paid by the 30th
    windows = services.get("VIT-STD") if (index, last_month) == (1, 6) else None
    invoice = _bill(customer, visits, services[plan.service], issued, by, windows)
    if (index, last_month) == (3, 6):
        line = invoice.lines.order_by("position").first()
        with _clock_at(issued + timedelta(days=6)):
            credit_note_create(invoice=invoice, by=by, reason=CREDIT_REASON,
                               lines=[{"line_id": line.pk, "quantity": Decimal(1)}])  # fmt: skip
    late = (index, last_month) == (0, 12)
    paid_on = issued + timedelta(days=12 if late else rng.randint(8, 20))
    if not late:
        paid_on = min(paid_on, date(year, 12, 30))
    _settle(invoice, plan, by, rng, paid_on)


def load_last_year_home_services(*, context: DemoContext) -> str:
    """Demo loader, before the earlier invoices': last year's home services, billed, paid."""
    if Invoice.objects.exists():
        return "Services à la personne de l'an dernier : factures déjà présentes."
    by = context.users.get("compta") or context.users.get("direction")
    rng = context.random("payments:last_year")
    employees = list(Employee.objects.filter(is_active=True).order_by("id")[:6])
    chosen = _customers()
    if not employees or len(chosen) < len(PLANS):
        return "Services à la personne de l'an dernier : pas assez d'intervenants ou de clients."
    year = timezone.localdate().year - 1
    staff = [employees[rng.randrange(len(employees))] for _plan in PLANS]
    made = 0
    # Month by month, so that the numbers follow the dates.
    for last_month in range(1, 13):
        for index, (customer, site) in enumerate(chosen):
            if last_month % PLANS[index].months == 0:
                _period(index, customer, site, last_month, year, by, rng, staff[index])
                made += 1
    return (
        f"Services à la personne {year} : {made} facture(s) pour {len(chosen)} client(s), "
        f"un avoir, toutes réglées."
    )
