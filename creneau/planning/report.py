"""Planned vs done (prévu / réalisé): the hours of a month's visits by status, per employee
or per site, summed by the database in one query whatever the number of visits.

The hours of a visit are Intervention.hours: its quantity if set, else its real duration
when both real times are entered (a visit marked done), else its planned duration. Each
cell is rounded to the hundredth of an hour, and the totals add up the rounded cells, so
that the table adds up as printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from creneau.planning.models import Intervention
from creneau.planning.selectors import AnyUser, interventions_between, interventions_visible_to

Status = Intervention.Status
# The columns, in the order the report shows them.
STATUSES = [Status.PLANNED, Status.DONE, Status.MISSED, Status.CANCELLED]
BY_EMPLOYEE, BY_SITE = "employee", "site"
HUNDREDTH, ZERO = Decimal("0.01"), Decimal("0.00")

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
FIRST_MONTH, LAST_MONTH = date(1900, 1, 1), date(9998, 12, 1)

# Which length counts, as Intervention.hours says: quantity, else real times, else planned.
_REAL_TIMES = Q(quantity__isnull=True, actual_start__isnull=False, actual_end__isnull=False)
_PLANNED_TIMES = Q(quantity__isnull=True) & (
    Q(actual_start__isnull=True) | Q(actual_end__isnull=True)
)
_GROUPS = {
    BY_EMPLOYEE: ("employee_id", "employee__first_name", "employee__last_name"),
    BY_SITE: ("site_id", "site__name", "site__customer_id", "site__customer__name"),
}


def _length(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def parse_month(value: object) -> date | None:
    """The first day of a month written YYYY-MM (2026-11), or None."""
    match = MONTH.fullmatch(str(value or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    if not FIRST_MONTH.year <= int(match[1]) <= LAST_MONTH.year:
        return None
    return date(int(match[1]), int(match[2]), 1)


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass
class ReportRow:
    """One employee's or one site's hours of the month, by status."""

    key: int | None
    label: str
    customer: str = ""
    customer_id: int | None = None
    hours: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(STATUSES, ZERO))
    visits: int = 0

    @property
    def cells(self) -> list[Decimal]:
        return [self.hours[status] for status in STATUSES]

    @property
    def total(self) -> Decimal:
        return sum(self.cells, ZERO)

    @property
    def done_rate(self) -> Decimal | None:
        """Done hours out of those that were due (planned, done or missed), in percent."""
        due = self.total - self.hours[Status.CANCELLED]
        if not due:
            return None
        return (self.hours[Status.DONE] * 100 / due).quantize(Decimal("1"))


@dataclass
class Report:
    month: date
    by: str
    rows: list[ReportRow]
    totals: ReportRow


def hours_sums() -> dict:
    """The aggregates that summed_hours() reads, for any grouping of visits (this report's,
    the dashboard's by day)."""
    return {
        "visits": Count("id"),
        "quantity_hours": Sum("quantity"),
        "real_time": Sum(_length("actual_start", "actual_end"), filter=_REAL_TIMES),
        "planned_time": Sum(_length("start", "end"), filter=_PLANNED_TIMES),
    }


def summed_hours(row: dict) -> Decimal:
    """The hours of a group of visits from hours_sums()'s aggregates, to the hundredth."""
    return _hours(row)


def _hours(row: dict) -> Decimal:
    seconds = sum(
        (
            duration.total_seconds()
            for duration in (row["real_time"], row["planned_time"])
            if duration
        ),
        0.0,
    )
    exact = (row["quantity_hours"] or Decimal(0)) + Decimal(round(seconds)) / 3600
    return exact.quantize(HUNDREDTH)


def _row_of(group: dict, by: str) -> ReportRow:
    if by == BY_SITE:
        return ReportRow(
            key=group["site_id"],
            label=group["site__name"],
            customer=group["site__customer__name"],
            customer_id=group["site__customer_id"],
        )
    if group["employee_id"] is None:
        return ReportRow(key=None, label=_("À pourvoir"))
    name = f"{group['employee__first_name']} {group['employee__last_name']}".strip()
    return ReportRow(key=group["employee_id"], label=name)


def _sort_key(row: ReportRow, by: str) -> tuple:
    if by == BY_SITE:
        return (row.customer.casefold(), row.label.casefold(), row.key)
    # By last name; the visits still to staff last.
    return (row.key is None, row.label.split(" ", 1)[-1].casefold(), row.label.casefold())


def report_rows(queryset: QuerySet[Intervention], by: str) -> list[ReportRow]:
    """The visits' hours by status, grouped by employee or site: one query."""
    keys = _GROUPS[by]
    groups = queryset.order_by().values(*keys, "status").annotate(**hours_sums())
    rows: dict[int | None, ReportRow] = {}
    for group in groups:
        key = group[keys[0]]
        row = rows.get(key) or rows.setdefault(key, _row_of(group, by))
        row.hours[group["status"]] += _hours(group)
        row.visits += group["visits"]
    return sorted(rows.values(), key=lambda row: _sort_key(row, by))


def planned_vs_done(*, user: AnyUser, month: date, by: str = BY_EMPLOYEE) -> Report:
    """The month's report as the user may see it (a sales rep: its customers' visits)."""
    visits = interventions_between(interventions_visible_to(user), month, month_end(month))
    rows = report_rows(visits, by)
    totals = ReportRow(key=None, label=_("Total"))
    for row in rows:
        for status in STATUSES:
            totals.hours[status] += row.hours[status]
        totals.visits += row.visits
    return Report(month=month, by=by, rows=rows, totals=totals)
