"""An employee's calendar feed (iCalendar, RFC 5545), for the calendar of their phone.

The feed lives at a secret URL (/planning/ical/<Employee.ical_token>.ics) that needs no
login: the token is the key, renewing it (employee_ical_renew) makes the old URL answer
404. It holds the employee's own visits from FEED_PAST_DAYS ago to the planning horizon,
in Europe/Paris time with its VTIMEZONE. Each visit keeps its UID for ever, and its
SEQUENCE (bumped on every change) tells the phone to update its copy; a cancelled visit
stays in the feed as STATUS:CANCELLED, so that the phone removes it from the day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from creneau.core.validators import format_phone
from creneau.customers.models import Contact, Site
from creneau.planning.generation import planning_horizon
from creneau.planning.models import Employee, Intervention
from creneau.planning.selectors import local_day_bounds

FEED_PAST_DAYS = 30
# A bound on the feed's size: a full-time employee has a few hundred visits over the
# window; past this, the latest ones are left out rather than the answer growing.
FEED_MAX_EVENTS = 3000
PRODID = "-//Créneau//Planning//FR"
# How often calendar apps that read these hints fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=1)

STATUSES = {
    Intervention.Status.PLANNED: "CONFIRMED",
    Intervention.Status.DONE: "CONFIRMED",
    Intervention.Status.MISSED: "CONFIRMED",
    Intervention.Status.CANCELLED: "CANCELLED",
}


def employee_by_ical_token(token: str) -> Employee | None:
    """The active employee whose feed this is, or None (unknown or renewed token)."""
    if not token or len(token) > Employee._meta.get_field("ical_token").max_length:
        return None
    return Employee.objects.filter(ical_token=token, is_active=True).first()


def uid_domain() -> str:
    """The right-hand side of the UIDs: settings.ICAL_UID_DOMAIN, else the domain of
    DEFAULT_FROM_EMAIL (as the outbox's Message-IDs), which stays when the site moves."""
    if settings.ICAL_UID_DOMAIN:
        return settings.ICAL_UID_DOMAIN
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def feed_visits(employee: Employee, *, today: date | None = None) -> QuerySet[Intervention]:
    """The employee's visits of the feed's window, with what their events show: three
    queries whatever their number (visits with site, customer and service; site contacts)."""
    today = today or timezone.localdate()
    start, end = local_day_bounds(today - timedelta(days=FEED_PAST_DAYS), planning_horizon(today))
    contacts = Contact.objects.order_by("id").only("id", "site_id", "phone", "mobile")
    return (
        Intervention.objects.filter(employee=employee, start__gte=start, start__lt=end)
        .select_related("site__customer", "service")
        .prefetch_related(Prefetch("site__contacts", queryset=contacts))
        .order_by("start", "id")[:FEED_MAX_EVENTS]
    )


def site_contact_phone(site: Site) -> str:
    """Whom to call on the spot: the first contact of the site with a phone, else the
    customer's phone (contacts prefetched)."""
    for contact in site.contacts.all():
        if contact.mobile or contact.phone:
            return contact.mobile or contact.phone
    return site.customer.mobile or site.customer.phone


def feed_calendar(
    *, prodid: str, name: str, events: Iterable[Event], today: date | None = None
) -> bytes:
    """A feed's VCALENDAR: its name, the refresh hints, the events, and the Europe/Paris
    VTIMEZONE of the feed's years (the employee's feed and the portal's share it)."""
    today = today or timezone.localdate()
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # The same hint, as Outlook reads it (an X- property: its type must be given).
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for event in events:
        calendar.add_component(event)
    # Only the rules of the feed's years: a VTIMEZONE from 1970 would weigh 4 KB.
    calendar.add_missing_timezones(
        first_date=today - timedelta(days=FEED_PAST_DAYS + 366),
        last_date=planning_horizon(today) + timedelta(days=366),
    )
    return calendar.to_ical()


def employee_calendar(employee: Employee, *, today: date | None = None) -> bytes:
    """The employee's feed, as the bytes of a VCALENDAR."""
    domain = uid_domain()
    return feed_calendar(
        prodid=PRODID,
        name=f"Créneau \u2013 {employee.full_name}",
        events=(visit_event(visit, domain) for visit in feed_visits(employee, today=today)),
        today=today,
    )


def visit_event(visit: Intervention, domain: str) -> Event:
    site = visit.site
    service = visit.service.label if visit.service_id else _("Intervention")
    event = Event()
    event.add("uid", f"intervention-{visit.pk}@{domain}")
    event.add("dtstamp", visit.updated_at)
    event.add("last-modified", visit.updated_at)
    event.add("created", visit.created_at)
    event.add("dtstart", timezone.localtime(visit.start))
    event.add("dtend", timezone.localtime(visit.end))
    event.add("summary", f"{service} \u2013 {site.name}")
    address = site.address_lines or site.customer.address_lines
    event.add("location", ", ".join([site.name, *address]))
    event.add("status", STATUSES[Intervention.Status(visit.status)])
    event.add("sequence", visit.sequence)
    event.add("transp", "TRANSPARENT" if visit.status == "cancelled" else "OPAQUE")
    description = visit_description(visit)
    if description:
        event.add("description", description)
    return event


def visit_description(visit: Intervention) -> str:
    """Access notes, the phone to call on the spot, and the status once it is not planned."""
    lines = []
    if visit.status != Intervention.Status.PLANNED:
        lines.append(_("Statut : %(status)s") % {"status": visit.get_status_display()})
    if visit.site.access_notes:
        lines.append(_("Accès : %(notes)s") % {"notes": visit.site.access_notes})
    phone = site_contact_phone(visit.site)
    if phone:
        lines.append(_("Contact : %(phone)s") % {"phone": format_phone(phone)})
    if visit.notes:
        lines.append(_("Notes : %(notes)s") % {"notes": visit.notes})
    return "\n".join(lines)
