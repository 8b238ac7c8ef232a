"""Planifier: an accepted quote with a site makes one schedule per service line, once."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from creneau.catalog.models import Service
from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Schedule
from creneau.quotes.models import Quote
from creneau.quotes.services import (
    quote_accept,
    quote_create,
    quote_finalize,
    quote_line_add,
    quote_plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep, name="Résidence Les Tilleuls")


@pytest.fixture
def site(customer):
    return SiteFactory(customer=customer, name="Bâtiment A")


def make_quote(customer, site, by, *, accept=True) -> Quote:
    """A quote of 27/11/2026 (a Friday): 2.5 hours of cleaning, a window visit, a free line."""
    quote = quote_create(customer=customer, site=site, by=by)
    cleaning = ServiceFactory(label="Ménage", unit=Service.Unit.HOUR)
    windows = ServiceFactory(label="Vitres", unit=Service.Unit.VISIT)
    quote_line_add(quote=quote, by=by, service=cleaning, quantity=Decimal("2.5"))
    quote_line_add(quote=quote, by=by, service=windows, quantity=Decimal("1"))
    quote_line_add(
        quote=quote,
        by=by,
        line_type="free",
        description="Déplacement",
        quantity=Decimal(1),
        unit_price=Decimal(10),
        vat_rate=vat_rate("20"),
    )
    quote_finalize(quote=quote, by=by)
    if accept:
        quote_accept(quote=quote, by=by)
    # Finalising dated it today; the schedules take the weekday of the quote's date.
    Quote.objects.filter(pk=quote.pk).update(date=date(2026, 11, 27))
    quote.refresh_from_db()
    return quote


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def test_plan_makes_one_schedule_per_service_line(customer, site, direction):
    quote = make_quote(customer, site, direction)
    cleaning, windows = quote_plan(quote=quote, by=direction)
    assert Schedule.objects.count() == 2
    assert (cleaning.service.label, windows.service.label) == ("Ménage", "Vitres")
    for schedule in (cleaning, windows):
        assert schedule.site == site and schedule.employee is None
        assert schedule.rrule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"  # the quote's weekday
        assert schedule.start_time == time(8, 0)
        assert schedule.start_date == next_monday()
        assert schedule.end_date is None
        assert quote.number in schedule.notes
        assert schedule.interventions.exists()
    assert (cleaning.duration_minutes, windows.duration_minutes) == (150, 60)
    quote.refresh_from_db()
    assert quote.planned_at is not None
    assert AuditEvent.objects.filter(
        customer_id=customer.pk, object_type="quote", object_id=str(quote.pk),
        message__startswith="Planifié",
    ).exists()  # fmt: skip


def test_hours_are_bounded_to_a_day(customer, site, direction):
    quote = quote_create(customer=customer, site=site, by=direction)
    quote_line_add(quote=quote, by=direction, service=ServiceFactory(), quantity=Decimal(30))
    quote_line_add(quote=quote, by=direction, service=ServiceFactory(), quantity=Decimal("0"))
    quote_finalize(quote=quote, by=direction)
    quote_accept(quote=quote, by=direction)
    long, empty = quote_plan(quote=quote, by=direction)
    assert (long.duration_minutes, empty.duration_minutes) == (1440, 1)


def test_the_detail_page_offers_planifier_then_says_deja_planifie(
    customer, site, direction, planner, client_for
):
    quote = make_quote(customer, site, direction)
    client = client_for(planner)
    page = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert 'id="quote-plan"' in page and "Planifier" in page
    response = client.post(f"/quotes/{quote.pk}/plan/")
    first = Schedule.objects.order_by("id").first()
    assert response.status_code == 302
    assert response["Location"] == f"/planning/schedules/{first.pk}/"
    opened = client.get(response["Location"]).content.decode()
    assert "2 programmations créées d&#x27;après le devis" in opened
    page = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert 'id="quote-plan"' not in page and "Déjà planifié" in page
    again = client.post(f"/quotes/{quote.pk}/plan/")
    assert again["Location"] == f"/quotes/{quote.pk}/"
    assert Schedule.objects.count() == 2
    history = client.get(f"/customers/{customer.pk}/history/").content.decode()
    assert "Planifié : 2 programmation(s) créée(s)" in history


def test_planifier_is_for_accepted_quotes_with_a_site(customer, site, direction, client_for):
    offered = make_quote(customer, site, direction, accept=False)
    client = client_for(direction)
    assert 'id="quote-plan"' not in client.get(f"/quotes/{offered.pk}/").content.decode()
    client.post(f"/quotes/{offered.pk}/plan/")
    without_site = make_quote(customer, None, direction)
    assert 'id="quote-plan"' not in client.get(f"/quotes/{without_site.pk}/").content.decode()
    client.post(f"/quotes/{without_site.pk}/plan/")
    assert not Schedule.objects.exists()


def test_a_sales_rep_does_not_plan(customer, site, rep, client_for):
    quote = make_quote(customer, site, rep)
    client = client_for(rep)
    assert 'id="quote-plan"' not in client.get(f"/quotes/{quote.pk}/").content.decode()
    assert client.post(f"/quotes/{quote.pk}/plan/").status_code == 403
    assert not Schedule.objects.exists()


# API -------------------------------------------------------------------------------------


def test_api_plan_answers_the_schedule_ids_then_409(customer, site, direction, api_for):
    quote = make_quote(customer, site, direction)
    client = api_for(direction)
    response = client.post(f"/api/v1/quotes/{quote.pk}/plan")
    assert response.status_code == 201
    ids = response.json()["schedule_ids"]
    assert ids == list(Schedule.objects.order_by("id").values_list("id", flat=True))
    assert client.get(f"/api/v1/quotes/{quote.pk}").json()["planned_at"] is not None
    again = client.post(f"/api/v1/quotes/{quote.pk}/plan")
    assert again.status_code == 409
    assert "déjà planifié" in again.json()["detail"]
    assert Schedule.objects.count() == 2


def test_api_plan_refuses_what_cannot_be_planned(customer, site, direction, api_for):
    client = api_for(direction)
    draft = quote_create(customer=customer, site=site, by=direction)
    response = client.post(f"/api/v1/quotes/{draft.pk}/plan")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "status"
    no_site = make_quote(customer, None, direction)
    response = client.post(f"/api/v1/quotes/{no_site.pk}/plan")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "site"
    free_only = quote_create(customer=customer, site=site, by=direction)
    quote_line_add(
        quote=free_only, by=direction, line_type="free", description="Divers",
        quantity=Decimal(1), unit_price=Decimal(5), vat_rate=vat_rate("20"),
    )  # fmt: skip
    quote_finalize(quote=free_only, by=direction)
    quote_accept(quote=free_only, by=direction)
    response = client.post(f"/api/v1/quotes/{free_only.pk}/plan")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "lines"
    assert not Schedule.objects.exists()


def test_api_plan_is_for_planners(customer, site, rep, other_rep, api_for):
    quote = make_quote(customer, site, rep)
    assert api_for(rep).post(f"/api/v1/quotes/{quote.pk}/plan").status_code == 403
    assert api_for(other_rep).post(f"/api/v1/quotes/{quote.pk}/plan").status_code == 404
    assert not Schedule.objects.exists()
