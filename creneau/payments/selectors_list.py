"""Reads of the Règlements list (Facturation > Règlements) and of cheque deposits: the
list's filters, its totals, and the deposits with their cheques. Everything starts from
selectors.payments_visible_to.

Every filter maps to an index of Payment (date, customer then date), the totals are one
aggregate over the same filter, and the customer search reuses billing's (the matching
customers' ids first).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from creneau.billing.selectors_list import (
    LAST_MONTH,
    THIS_MONTH,
    THIS_YEAR,
    _customer_filter,
    period_bounds,
)
from creneau.core.params import parse_date_or_none, parse_id
from creneau.customers.selectors import AnyUser
from creneau.payments.models import ChequeDeposit, Payment, PaymentMethod, Refund
from creneau.payments.selectors import ACTIVE, ZERO, active_allocations, payments_visible_to

SORTABLE = {
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "customer": ("customer__name_key", "customer_id", "-date", "-id"),
    "-customer": ("-customer__name_key", "-customer_id", "-date", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "method": ("method", "-date", "-id"),
    "-method": ("-method", "-date", "-id"),
}
DEFAULT_SORT = "-date"
# What the "Annulations" filter shows besides the payments that count.
WITH_REVERSED = "with"  # the reversed payments and their reversals too
ONLY_REVERSED = "only"  # only those
MONEY = DecimalField(max_digits=16, decimal_places=2)


def parse_amount(text: Any) -> Decimal | None:
    """An amount as typed in a filter: "120", "120,50", "1 234,56 €"; None if not one."""
    cleaned = "".join(str(text or "").replace("€", "").split()).replace(",", ".")
    if not cleaned or len(cleaned) > 16:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e12"):
        return None
    return amount.quantize(Decimal("0.01"))


def _period(filters: dict[str, Any]) -> Q | None:
    period = filters.get("period") or ""
    if period in (THIS_MONTH, LAST_MONTH, THIS_YEAR):
        start, end = period_bounds(period)
    else:
        start = parse_date_or_none(filters.get("start"))
        end = parse_date_or_none(filters.get("end"))
    condition = Q()
    if start:
        condition &= Q(date__gte=start)
    if end:
        condition &= Q(date__lte=end)
    return condition or None


def _reversed(filters: dict[str, Any]) -> Q:
    """Active payments only, by default; with `reversed`, the reversed ones and their
    reversals too (or only those)."""
    choice = filters.get("reversed") or ""
    if choice == WITH_REVERSED:
        return Q()
    if choice == ONLY_REVERSED:
        return ~ACTIVE
    return ACTIVE


def payments_filter(*, user: AnyUser, filters: dict[str, Any]) -> QuerySet[Payment]:
    """Visible payments matching the list's filters (page and CSV export).

    filters: period (this_month, last_month, this_year, custom) with start / end (ISO
    dates, on the payment's date), method, customer (text: name, code, city...),
    customer_id, deposit (a deposit's id), reversed ("" active only, "with", "only"),
    amount (exact, as typed), sort (a key of SORTABLE; newest first by default).
    Each row carries `credit`: what of it is neither allocated nor refunded.
    """
    payments = payments_visible_to(user).filter(_reversed(filters))
    if (method := filters.get("method")) in PaymentMethod.values:
        payments = payments.filter(method=method)
    if customer_id := parse_id(filters.get("customer_id")):
        payments = payments.filter(customer_id=customer_id)
    if deposit_id := parse_id(filters.get("deposit")):
        payments = payments.filter(deposit_id=deposit_id)
    if (amount := parse_amount(filters.get("amount"))) is not None:
        payments = payments.filter(amount=amount)
    if (customer_text := (filters.get("customer") or "").strip()) != "":
        condition = _customer_filter(customer_text)
        payments = payments.filter(condition) if condition is not None else payments
    if (period := _period(filters)) is not None:
        payments = payments.filter(period)
    order = SORTABLE.get(filters.get("sort") or DEFAULT_SORT, SORTABLE[DEFAULT_SORT])
    return (
        with_credit(payments)
        .select_related("customer", "deposit", "reversal", "reversal_of")
        .order_by(*order)
    )


def _sum_of(queryset: QuerySet, payment_field: str = "payment") -> Subquery:
    rows = (
        queryset.filter(**{payment_field: OuterRef("pk")})
        .order_by()
        .values(payment_field)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(ZERO), output_field=MONEY)


def with_credit(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """Each payment with `allocated`, `refunded` and `credit` (zero on a reversal or a
    reversed payment), computed for the rows read only."""
    payments = payments.annotate(
        allocated=_sum_of(active_allocations()), refunded=_sum_of(Refund.objects.all())
    )
    return payments.annotate(
        credit=Case(
            When(ACTIVE, then=F("amount") - F("allocated") - F("refunded")),
            default=Value(ZERO),
            output_field=MONEY,
        )
    )


@dataclass(frozen=True)
class PaymentTotals:
    """Sums of a set of payments: a reversal counts against (it takes its amount off)."""

    count: int
    amount: Decimal


def payments_totals(payments: QuerySet[Payment]) -> PaymentTotals:
    signed = Case(
        When(reversal_of__isnull=False, then=-F("amount")), default=F("amount"), output_field=MONEY
    )
    row = payments.order_by().aggregate(
        count=Count("id"), amount=Coalesce(Sum(signed), Value(ZERO), output_field=MONEY)
    )
    return PaymentTotals(row["count"], row["amount"])


# Cheque deposits ------------------------------------------------------------------------


def deposits_list() -> QuerySet[ChequeDeposit]:
    """Every deposit, newest first, with its count of cheques and their total. Deposits
    hold many customers' cheques: read by the roles that see every payment."""
    return (
        ChequeDeposit.objects.select_related("created_by")
        .annotate(
            cheque_count=Count("payments", filter=Q(payments__reversal_of__isnull=True)),
            total=Coalesce(
                Sum("payments__amount", filter=Q(payments__reversal_of__isnull=True)),
                Value(ZERO),
                output_field=MONEY,
            ),
        )
        .order_by("-date", "-id")
    )


def deposit_cheques(deposit: ChequeDeposit) -> list[Payment]:
    """The cheques of a deposit in the order they were typed, with their customer, their
    allocations' invoices and their reversal (a bounced cheque)."""
    return list(
        deposit.payments.filter(reversal_of__isnull=True)
        .select_related("customer", "reversal")
        .prefetch_related("allocations__invoice")
        .order_by("id")
    )


def recent_cheque_banks(limit: int = 40) -> list[str]:
    """The banks of the last cheques recorded, for the deposit screen's suggestions."""
    recent = (
        Payment.objects.filter(method=PaymentMethod.CHEQUE)
        .exclude(cheque_bank="")
        .order_by("-id")
        .values_list("cheque_bank", flat=True)[:500]
    )
    return sorted(set(recent), key=str.lower)[:limit]
