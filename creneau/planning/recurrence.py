"""Recurrence rules: what the schedule form offers, stored as RFC 5545 RRULEs (dateutil).

The form offers two shapes, and the API accepts no other:
- weekly on chosen days, every N weeks: FREQ=WEEKLY;INTERVAL=N;BYDAY=MO,TH
- monthly on a day of the month (FREQ=MONTHLY;INTERVAL=N;BYMONTHDAY=15) or on the nth
  weekday (FREQ=MONTHLY;INTERVAL=N;BYDAY=2TU, or -1FR for the last Friday).
The first and last dates are the schedule's own fields, so a rule has no DTSTART, UNTIL
nor COUNT.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache

import holidays
from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
WEEKDAY_NAMES = [
    gettext_lazy("lundi"),
    gettext_lazy("mardi"),
    gettext_lazy("mercredi"),
    gettext_lazy("jeudi"),
    gettext_lazy("vendredi"),
    gettext_lazy("samedi"),
    gettext_lazy("dimanche"),
]
MAX_INTERVAL = 52
ALLOWED_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY"}
_NTH_WEEKDAY = re.compile(r"^([+-]?)([1-5])(MO|TU|WE|TH|FR|SA|SU)$")


def _is_number(value: str) -> bool:
    # ASCII digits only: str.isdigit() also takes "²", which int() cannot read.
    return value.isascii() and value.isdigit()


@dataclass(frozen=True)
class Recurrence:
    """A rule as the form shows it. kind: weekly, monthly_day or monthly_weekday."""

    kind: str
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # weekly: 0 = Monday
    month_day: int | None = None  # monthly_day: 1..31 (a short month skips 31)
    nth: int | None = None  # monthly_weekday: 1..5, or -1 for the last
    weekday: int | None = None  # monthly_weekday

    def to_rrule(self) -> str:
        """The canonical text of the rule (check it with rrule_check)."""
        parts = [f"FREQ={'WEEKLY' if self.kind == 'weekly' else 'MONTHLY'}"]
        parts.append(f"INTERVAL={self.interval}")
        if self.kind == "weekly":
            parts.append("BYDAY=" + ",".join(WEEKDAY_CODES[day] for day in sorted(self.weekdays)))
        elif self.kind == "monthly_day":
            parts.append(f"BYMONTHDAY={self.month_day}")
        else:
            parts.append(f"BYDAY={self.nth}{WEEKDAY_CODES[self.weekday]}")
        return ";".join(parts)


def _parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rule.strip().upper().split(";"):
        name, sep, value = item.partition("=")
        if not sep or not value or name in parts:
            raise ValidationError(
                _("Règle de récurrence illisible : « %(item)s ».") % {"item": item}
            )
        parts[name] = value
    return parts


def rrule_check(rule: str) -> str:
    """The rule in its stored form, or a ValidationError in French that says what is wrong."""
    if not rule or len(rule) > 300:
        raise ValidationError(_("Indiquez une règle de récurrence (300 caractères au plus)."))
    parts = _parts(rule)
    unknown = set(parts) - ALLOWED_PARTS
    if unknown:
        raise ValidationError(
            _(
                "Élément de récurrence non proposé : %(parts)s. Les dates de début et de fin "
                "sont des champs de la programmation."
            )
            % {"parts": ", ".join(sorted(unknown))}
        )
    canonical = recurrence_of(rule).to_rrule()
    try:
        rrulestr(canonical, dtstart=datetime(2000, 1, 1))  # noqa: DTZ001 (dates only)
    except (ValueError, TypeError) as error:
        raise ValidationError(_("Règle de récurrence illisible.")) from error
    return canonical


def _interval(parts: dict[str, str]) -> int:
    value = parts.get("INTERVAL", "1")
    if not _is_number(value) or not 1 <= int(value) <= MAX_INTERVAL:
        raise ValidationError(_("L'intervalle va de 1 à %(max)s.") % {"max": MAX_INTERVAL})
    return int(value)


def recurrence_of(rule: str) -> Recurrence:
    """The form's view of a stored rule (raises ValidationError for a shape not offered)."""
    parts = _parts(rule)
    frequency = parts.get("FREQ")
    if frequency not in {"WEEKLY", "MONTHLY"}:
        raise ValidationError(
            _("Fréquence non proposée : choisissez hebdomadaire (WEEKLY) ou mensuelle (MONTHLY).")
        )
    interval = _interval(parts)
    if frequency == "WEEKLY":
        return _weekly(parts, interval)
    if "BYMONTHDAY" in parts:
        return _monthly_day(parts, interval)
    return _monthly_weekday(parts, interval)


