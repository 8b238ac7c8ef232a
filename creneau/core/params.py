"""Ids and dates read from query strings and forms, where anything may be typed.

`"²".isdigit()` is true but `int("²")` fails, and an id beyond 64 bits overflows SQLite:
a filter that cannot be read is ignored, an id that cannot exist is None.
"""

from __future__ import annotations

from datetime import date

from django.utils.dateparse import parse_date

MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """A database id (ASCII digits, 1 to 2**63-1), or None."""
    text = str(value if value is not None else "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_date_or_none(value: object) -> date | None:
    """An ISO date (2026-02-28), or None for anything else, 2026-02-31 included."""
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value or "").strip())
    except ValueError:
        return None
