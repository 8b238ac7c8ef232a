"""Filters of the schedule pages: a duration and a recurrence in French words."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from creneau.planning.recurrence import rrule_describe

register = template.Library()


@register.filter
def duration(minutes: int | None) -> str:
    """90 -> « 1 h 30 », 45 -> « 45 min », 120 -> « 2 h »."""
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": rest}


@register.filter
def rrule_text(rule: str) -> str:
    """The stored RRULE in French words (« chaque semaine : lundi et jeudi »)."""
    return rrule_describe(rule or "")
