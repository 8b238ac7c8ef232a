"""The dashboard's figures, as the page and the API show them.

dashboard_figures() is direction's and accounting's (every customer): each series is
cached under the versions of the data it reads (cache.py), so that a payment recomputes
the collections and the amounts due, not the revenue nor the hours. rep_dashboard() is a
sales rep's: its own customers (customers_visible_to), their quotes to follow up and their
overdue invoices, read at once (a portfolio is small).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.core.versions import (
    INVOICES,
    PAYMENTS,
    PAYMENTS_OLD,
    PAYMENTS_PAST,
    TOPICS,
    VISITS,
    VISITS_PAST,
)
from creneau.customers.selectors import AnyUser, customers_visible_to
from creneau.dashboard import figures
from creneau.dashboard.cache import cached, snapshot, versions_read, visits_boundary
from creneau.dashboard.periods import Periods
from creneau.payments.aged import BUCKET_KEYS, AgedFilters, aged_balance
from creneau.planning.models import Intervention
from creneau.planning.report import month_end
from creneau.quotes.models import Quote
from creneau.quotes.selectors import quotes_visible_to

ZERO = Decimal("0.00")
PERIOD_KEYS = ["month", "year", "month_last_year", "year_last_year"]
Status = Intervention.Status


@dataclass
class PeriodFigures:
    """One period's figures (the month, the year to date, or either a year before)."""

    first: date
    last: date
    revenue: Decimal = ZERO  # billed excl. VAT: invoices less credit notes
    billed_gross: Decimal = ZERO
    collected: Decimal = ZERO
    due: Decimal = ZERO  # at `last`
    overdue: Decimal = ZERO
    customers: int = 0  # served: a visit done in the period
    sites: int = 0
    hours: dict[str, Decimal] = field(default_factory=dict)  # by visit status


@dataclass
class Dashboard:
    periods: Periods
    figures: dict[str, PeriodFigures]
    months: list[dict[str, Any]]  # 13 months: revenue, billed_gross, collected
    weeks: list[dict[str, Any]]  # 13 weeks: hours by status
    aged: dict[str, Decimal]  # the aged balance's buckets at the end of the month


class DaySums:
    """A series by day (ISO date: values) summed over any range of days: prefix sums, so
    that each of the board's hundred ranges costs two bisections, not a pass over the
    two years of days."""

    def __init__(self, days: dict[str, Any], read: Callable[[Any], Decimal]):
        self.days = sorted(days)
        self.totals = list(accumulate((read(days[day]) for day in self.days), initial=ZERO))

    def between(self, first: date, last: date) -> Decimal:
        low = bisect_left(self.days, first.isoformat())
        high = bisect_right(self.days, last.isoformat())
        return self.totals[high] - self.totals[low]


def _revenue(values: dict[str, Decimal]) -> Decimal:
    return values.get("net_invoices", ZERO) - values.get("net_credits", ZERO)


def _billed_gross(values: dict[str, Decimal]) -> Decimal:
    return values.get("gross_invoices", ZERO) - values.get("gross_credits", ZERO)


def _hours_of(hours: dict[str, DaySums], first: date, last: date) -> dict:
    return {status: sums.between(first, last) for status, sums in hours.items()}


def _aged_buckets(user: AnyUser, as_of: date) -> dict[str, Decimal]:
    """payments.aged's totals at a date (today: the open invoices' index alone)."""
    _count, totals = aged_balance(user=user, filters=AgedFilters(as_of=as_of)).totals()
    return {key: totals.amounts.get(key, ZERO) for key in BUCKET_KEYS}


def _billing(cache: Callable, span: tuple[date, date], today: date) -> dict:
    """The billing by day: the days before today cached for the day (an invoice or a credit
    note is always issued today, billing.services.invoice_issue and the billing run: what
    was issued before today never changes), today's under the invoices' version."""
    first, last = span
    yesterday = today - timedelta(days=1)
    days = dict(
        cache("billing", (), (first, yesterday), lambda: figures.billing_by_day(first, yesterday))
    )
    if last >= today:
        days.update(
            cache(
                "billing-today",
                (INVOICES,),
                (today, last),
                lambda: figures.billing_by_day(today, last),
            )
        )
    return days


