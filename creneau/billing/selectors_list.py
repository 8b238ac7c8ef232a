"""Reads of the invoice screens: the Facturation list and its filters, its totals, the
customer record's tab. Everything starts from selectors.invoices_visible_to.

The list must stay quick with a million invoices: every filter maps to an index of the
model (issue date, status then date, status then due date, customer then date), the
totals are one aggregate over the same filter, and the number search uses the unique
index on the number when what is typed is the start of a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from creneau.billing.models import ZERO, Invoice, InvoiceLine
from creneau.billing.selectors import invoices_visible_to
from creneau.core.params import parse_date_or_none, parse_id
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.customers.models import Customer
from creneau.customers.selectors import AnyUser, search_terms

THIS_MONTH, LAST_MONTH, THIS_YEAR, CUSTOM = "this_month", "last_month", "this_year", "custom"
PERIODS = (THIS_MONTH, LAST_MONTH, THIS_YEAR, CUSTOM)
OPEN_STATUSES = [Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID]

SORTABLE = {
    "date": ("issue_date", "id"),
    "-date": ("-issue_date", "-id"),
    "number": ("number", "id"),
    "-number": ("-number", "-id"),
    "customer": ("customer__name_key", "customer_id", "-issue_date", "-id"),
    "-customer": ("-customer__name_key", "-customer_id", "-issue_date", "-id"),
    "due": ("due_date", "id"),
    "-due": ("-due_date", "-id"),
    "total": ("total_gross", "id"),
    "-total": ("-total_gross", "-id"),
}
DEFAULT_SORT = "-date"
# A number as typed in full ("F-2026-00012") or its start ("F-2026", "a-2026-0001").
NUMBER_START = re.compile(r"^[FA]-\d{0,4}(-\d*)?$", re.IGNORECASE)
YEAR_AND_SEQUENCE = re.compile(r"^\d{4}-\d*$")
SEQUENCE = re.compile(r"^\d{1,9}$")
# The first year a number may carry (the series are by year: F-2026-00001).
FIRST_YEAR = 2000
# Past this many matching customers, the search keeps them in a subquery.
CUSTOMER_IDS_INLINE = 1000


def period_bounds(period: str, today: date | None = None) -> tuple[date | None, date | None]:
    """The first and last day of a preset period (ce mois-ci, le mois dernier, cette année)."""
    today = today or timezone.localdate()
    first_of_month = today.replace(day=1)
    if period == THIS_MONTH:
        next_month = (first_of_month + timedelta(days=32)).replace(day=1)
        return first_of_month, next_month - timedelta(days=1)
    if period == LAST_MONTH:
        last_day = first_of_month - timedelta(days=1)
        return last_day.replace(day=1), last_day
    if period == THIS_YEAR:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    return None, None


def _number_filter(text: str, today: date | None = None) -> Q:
    """A number typed whole or by its start ("F-2026-00012", "f-2026"), its year and
    sequence ("2026-00012"), or its sequence alone ("12"): each read on the unique index of
    the number. Anything else is searched inside the numbers (a scan)."""
    text = text.strip()
    if NUMBER_START.match(text):
        return Q(number__startswith=text.upper())
    if YEAR_AND_SEQUENCE.match(text):
        return Q(number__startswith=f"F-{text}") | Q(number__startswith=f"A-{text}")
    if SEQUENCE.match(text):
        # The sequence of any series and year: a few exact numbers.
        sequence = int(text)
        last_year = (today or timezone.localdate()).year
        numbers = [
            f"{prefix}-{year}-{sequence:05d}"
            for prefix in ("F", "A")
            for year in range(FIRST_YEAR, last_year + 1)
        ]
        return Q(number__in=numbers)
    return Q(number__icontains=text)


def _customer_filter(text: str) -> Q | None:
    """Invoices of the customers matching what is typed (name, code, city... as the search
    box matches): their ids first, so that the invoice query walks customer_date."""
    terms = search_terms(text[:SEARCH_MAX_LENGTH])
    if not terms:
        return None
    customers = Customer.objects.all()
    for term in terms:
        customers = customers.filter(search_text__contains=term)
    ids = list(customers.values_list("id", flat=True)[: CUSTOMER_IDS_INLINE + 1])
    if len(ids) > CUSTOMER_IDS_INLINE:
        return Q(customer__in=customers)
    return Q(customer_id__in=ids)


def _period_filter(filters: dict[str, Any]) -> Q | None:
    period = filters.get("period") or ""
    if period in (THIS_MONTH, LAST_MONTH, THIS_YEAR):
        start, end = period_bounds(period)
    else:
        start = parse_date_or_none(filters.get("start"))
        end = parse_date_or_none(filters.get("end"))
    condition = Q()
    if start:
        condition &= Q(issue_date__gte=start)
    if end:
        condition &= Q(issue_date__lte=end)
    return condition or None


def overdue_condition(today: date | None = None) -> Q:
    """Issued invoices past their due date with an amount still due (index status_due)."""
    today = today or timezone.localdate()
    return Q(
        status__in=OPEN_STATUSES,
        kind=Invoice.Kind.INVOICE,
        due_date__lt=today,
        amount_due__gt=0,
    )


def invoices_filter(*, user: AnyUser, filters: dict[str, Any]) -> QuerySet[Invoice]:
    """Visible invoices and credit notes matching the list's filters (page and CSV export).

    filters: number (text), customer (text), customer_id, period (this_month, last_month,
    this_year, custom) with start / end (ISO dates, on the issue date), status, kind,
    overdue ("1"), sort (a key of SORTABLE; newest first by default).
    """
    invoices = invoices_visible_to(user)
    if (status := filters.get("status")) in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    if (kind := filters.get("kind")) in Invoice.Kind.values:
        invoices = invoices.filter(kind=kind)
    if filters.get("overdue") in ("1", "on", "true"):
        invoices = invoices.filter(overdue_condition())
    if customer_id := parse_id(filters.get("customer_id")):
        invoices = invoices.filter(customer_id=customer_id)
    if (number := (filters.get("number") or "").strip()[:SEARCH_MAX_LENGTH]) != "":
        invoices = invoices.filter(_number_filter(number))
    if (customer_text := (filters.get("customer") or "").strip()) != "":
        condition = _customer_filter(customer_text)
        invoices = invoices.filter(condition) if condition is not None else invoices
    if (period := _period_filter(filters)) is not None:
        invoices = invoices.filter(period)
    order = SORTABLE.get(filters.get("sort") or DEFAULT_SORT, SORTABLE[DEFAULT_SORT])
    return invoices.select_related("customer").order_by(*order)


@dataclass(frozen=True)
class InvoiceTotals:
    """Sums of a set of invoices: a credit note counts against (it takes its amount off)."""

    count: int
    net: Decimal
    gross: Decimal
    amount_due: Decimal


def _signed(field: str) -> Case:
    return Case(
        When(kind=Invoice.Kind.CREDIT_NOTE, then=-F(field)),
        default=F(field),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def invoices_totals(invoices: QuerySet[Invoice]) -> InvoiceTotals:
    """One aggregate over the filter: how many, HT, TTC and what is left to be paid."""
    money = DecimalField(max_digits=16, decimal_places=2)
    row = invoices.order_by().aggregate(
        count=Count("id"),
        net=Coalesce(Sum(_signed("total_net")), Value(ZERO), output_field=money),
        gross=Coalesce(Sum(_signed("total_gross")), Value(ZERO), output_field=money),
        amount_due=Coalesce(Sum("amount_due"), Value(ZERO), output_field=money),
    )
    return InvoiceTotals(row["count"], row["net"], row["gross"], row["amount_due"])


def invoices_of_customer(*, customer: Customer) -> QuerySet[Invoice]:
    """The customer's invoices and credit notes, newest first (drafts at the top)."""
    return customer.invoices.select_related("credited_invoice").order_by(
        F("issue_date").desc(nulls_first=True), "-id"
    )


