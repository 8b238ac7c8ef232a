"""Visites: the month calendar, the list, one visit; the scope of each access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from creneau.planning.models import Intervention
from creneau.portal.tests.pages_data import (
    assert_no_secret,
    customer_data,
    portal_access,
    visit_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return customer_data(quotes=False)


@pytest.fixture
def stranger():
    return customer_data(quotes=False)


def month_of(visit: Intervention) -> str:
    return timezone.localtime(visit.start).strftime("%Y-%m")


def test_the_owner_sees_its_visits_in_the_month_with_first_names_only(owner, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    visit = owner.visits[0]
    response = client.get(reverse("portal:visits"), {"mois": month_of(visit)})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("portal:visit", args=[visit.pk]) in html
    assert "Ménage du domicile" in html
    assert_no_secret(html)
    listed = client.get(reverse("portal:visits"), {"vue": "liste"}).content.decode()
    assert "Camille" in listed
    assert_no_secret(listed)


def test_the_calendar_starts_its_weeks_on_monday_and_links_the_months(owner, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    response = client.get(reverse("portal:visits"), {"mois": "2026-03"})
    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert weeks[0][0].day.isoweekday() == 1  # Monday
    assert weeks[0][0].day.isoformat() == "2026-02-23"
    html = response.content.decode()
    assert "mois=2026-02" in html and "mois=2026-04" in html


@pytest.mark.parametrize(
    "month",
    ["2026-13", "2026-00", "abcd-ef", "99999-01", "1500-01", "²０２６-01", "2026-1", "", "x" * 500],
)
def test_a_month_that_cannot_be_read_shows_this_month(owner, portal_client_for, month):
    client = portal_client_for(portal_access(owner.customer))
    response = client.get(reverse("portal:visits"), {"mois": month})
    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)


def test_the_list_shows_upcoming_then_past_visits_with_real_times(owner, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    upcoming = client.get(reverse("portal:visits"), {"vue": "liste"})
    assert upcoming.status_code == 200
    shown = {visit.pk for visit in upcoming.context["page"].object_list}
    planned = {v.pk for v in owner.visits if v.status == Intervention.Status.PLANNED}
    assert shown == planned
    past = client.get(reverse("portal:visits"), {"vue": "liste", "quand": "passees"})
    done = [v for v in owner.visits if v.status == Intervention.Status.DONE]
    assert {visit.pk for visit in past.context["page"].object_list} == {v.pk for v in done}
    html = past.content.decode()
    # The real times (09:10 to 11:25), not the planned ones (09:00 to 11:00).
    assert "09:10\u201311:25" in html
    assert_no_secret(html)


def test_a_cancelled_visit_is_not_shown(owner, portal_client_for):
    cancelled = visit_on(owner.sites[0], days=3, status=Intervention.Status.CANCELLED)
    client = portal_client_for(portal_access(owner.customer))
    response = client.get(reverse("portal:visits"), {"vue": "liste"})
    assert cancelled.pk not in {visit.pk for visit in response.context["page"].object_list}
    assert client.get(reverse("portal:visit", args=[cancelled.pk])).status_code == 404


def test_the_visit_page_shows_its_fields_and_nothing_internal(owner, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    done = owner.visits[1]
    response = client.get(reverse("portal:visit", args=[done.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    shown = ("Ménage du domicile", "Maison principale", "Camille", "Réalisée", "09:10", "11:25")
    for text in shown:
        assert text in html
    assert_no_secret(html)
    assert "€" not in html


def test_another_customers_visits_answer_404(owner, stranger, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    for visit in stranger.visits:
        assert client.get(reverse("portal:visit", args=[visit.pk])).status_code == 404
    response = client.get(reverse("portal:visits"), {"vue": "liste"})
    listed = {visit.pk for visit in response.context["page"].object_list}
    assert not {visit.pk for visit in stranger.visits} & listed


def test_a_site_level_access_sees_only_its_sites_visits(owner, portal_client_for):
    site = owner.sites[0]
    client = portal_client_for(portal_access(owner.customer, site=site))
    for visit in owner.visits:
        expected = 200 if visit.site_id == site.pk else 404
        assert client.get(reverse("portal:visit", args=[visit.pk])).status_code == expected
    response = client.get(reverse("portal:visits"), {"vue": "liste"})
    assert {visit.site_id for visit in response.context["page"].object_list} == {site.pk}
    # One site: no filter to offer, and another site's id changes nothing.
    assert response.context["sites"] == []
    other = client.get(reverse("portal:visits"), {"vue": "liste", "site": owner.sites[1].pk})
    assert {visit.site_id for visit in other.context["page"].object_list} == {site.pk}


def test_the_site_filter_of_an_account_access(owner, stranger, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    url = reverse("portal:visits")
    response = client.get(url, {"vue": "liste"})
    assert len(response.context["sites"]) == 3
    picked = client.get(url, {"vue": "liste", "site": owner.sites[1].pk})
    assert {visit.site_id for visit in picked.context["page"].object_list} == {owner.sites[1].pk}
    # Another customer's site, or an id that cannot be read: ignored, never its visits.
    for value in (stranger.sites[0].pk, "abc", "9" * 40, "-1", "0"):
        response = client.get(url, {"vue": "liste", "site": value})
        assert response.status_code == 200
        shown = {visit.site_id for visit in response.context["page"].object_list}
        assert shown == {site.pk for site in owner.sites}
        calendar = client.get(url, {"site": value, "mois": month_of(owner.visits[0])})
        assert calendar.status_code == 200
        days = calendar.context["busy_days"]
        in_calendar = {visit.site_id for day in days for visit in day.visits}
        assert in_calendar <= {site.pk for site in owner.sites}


@pytest.mark.parametrize("page", ["abc", "0", "-3", "99999999999999999999999", "2"])
def test_a_page_number_that_cannot_be_read_is_no_error(owner, portal_client_for, page):
    client = portal_client_for(portal_access(owner.customer))
    response = client.get(reverse("portal:visits"), {"vue": "liste", "page": page})
    assert response.status_code == 200


def test_a_huge_visit_id_is_a_404(owner, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    assert client.get(f"/portail/visites/{'9' * 30}/").status_code == 404
    assert client.get("/portail/visites/9223372036854775808/").status_code == 404


def test_the_lists_read_a_bounded_number_of_queries(
    owner, portal_client_for, django_assert_max_num_queries
):
    site = owner.sites[0]
    for day in range(2, 40):
        visit_on(site, days=day)
        visit_on(site, days=-day - 2, status=Intervention.Status.DONE)
    client = portal_client_for(portal_access(owner.customer))
    month = (timezone.localdate() + timedelta(days=5)).strftime("%Y-%m")
    url = reverse("portal:visits")
    for params in ({"mois": month}, {"vue": "liste"}, {"vue": "liste", "quand": "passees"}):
        with django_assert_max_num_queries(10):
            assert client.get(url, params).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("portal:visit", args=[owner.visits[0].pk])).status_code == 200


def test_a_stranger_is_sent_to_the_portal_login(owner, client):
    url = reverse("portal:visit", args=[owner.visits[0].pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/portail/?next={url.replace('/', '%2F')}"
    response = client.get(reverse("portal:visits"))
    assert response.status_code == 302 and response["Location"].startswith("/portail/?next=")
