"""The employee's calendar feed (/planning/ical/<token>.ics), read back with icalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from creneau.catalog.tests.factories import ServiceFactory
from creneau.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from creneau.planning.ical import FEED_PAST_DAYS
from creneau.planning.models import Employee, Intervention
from creneau.planning.services import employee_ical_renew, employee_update, intervention_update
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def feed_url(employee: Employee) -> str:
    return reverse("planning:ical_feed", args=[employee.ical_token])


def fetch(employee: Employee) -> Calendar:
    response = Client().get(feed_url(employee))
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.content)


def events_by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def employee() -> Employee:
    return EmployeeFactory(first_name="Inès", last_name="Intervenante")


@pytest.fixture
def site():
    customer = CustomerFactory(name="Résidence Client", phone="+33145678901")
    return SiteFactory(
        customer=customer,
        name="Résidence Les Tilleuls",
        street="12 rue Oberkampf",
        postcode="75011",
        city="Paris",
        access_notes="Digicode 1234B, clés chez le gardien",
    )


def visit(employee, site, start: datetime, **fields) -> Intervention:
    fields.setdefault("service", ServiceFactory(label="Entretien des parties communes"))
    return InterventionFactory(
        employee=employee, site=site, start=start, end=start + timedelta(hours=2), **fields
    )


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def test_the_feed_needs_no_login_and_describes_each_visit(employee, site):
    ContactFactory(customer=site.customer, site=site, name="Gardien", mobile="+33612345678")
    planned = visit(employee, site, at(tomorrow(), 8, 30))

    response = Client().get(feed_url(employee))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["PRODID"]) == "-//Créneau//Planning//FR"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Créneau \u2013 Inès Intervenante"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in response.content

    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"intervention-{planned.pk}@localhost"
    assert str(event["SUMMARY"]) == "Entretien des parties communes \u2013 Résidence Les Tilleuls"
    assert str(event["LOCATION"]) == "Résidence Les Tilleuls, 12 rue Oberkampf, 75011 Paris"
    assert str(event["DESCRIPTION"]) == (
        "Accès : Digicode 1234B, clés chez le gardien\nContact : 06 12 34 56 78"
    )
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == at(tomorrow(), 8, 30)
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTEND") == at(tomorrow(), 10, 30)
    assert event.decoded("DTSTAMP") == planned.updated_at.replace(microsecond=0)
    assert event.decoded("LAST-MODIFIED") == planned.updated_at.replace(microsecond=0)


def test_without_a_site_contact_the_customers_phone_is_given(employee, site):
    visit(employee, site, at(tomorrow(), 9))
    [event] = fetch(employee).walk("VEVENT")
    assert "Contact : 01 45 67 89 01" in str(event["DESCRIPTION"])


def test_the_uid_stays_and_the_sequence_grows_when_the_visit_changes(employee, site, planner):
    planned = visit(employee, site, at(tomorrow(), 8, 30))
    uid = f"intervention-{planned.pk}@localhost"
    before = events_by_uid(fetch(employee))[uid]

    intervention_update(
        intervention=planned, by=planner, start=at(tomorrow(), 14), end=at(tomorrow(), 16)
    )
    after = events_by_uid(fetch(employee))[uid]

    assert after["SEQUENCE"] == before["SEQUENCE"] + 1 == 1
    assert after.decoded("DTSTART") == at(tomorrow(), 14)
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")


def test_a_cancelled_visit_stays_in_the_feed_as_cancelled(employee, site, planner):
    planned = visit(employee, site, at(tomorrow(), 8, 30))
    intervention_update(intervention=planned, by=planner, status=Intervention.Status.CANCELLED)
    [event] = fetch(employee).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert "Statut : Annulée" in str(event["DESCRIPTION"])


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_visits_keep_their_local_time_across_the_clock_changes(employee, site, settings):
    settings.PLANNING_HORIZON_WEEKS = 120  # the next two clock changes are in the window
    year = timezone.localdate().year + 1
    days = []
    for change in (last_sunday(year, 3), last_sunday(year, 10)):
        days += [change - timedelta(days=2), change + timedelta(days=1)]
    for day in days:
        visit(employee, site, at(day, 8, 30))

    response = Client().get(feed_url(employee))
    text = response.content.decode()
    for day in days:
        assert f"DTSTART;TZID=Europe/Paris:{day:%Y%m%d}T083000" in text
        assert f"DTEND;TZID=Europe/Paris:{day:%Y%m%d}T103000" in text
    calendar = Calendar.from_ical(response.content)
    offsets = [event.decoded("DTSTART").utcoffset() for event in calendar.walk("VEVENT")]
    winter, summer = timedelta(hours=1), timedelta(hours=2)
    assert offsets == [winter, summer, summer, winter]
    # The VTIMEZONE holds both rules, and only the years the feed needs.
    [zone] = calendar.walk("VTIMEZONE")
    assert {component.name for component in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert "1970" not in zone.to_ical().decode()


def test_the_window_runs_from_a_month_ago_to_the_horizon(employee, site, settings):
    today = timezone.localdate()
    horizon = today + timedelta(weeks=settings.PLANNING_HORIZON_WEEKS)
    inside = [
        visit(employee, site, at(today - timedelta(days=FEED_PAST_DAYS), 0, 0)),
        visit(employee, site, at(horizon, 23)),
    ]
    visit(employee, site, at(today - timedelta(days=FEED_PAST_DAYS + 1), 23))
    visit(employee, site, at(horizon + timedelta(days=1), 0, 0))
    uids = set(events_by_uid(fetch(employee)))
    assert uids == {f"intervention-{item.pk}@localhost" for item in inside}


def test_the_uid_domain_comes_from_the_settings(employee, site, settings):
    planned = visit(employee, site, at(tomorrow(), 9))
    settings.DEFAULT_FROM_EMAIL = "Clair & Net <no-reply@clairnet.example.com>"
    assert set(events_by_uid(fetch(employee))) == {
        f"intervention-{planned.pk}@clairnet.example.com"
    }
    settings.ICAL_UID_DOMAIN = "planning.clairnet.fr"
    assert set(events_by_uid(fetch(employee))) == {
        f"intervention-{planned.pk}@planning.clairnet.fr"
    }


def test_the_feed_shows_nothing_of_other_employees(employee, site):
    other = EmployeeFactory(first_name="Octave", last_name="Autre")
    secret_site = SiteFactory(name="Banque Secrète", access_notes="Code coffre 9876")
    mine = visit(employee, site, at(tomorrow(), 8))
    visit(other, secret_site, at(tomorrow(), 8), notes="Note privée")
    visit(None, secret_site, at(tomorrow(), 10))  # to staff: nobody's feed

    response = Client().get(feed_url(employee))
    text = response.content.decode()
    assert set(events_by_uid(Calendar.from_ical(response.content))) == {
        f"intervention-{mine.pk}@localhost"
    }
    for leak in ("Octave", "Autre", "Banque Secr", "9876", "Note priv", other.ical_token):
        assert leak not in text


def test_an_unknown_renewed_or_inactive_token_answers_404(employee, site, direction):
    visit(employee, site, at(tomorrow(), 9))
    old_url = feed_url(employee)
    client = Client()
    assert client.get(old_url).status_code == 200

    employee_ical_renew(employee=employee, by=direction)
    assert client.get(old_url).status_code == 404
    assert client.get(feed_url(employee)).status_code == 200

    for token in ("inconnu", "x" * 65, "%20", employee.ical_token.upper()):
        assert client.get(f"/planning/ical/{token}.ics").status_code == 404, token

    employee_update(employee=employee, by=direction, is_active=False)
    assert client.get(feed_url(employee)).status_code == 404


def test_the_feed_is_read_only(employee):
    assert Client().post(feed_url(employee)).status_code == 405
    assert Client().head(feed_url(employee)).status_code == 200


def test_the_feed_costs_the_same_queries_whatever_the_number_of_visits(
    employee, django_assert_max_num_queries
):
    def add_visits(count: int) -> None:
        for index in range(count):
            site = SiteFactory()
            ContactFactory(customer=site.customer, site=site, phone="+33145678901")
            visit(employee, site, at(tomorrow() + timedelta(days=index % 20), 8 + index % 8))

    add_visits(1)
    with django_assert_max_num_queries(3):
        assert len(fetch(employee).walk("VEVENT")) == 1
    add_visits(40)
    with django_assert_max_num_queries(3):
        assert len(fetch(employee).walk("VEVENT")) == 41


def test_the_feed_is_bounded(employee, site, monkeypatch):
    monkeypatch.setattr("creneau.planning.ical.FEED_MAX_EVENTS", 5)
    visits = [visit(employee, site, at(tomorrow() + timedelta(days=n), 9)) for n in range(8)]
    uids = set(events_by_uid(fetch(employee)))
    assert uids == {f"intervention-{item.pk}@localhost" for item in visits[:5]}  # the first
