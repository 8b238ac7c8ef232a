"""The dashboard's calendar: the month asked, its year, the same periods a year before,
the 13 months and 13 weeks of the charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from creneau.planning.report import month_end, parse_month

FIRST_YEAR = 2000
CHART_MONTHS = 13
CHART_WEEKS = 13


def year_before(day: date) -> date:
    """The same day a year before (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def months_back(first: date, count: int) -> date:
    index = first.year * 12 + first.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Periods:
    """The month shown (`first` to `end`: its last day, or today in the current month),
    with its year to date and the same two periods a year before."""

    today: date
    first: date

    @property
    def end(self) -> date:
        return min(month_end(self.first), self.today)

    @property
    def is_current(self) -> bool:
        return self.end == self.today

    @property
    def end_last_year(self) -> date:
        return year_before(self.end)

    def ranges(self) -> dict[str, tuple[date, date]]:
        last_year_first = year_before(self.first)
        return {
            "month": (self.first, self.end),
            "year": (self.first.replace(month=1), self.end),
            "month_last_year": (last_year_first, self.end_last_year),
            "year_last_year": (last_year_first.replace(month=1), self.end_last_year),
        }

    def chart_months(self) -> list[date]:
        return [months_back(self.first, back) for back in range(CHART_MONTHS - 1, -1, -1)]

    def chart_weeks(self) -> list[date]:
        """The Mondays of the 13 weeks up to the week of `end`."""
        monday = self.end - timedelta(days=self.end.weekday())
        return [monday - timedelta(weeks=back) for back in range(CHART_WEEKS - 1, -1, -1)]

    def span(self) -> tuple[date, date]:
        """Every day a figure or a chart reads: from January of last year to the end of
        the month (visits planned later in it count in its hours) or the last week."""
        first = min(self.first.replace(month=1, year=self.first.year - 1), self.chart_weeks()[0])
        last = max(month_end(self.first), self.chart_weeks()[-1] + timedelta(days=6))
        return first, last


def periods_of(month: object, today: date) -> tuple[Periods, bool]:
    """The periods of a month asked as YYYY-MM (the current one when absent), and whether
    what was asked was refused (unreadable, to come, or before FIRST_YEAR)."""
    current = today.replace(day=1)
    if month in (None, ""):
        return Periods(today=today, first=current), False
    first = parse_month(month)
    if first is None or first > current or first.year < FIRST_YEAR:
        return Periods(today=today, first=current), True
    return Periods(today=today, first=first), False
