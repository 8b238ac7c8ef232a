"""The planning's figures in templates: {% load planning_formats %}."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django import template

from creneau.planning.formats import duration_text, hours_text, time_range_text

register = template.Library()


@register.filter
def hours(value: Decimal | None) -> str:
    return hours_text(value)


@register.filter
def duration(value: timedelta | None) -> str:
    return duration_text(value) if value is not None else ""


@register.simple_tag
def time_range(start: datetime | None, end: datetime | None) -> str:
    return time_range_text(start, end)


@register.filter
def planned_length(visit) -> str:
    """A visit's planned length: '2 h 30'."""
    return duration_text(visit.end - visit.start)
