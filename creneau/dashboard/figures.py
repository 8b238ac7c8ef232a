"""The dashboard's reads: each one a database aggregate, summed by the database.

Series by day over a range (billing, collections, hours), from which the periods' figures
and the charts' months and weeks are added up in Python (a few hundred rows); the amount
due and overdue at a date; the (site, customer) pairs served in a range, whose unions give
the served counts of any period. Every function
reads all customers (the direction's and accounting's view); the sales rep's dashboard
reads through payments.aged and the lists' selectors instead (selectors.py).

The amount due at a past date d, as payments.aged defines it (an invoice issued by d, less
its credit notes issued by d, less the allocations of its payments dated by d and not
reversed by then), is not recomputed invoice by invoice. Summed over the invoices issued
by d, it is what they owe today, plus what changed since d:

    due(d) = amount due today of the invoices issued by d
           + credit notes issued after d against them
           + allocations to them of payments dated after d (and not reversed)
           - allocations to them of payments dated by d, reversed after d

The first term reads the partial index of open invoices (invoice_open_due) alone, the
others only what happened after d. Overdue at d is the same sum over the invoices whose
due date is before d. tests/test_figures.py checks both against payments.aged.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.payments.models import Payment, PaymentAllocation
from creneau.planning.models import Intervention
from creneau.planning.report import hours_sums, summed_hours
from creneau.planning.selectors import local_day_bounds

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
OPEN_STATUSES = [Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID]
HOURS_STATUSES = [
    Intervention.Status.PLANNED,
    Intervention.Status.DONE,
    Intervention.Status.MISSED,
    Intervention.Status.CANCELLED,
]


def money(value: Any) -> Decimal:
    # SQLite sums decimals as floats: back to cents (PostgreSQL's numeric is exact already).
    return ZERO if value is None else Decimal(str(value)).quantize(CENT)


def billing_by_day(first: date, last: date) -> dict[str, dict[str, Decimal]]:
    """Per issue day (ISO), the issued invoices' and credit notes' totals: net_invoices,
    net_credits, gross_invoices, gross_credits (index invoice_issued_totals alone)."""
    rows = (
        Invoice.objects.exclude(status=Invoice.Status.DRAFT)
        .filter(issue_date__gte=first, issue_date__lte=last)
        .order_by()
        .values("issue_date", "kind")
        .annotate(net=Sum("total_net"), gross=Sum("total_gross"))
    )
    days: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        suffix = "invoices" if row["kind"] == Invoice.Kind.INVOICE else "credits"
        day = days[row["issue_date"].isoformat()]
        day[f"net_{suffix}"] = day.get(f"net_{suffix}", ZERO) + money(row["net"])
        day[f"gross_{suffix}"] = day.get(f"gross_{suffix}", ZERO) + money(row["gross"])
    return dict(days)


def collections_by_day(first: date, last: date) -> dict[str, Decimal]:
    """Per payment day (ISO), the cash collected: payments less reversals (a bounced
    cheque, a rejected debit, a mistake), by their own dates (index payment_date_amount)."""
    rows = (
        Payment.objects.filter(date__gte=first, date__lte=last)
        .order_by()
        .values("date")
        .annotate(
            received=Sum("amount", filter=Q(reversal_of__isnull=True)),
            reversed=Sum("amount", filter=Q(reversal_of__isnull=False)),
        )
    )
    return {
        row["date"].isoformat(): money(row["received"]) - money(row["reversed"]) for row in rows
    }


def _two_sums(queryset, amount: str, overdue: Q) -> tuple[Decimal, Decimal]:
    sums = queryset.order_by().aggregate(due=Sum(amount), overdue=Sum(amount, filter=overdue))
    return money(sums["due"]), money(sums["overdue"])


def due_at(as_of: date) -> dict[str, Decimal]:
    """The amount due and the amount overdue (due date before `as_of`) of every customer
    at the end of `as_of`, as payments.aged counts them (see the module's docstring)."""
    open_now = Invoice.objects.filter(
        kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES, amount_due__gt=0
    ).filter(issue_date__lte=as_of)
    due, overdue = _two_sums(open_now, "amount_due", Q(due_date__lt=as_of))
    # What changed after as_of (for today, nothing but a future-dated payment).
    credited = Invoice.objects.filter(
        kind=Invoice.Kind.CREDIT_NOTE,
        issue_date__gt=as_of,
        credited_invoice__issue_date__lte=as_of,
    ).exclude(status=Invoice.Status.DRAFT)
    paid_since = PaymentAllocation.objects.filter(
        payment__date__gt=as_of,
        payment__reversal_of__isnull=True,
        payment__reversal__isnull=True,
        invoice__issue_date__lte=as_of,
    )
    reversed_since = PaymentAllocation.objects.filter(
        payment__date__lte=as_of,
        payment__reversal_of__isnull=True,
        payment__reversal__date__gt=as_of,
        invoice__issue_date__lte=as_of,
    )
    for queryset, path, sign in (
        (credited, "credited_invoice__due_date", 1),
        (paid_since, "invoice__due_date", 1),
        (reversed_since, "invoice__due_date", -1),
    ):
        amount = "total_gross" if queryset.model is Invoice else "amount"
        more_due, more_overdue = _two_sums(queryset, amount, Q(**{f"{path}__lt": as_of}))
        due += sign * more_due
        overdue += sign * more_overdue
    return {"due": due, "overdue": overdue}


def hours_by_day(first: date, last: date) -> dict[str, dict[str, Decimal]]:
    """Per local day (ISO) of the visits' start, their hours by status, as planning.report
    counts them (index intervention_start_hours)."""
    start, end = local_day_bounds(first, last)
    rows = (
        Intervention.objects.filter(start__gte=start, start__lt=end)
        .order_by()
        .annotate(day=TruncDate("start", tzinfo=timezone.get_current_timezone()))
        .values("day", "status")
        .annotate(**hours_sums())
    )
    days: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        day = days[row["day"].isoformat()]
        day[row["status"]] = day.get(row["status"], ZERO) + summed_hours(row)
    return dict(days)


def served_pairs(first: date, last: date) -> list[tuple[int, int]]:
    """The (site, customer) pairs with a visit done between two local dates: the served
    sites and customers of any period are unions of these (dashboard.selectors caches the
    history's apart). One index range of the visits, joined to their sites."""
    start, end = local_day_bounds(first, last)
    return list(
        Intervention.objects.filter(
            status=Intervention.Status.DONE, start__gte=start, start__lt=end
        )
        .order_by()
        .values_list("site_id", "site__customer_id")
        .distinct()
    )
