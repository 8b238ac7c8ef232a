"""Helpers of the planning views' tests: a fixed week, visits at local times."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from creneau.planning.tests.factories import InterventionFactory

# A week of June 2027, far from the clock changes: Monday 7 to Sunday 13.
MONDAY = date(2027, 6, 7)
WEEK = {"week": "2027-06-09"}  # any day of the week opens it


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def visit(*, day: date = MONDAY, hour: int = 9, hours: int = 2, **fields):
    start = at(day, hour)
    return InterventionFactory(start=start, end=start + timedelta(hours=hours), **fields)


def row_html(html: str, dom_id: str) -> str:
    """The <tr> of a grid row, by its id."""
    match = re.search(rf'<tr id="{dom_id}"[^>]*>.*?</tr>', html, re.S)
    assert match, f"no row #{dom_id}"
    return match.group(0)


def cell_html(html: str, dom_id: str, day: date) -> str:
    row = row_html(html, dom_id)
    match = re.search(rf'<td class="d\d" data-day="{day.isoformat()}"[^>]*>(.*?)</td>', row, re.S)
    assert match, f"no cell {day} in #{dom_id}"
    return match.group(1)


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="(row-[a-z]+(?:-\d+)?)"', html)
