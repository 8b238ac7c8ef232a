"""How the planning writes hours, durations and times, the French way, for the pages, the
PDF and the exports alike."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from babel.numbers import format_decimal
from django.utils import timezone

EN_DASH = "\u2013"


def hours_text(value: Decimal | None) -> str:
    """Decimal hours: 1234.5 -> '1 234,50' (a narrow no-break space between thousands)."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.00", locale="fr_FR")


def duration_text(delta: timedelta) -> str:
    """A length of time: '2 h 30', '2 h', '45 min'."""
    minutes = round(delta.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes}\u00a0min"
    return f"{hours}\u00a0h\u00a0{minutes:02d}" if minutes else f"{hours}\u00a0h"


def time_text(moment: datetime | None) -> str:
    """'08:30', in Europe/Paris."""
    return timezone.localtime(moment).strftime("%H:%M") if moment else ""


def time_range_text(start: datetime | None, end: datetime | None) -> str:
    """'08:30 - 10:30' with an en dash, in Europe/Paris."""
    if not start or not end:
        return ""
    return f"{time_text(start)} {EN_DASH} {time_text(end)}"
