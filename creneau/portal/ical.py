"""A portal user's calendar feed (iCalendar): the visits of its scope, for a phone's agenda.

The same shape as the employee's feed (planning.ical: UIDs, SEQUENCE, VTIMEZONE, refresh
hints) but only what a customer may read: the service, the site and its address, the
time, the status and the employee's first name. Never the access notes, the contacts'
phones, the internal notes or a price.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Event

from creneau.planning.generation import planning_horizon
from creneau.planning.ical import FEED_MAX_EVENTS, FEED_PAST_DAYS, feed_calendar, uid_domain
from creneau.planning.models import Intervention
from creneau.planning.selectors import local_day_bounds
from creneau.portal.models import PortalUser
from creneau.portal.selectors import portal_visits

PRODID = "-//Créneau//Espace client//FR"
ICAL_TOKEN_MAX_LENGTH = 64


def portal_user_by_ical_token(token: str) -> PortalUser | None:
    """The active access whose feed this is, or None (unknown, renewed or revoked)."""
    if not token or len(token) > ICAL_TOKEN_MAX_LENGTH:
        return None
    return (
        PortalUser.objects.select_related("site", "customer")
        .filter(ical_token=token, is_active=True, customer__is_active=True)
        .first()
    )


def portal_feed_visits(user: PortalUser, *, today: date | None = None) -> QuerySet[Intervention]:
    today = today or timezone.localdate()
    start, end = local_day_bounds(today - timedelta(days=FEED_PAST_DAYS), planning_horizon(today))
    return (
        portal_visits(user)
        .filter(start__gte=start, start__lt=end)
        .select_related("site__customer", "service", "employee")
        .order_by("start", "id")[:FEED_MAX_EVENTS]
    )


def portal_calendar(user: PortalUser, *, today: date | None = None) -> bytes:
    domain = uid_domain()
    name = user.site.name if user.site_id else user.customer.name
    return feed_calendar(
        prodid=PRODID,
        name=_("Passages \u2013 %(name)s") % {"name": name},
        events=(
            portal_visit_event(visit, domain) for visit in portal_feed_visits(user, today=today)
        ),
        today=today,
    )


def portal_visit_event(visit: Intervention, domain: str) -> Event:
    site = visit.site
    service = visit.service.label if visit.service_id else _("Intervention")
    start, end = visit.start, visit.end
    if visit.status == Intervention.Status.DONE and visit.actual_start and visit.actual_end:
        start, end = visit.actual_start, visit.actual_end
    event = Event()
    event.add("uid", f"intervention-{visit.pk}@{domain}")
    event.add("dtstamp", visit.updated_at)
    event.add("last-modified", visit.updated_at)
    event.add("created", visit.created_at)
    event.add("dtstart", timezone.localtime(start))
    event.add("dtend", timezone.localtime(end))
    event.add("summary", f"{service} \u2013 {site.name}")
    address = site.address_lines or site.customer.address_lines
    event.add("location", ", ".join([site.name, *address]))
    event.add("status", "CONFIRMED")
    event.add("sequence", visit.sequence)
    event.add("transp", "OPAQUE")
    lines = []
    if visit.status != Intervention.Status.PLANNED:
        lines.append(_("Statut : %(status)s") % {"status": visit.get_status_display()})
    if visit.employee_id and visit.employee.first_name:
        lines.append(_("Intervenant : %(name)s") % {"name": visit.employee.first_name})
    if lines:
        event.add("description", "\n".join(lines))
    return event