def customer_billed_totals(*, customer: Customer) -> InvoiceTotals:
    """What was billed to the customer (issued invoices less credit notes) and is still due."""
    issued = customer.invoices.exclude(status=Invoice.Status.DRAFT)
    return invoices_totals(issued)


def invoice_lines_shown(*, invoice: Invoice) -> list[InvoiceLine]:
    return list(
        invoice.lines.select_related("vat_rate", "service", "site").order_by("position", "id")
    )


def credited_quantities(*, invoice: Invoice) -> dict[int, Decimal]:
    """Per line of an issued invoice, the quantity its issued credit notes already took."""
    rows = (
        InvoiceLine.objects.filter(credited_line__invoice=invoice)
        .exclude(invoice__status=Invoice.Status.DRAFT)
        .values("credited_line_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["credited_line_id"]: row["total"] for row in rows}


def credit_left(*, invoice: Invoice) -> Decimal:
    """What is left to credit on an invoice, incl. VAT."""
    credited = invoice.credit_notes.exclude(status=Invoice.Status.DRAFT).aggregate(
        total=Sum("total_gross")
    )["total"]
    return invoice.total_gross - (credited or ZERO)


def customer_billing_groups(*, customer: Customer) -> list[str]:
    """The billing groups of the customer's sites (A when it has none yet)."""
    groups = sorted(set(customer.sites.values_list("billing_group", flat=True)))
    return groups or ["A"]
