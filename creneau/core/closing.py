"""The closed period (période close): once accounting closes the books up to a day, nothing
dated on or before it is issued, reversed or allocated, so that the FEC of a closed year
never changes. Billing and payments ask here before they write; accounting moves the day
(accounting.services)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from creneau.core.models import Company


def books_closed_until() -> datetime.date | None:
    """The last closed day, or None while no period is closed."""
    # One read of the column, fresh: another process may just have closed the period.
    return Company.objects.filter(pk=1).values_list("books_closed_until", flat=True).first()


def period_is_closed(day: datetime.date) -> bool:
    closed_until = books_closed_until()
    return closed_until is not None and day <= closed_until


def ensure_period_open(day: datetime.date, *, field: str | None = None) -> None:
    """Refuse a write dated in the closed period, with the French message a user reads."""
    closed_until = books_closed_until()
    if closed_until is None or day > closed_until:
        return
    message = _(
        "La période est close jusqu'au %(date)s : rien de daté du %(day)s ne peut plus être "
        "émis, annulé ou lettré."
    ) % {"date": date_format(closed_until, "d/m/Y"), "day": date_format(day, "d/m/Y")}
    raise ValidationError({field: message} if field else message)