def _collections(cache: Callable, span: tuple[date, date], today: date) -> dict:
    """The cash collected by day: the days before today under the version of the payments
    dated before today (a back-dated payment bumps it: dashboard.cache), today's and later
    under the payments' version. A payment is never edited nor deleted (a reversal is a
    payment of its own)."""
    first, last = span
    yesterday = today - timedelta(days=1)
    days = dict(
        cache(
            "collections", (PAYMENTS_PAST,), (first, yesterday),
            lambda: figures.collections_by_day(first, yesterday),
        )
    )  # fmt: skip
    if last >= today:
        days.update(
            cache(
                "collections-today", (PAYMENTS,), (today, last),
                lambda: figures.collections_by_day(today, last),
            )
        )  # fmt: skip
    return days


def _visit_parts(cache: Callable, name: str, span: tuple, boundary: date, read: Callable) -> list:
    """A read of the visits over `span`, cached in two parts: before `boundary` under
    visits_past's version (few writes reach back there), from it on under the visits'."""
    first, last = span
    before = min(last, boundary - timedelta(days=1))
    since = max(first, boundary)
    parts = []
    if first <= before:
        parts.append(cache(name, (VISITS_PAST,), (first, before), lambda: read(first, before)))
    if since <= last:
        parts.append(cache(f"{name}-recent", (VISITS,), (since, last), lambda: read(since, last)))
    return parts


def _hours(cache: Callable, span: tuple[date, date], boundary: date) -> dict:
    """The hours by day over `span`."""
    parts = _visit_parts(cache, "hours", span, boundary, figures.hours_by_day)
    return {day: values for part in parts for day, values in part.items()}


def _served(cache: Callable, first: date, last: date, boundary: date) -> dict[str, int]:
    """The customers and sites served (a visit done) in a period: a union of the pairs."""
    parts = _visit_parts(cache, "served", (first, last), boundary, figures.served_pairs)
    pairs = {pair for part in parts for pair in part}
    return {"customers": len({customer for _site, customer in pairs}), "sites": len(pairs)}


def dashboard_figures(*, user: AnyUser, periods: Periods) -> Dashboard:
    """Direction's and accounting's dashboard (every customer) for the periods asked: the
    versions and every figure computed read in one snapshot (cache.snapshot), so that a
    write committing meanwhile is either wholly seen or not at all, and in the latter case
    bumps versions newer than those read."""
    with snapshot():
        versions = versions_read()
        # The whole board under every version, then each series under its own: a page
        # with nothing written since reads one entry; after a write, only the series
        # that write feeds are computed again, and the periods summed from the days.
        return cached(
            "board", versions, TOPICS, (periods.today, periods.first),
            lambda: _dashboard_figures(user, periods, versions),
        )  # fmt: skip


