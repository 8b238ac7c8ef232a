"""The month view's calendar: per day, the number of visits and the first few (two queries
whatever their number)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber, TruncDate
from django.urls import reverse
from django.utils import timezone

from creneau.customers.selectors import AnyUser
from creneau.planning.models import Intervention
from creneau.planning.selectors import interventions_between, interventions_visible_to
from creneau.planning.views.filters import PlanningFilters, monday_of

# The visits named in a day's box; the others are counted.
FIRST_FEW = 3


@dataclass
class MonthDay:
    day: date
    in_month: bool
    is_today: bool
    url: str
    count: int = 0
    unassigned: int = 0
    first: list[Intervention] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.first)


def month_calendar(user: AnyUser, filters: PlanningFilters, first: date) -> list[list[MonthDay]]:
    """The weeks (Monday to Sunday) that hold the month's days; the days of the months
    around are shown, empty."""
    last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    visits = interventions_between(filters.apply(interventions_visible_to(user)), first, last)
    local_day = TruncDate("start", tzinfo=timezone.get_current_timezone())
    counts = {
        row["local_day"]: row
        for row in visits.annotate(local_day=local_day)
        .values("local_day")
        .annotate(total=Count("id"), unassigned=Count("id", filter=Q(employee__isnull=True)))
        .order_by()
    }
    ranked = visits.annotate(
        local_day=local_day,
        rank=Window(RowNumber(), partition_by=[local_day], order_by=[F("start"), F("id")]),
    ).filter(rank__lte=FIRST_FEW)
    firsts: dict[date, list[Intervention]] = {}
    for visit in ranked.select_related("site", "employee").only(
        "id", "start", "status", "site__name", "employee__color", "employee__first_name",
        "employee__last_name", "site", "employee",
    ).order_by("start", "id"):  # fmt: skip
        firsts.setdefault(timezone.localdate(visit.start), []).append(visit)
    today = timezone.localdate()
    week_url = reverse("planning:week")
    weeks, day = [], monday_of(first)
    while day <= last:
        week = []
        for _offset in range(7):
            found = counts.get(day, {})
            week.append(
                MonthDay(
                    day=day,
                    in_month=day.month == first.month,
                    is_today=day == today,
                    url=f"{week_url}?{urlencode({**filters.query, 'week': day.isoformat()})}",
                    count=found.get("total", 0),
                    unassigned=found.get("unassigned", 0),
                    first=firsts.get(day, []),
                )
            )
            day += timedelta(days=1)
        weeks.append(week)
    return weeks