def _weekly(parts: dict[str, str], interval: int) -> Recurrence:
    codes = [code for code in parts.get("BYDAY", "").split(",") if code]
    if not codes or any(code not in WEEKDAY_CODES for code in codes) or "BYMONTHDAY" in parts:
        raise ValidationError(_("Choisissez au moins un jour de la semaine (BYDAY=MO,TH)."))
    return Recurrence(
        kind="weekly",
        interval=interval,
        weekdays=tuple(sorted({WEEKDAY_CODES.index(code) for code in codes})),
    )


def _monthly_day(parts: dict[str, str], interval: int) -> Recurrence:
    value = parts["BYMONTHDAY"]
    if "BYDAY" in parts or not _is_number(value) or not 1 <= int(value) <= 31:
        raise ValidationError(_("Le jour du mois va de 1 à 31 (BYMONTHDAY=15)."))
    return Recurrence(kind="monthly_day", interval=interval, month_day=int(value))


def _monthly_weekday(parts: dict[str, str], interval: int) -> Recurrence:
    match = _NTH_WEEKDAY.match(parts.get("BYDAY", ""))
    if not match or (match.group(1) == "-" and match.group(2) != "1"):
        raise ValidationError(
            _("Indiquez le jour du mois (BYMONTHDAY=15) ou le nième jour (BYDAY=2TU, -1FR).")
        )
    nth = -1 if match.group(1) == "-" else int(match.group(2))
    return Recurrence(
        kind="monthly_weekday",
        interval=interval,
        nth=nth,
        weekday=WEEKDAY_CODES.index(match.group(3)),
    )


def rrule_describe(rule: str) -> str:
    """The rule in French words: « toutes les 2 semaines le lundi et le jeudi »."""
    try:
        recurrence = recurrence_of(rule)
    except ValidationError:
        return rule
    if recurrence.kind == "weekly":
        days = [str(WEEKDAY_NAMES[day]) for day in recurrence.weekdays]
        days_text = days[0] if len(days) == 1 else ", ".join(days[:-1]) + _(" et ") + days[-1]
        if recurrence.interval == 1:
            return _("chaque semaine : %(days)s") % {"days": days_text}
        return _("toutes les %(n)s semaines : %(days)s") % {
            "n": recurrence.interval,
            "days": days_text,
        }
    every = (
        _("chaque mois")
        if recurrence.interval == 1
        else _("tous les %(n)s mois") % {"n": recurrence.interval}
    )
    if recurrence.kind == "monthly_day":
        return _("%(every)s, le %(day)s") % {"every": every, "day": recurrence.month_day}
    nth = {
        -1: _("dernier"),
        1: _("1er"),
        2: _("2e"),
        3: _("3e"),
        4: _("4e"),
        5: _("5e"),
    }[recurrence.nth]
    return _("%(every)s, le %(nth)s %(weekday)s") % {
        "every": every,
        "nth": nth,
        "weekday": WEEKDAY_NAMES[recurrence.weekday],
    }


@cache
def french_public_holidays(year: int) -> frozenset[date]:
    """Metropolitan France's public holidays of a year (the `holidays` package)."""
    return frozenset(holidays.France(years=year))


def is_public_holiday(day: date) -> bool:
    return day in french_public_holidays(day.year)


def rule_dates(rule: str, *, first: date, last: date, anchor: date) -> Iterator[date]:
    """The dates of the rule between first and last (inclusive), counted from anchor (the
    schedule's first date: "every 2 weeks" counts its weeks from there)."""
    if last < first:
        return
    start = datetime.combine(anchor, time(0))
    for moment in rrulestr(rule, dtstart=start).xafter(datetime.combine(first, time(0)), inc=True):
        day = moment.date()
        if day > last:
            return
        yield day


def skip_dates(
    days: Iterable[date], *, holidays_: bool, closures: list[tuple[date, date]]
) -> list[date]:
    """The dates that are neither public holidays (if asked) nor in a closure."""
    return [
        day
        for day in days
        if not (holidays_ and is_public_holiday(day))
        and not any(start <= day <= end for start, end in closures)
    ]