def _dashboard_figures(user: AnyUser, periods: Periods, versions: dict[str, int]) -> Dashboard:
    span = periods.span()

    def cache(name: str, topics: tuple[str, ...], args: tuple, compute: Callable) -> Any:
        return cached(name, versions, topics, (periods.today, *args), compute)

    billing = _billing(cache, span, periods.today)
    collections = _collections(cache, span, periods.today)
    boundary = visits_boundary(periods.today)
    hours = _hours(cache, span, boundary)
    ranges = periods.ranges()
    served = cache(  # the counts apart: the pairs are thousands, the counts eight numbers
        "served-counts", (VISITS, VISITS_PAST), tuple(ranges.values()),
        lambda: {key: _served(cache, *period, boundary) for key, period in ranges.items()},
    )  # fmt: skip
    money_topics = (INVOICES, PAYMENTS)
    aged = cache("aged", money_topics, (periods.end,), lambda: _aged_buckets(user, periods.end))
    if periods.is_current:  # today: the aged balance's own totals
        total = sum(aged.values(), ZERO)
        due_now = {"due": total, "overdue": total - aged["not_due"]}
    else:
        due_now = cache(
            "due", (PAYMENTS_PAST,), (periods.end,), lambda: figures.due_at(periods.end)
        )
    # What was due at a past date d moves only with payments (or their allocations) dated by
    # d: a document is issued today, and a payment, credit note or reversal dated after d
    # changes what is due today and "what changed since d" by the same amount. A year ago:
    # payments dated a year ago or before (payments_old), which a payment back-dated by a
    # few days or weeks does not bump.
    last_year = periods.end_last_year
    due_then = cache("due", (PAYMENTS_OLD,), (last_year,), lambda: figures.due_at(last_year))

    revenue, billed_gross = DaySums(billing, _revenue), DaySums(billing, _billed_gross)
    collected = DaySums(collections, lambda value: value)
    hours_sums = {
        status: DaySums(hours, lambda values, s=status: values.get(s, ZERO))
        for status in figures.HOURS_STATUSES
    }
    result = {}
    for key, (first, last) in ranges.items():
        whole = (first, month_end(last.replace(day=1)))  # hours: visits planned later count
        due = due_now if last == periods.end else due_then
        result[key] = PeriodFigures(
            first=first,
            last=last,
            revenue=revenue.between(first, last),
            billed_gross=billed_gross.between(first, last),
            collected=collected.between(first, last),
            due=due["due"],
            overdue=due["overdue"],
            customers=served[key]["customers"],
            sites=served[key]["sites"],
            hours=_hours_of(hours_sums, *whole),
        )
    months = []
    for first in periods.chart_months():
        last = month_end(first)
        months.append(
            {
                "first": first,
                "revenue": revenue.between(first, last),
                "billed_gross": billed_gross.between(first, last),
                "collected": collected.between(first, last),
            }
        )
    weeks = [
        {"first": monday, "hours": _hours_of(hours_sums, monday, monday + timedelta(days=6))}
        for monday in periods.chart_weeks()
    ]
    return Dashboard(periods=periods, figures=result, months=months, weeks=weeks, aged=aged)


# A sales rep's dashboard -------------------------------------------------------------
REP_LIST_SIZE = 20


@dataclass
class RepDashboard:
    quotes: list[Quote]  # to follow up: sent, still valid; the oldest first
    quotes_count: int
    quotes_total: Decimal
    overdue: list[Invoice]  # past their due date with something due; the oldest first
    overdue_count: int
    overdue_total: Decimal
    due_total: Decimal
    customers_count: int


def quotes_to_follow_up(user: AnyUser) -> QuerySet[Quote]:
    """The visible quotes sent and still valid: those a rep calls back."""
    today = timezone.localdate()
    return quotes_visible_to(user).filter(status=Quote.Status.SENT, validity_date__gte=today)


def invoices_overdue(user: AnyUser) -> QuerySet[Invoice]:
    """The visible customers' issued invoices past their due date with something due."""
    return Invoice.objects.filter(
        customer__in=customers_visible_to(user),
        kind=Invoice.Kind.INVOICE,
        status__in=figures.OPEN_STATUSES,
        amount_due__gt=0,
        due_date__lt=timezone.localdate(),
    )


def rep_dashboard(*, user: AnyUser) -> RepDashboard:
    """A sales rep's own customers: their quotes to follow up and their overdue invoices
    (a list of each, with their count and total), and what they owe (payments.aged)."""
    quotes = quotes_to_follow_up(user)
    quote_sums = quotes.order_by().aggregate(count=Count("id"), total=Sum("total_net"))
    overdue = invoices_overdue(user)
    overdue_sums = overdue.order_by().aggregate(count=Count("id"), total=Sum("amount_due"))
    aged = _aged_buckets(user, timezone.localdate())
    return RepDashboard(
        quotes=list(
            quotes.select_related("customer").order_by("validity_date", "id")[:REP_LIST_SIZE]
        ),
        quotes_count=quote_sums["count"] or 0,
        quotes_total=figures.money(quote_sums["total"]),
        overdue=list(overdue.select_related("customer").order_by("due_date", "id")[:REP_LIST_SIZE]),
        overdue_count=overdue_sums["count"] or 0,
        overdue_total=figures.money(overdue_sums["total"]),
        due_total=sum(aged.values(), ZERO),
        customers_count=customers_visible_to(user).count(),
    )
