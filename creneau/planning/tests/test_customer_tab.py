"""The customer record's Planning tab: its sites' schedules, the next and the last visits."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from creneau.catalog.tests.factories import ServiceFactory
from creneau.customers.tabs import RECORD_TABS
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import (
    EmployeeFactory,
    InterventionFactory,
    ScheduleFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "tab-pane"}


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep, name="Résidence Les Tilleuls")


@pytest.fixture
def site(customer):
    return SiteFactory(customer=customer, name="Bâtiment A")


def visit(site, days: int, **fields) -> Intervention:
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    start += timedelta(days=days)
    return InterventionFactory(site=site, start=start, end=start + timedelta(hours=2), **fields)


def test_the_tab_comes_after_sites():
    keys = [tab.key for tab in RECORD_TABS]
    assert keys.index("planning") == keys.index("sites") + 1


def test_the_tab_lists_the_schedules_and_the_visits(site, rep, client_for):
    service = ServiceFactory(label="Ménage des parties communes")
    ScheduleFactory(
        site=site,
        service=service,
        employee=EmployeeFactory(first_name="Léa", last_name="Martin"),
        rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH",
        start_time=time(8, 30),
        duration_minutes=150,
    )
    ScheduleFactory(site=site, rrule="FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR")
    visit(site, 2, service=service)
    visit(site, -3, status=Intervention.Status.DONE)
    visit(site, -10, status=Intervention.Status.MISSED)
    response = client_for(rep).get(f"/planning/customer/{site.customer_id}/", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the partial alone
    assert "Ménage des parties communes" in html and "Léa Martin" in html
    assert "08:30" in html and "2 h 30" in html
    assert "Chaque semaine : lundi et jeudi" in html
    assert "Chaque mois, le dernier vendredi" in html
    assert "à pourvoir" in html
    assert "Prochaines interventions" in html and "Dernières interventions" in html
    assert "Planifiée" in html and "Réalisée" in html and "Client absent" in html
    schedule = site.schedules.first()
    assert f'href="/planning/schedules/{schedule.pk}/"' in html
    # A rep reads: no "Nouvelle programmation".
    assert "Nouvelle programmation" not in html


def test_the_next_and_last_visits_are_five_each(site, planner, client_for):
    for days in range(1, 8):
        visit(site, days, notes=f"futur-{days}")
        visit(site, -days, status=Intervention.Status.DONE)
    html = client_for(planner).get(f"/planning/customer/{site.customer_id}/", headers=HTMX)
    content = html.content.decode()
    assert content.count("<tr>") == 10  # no schedule: the two lists of visits alone


def test_an_empty_tab_offers_a_new_schedule_to_a_planner(customer, site, planner, client_for):
    html = client_for(planner).get(f"/planning/customer/{customer.pk}/", headers=HTMX)
    content = html.content.decode()
    assert "Aucune programmation pour ce client." in content
    assert f'href="/planning/sites/{site.pk}/schedules/new/"' in content
    SiteFactory(customer=customer, name="Bâtiment B")
    content = client_for(planner).get(f"/planning/customer/{customer.pk}/", headers=HTMX)
    assert f'href="/planning/schedules/new/?customer={customer.pk}"' in content.content.decode()


def test_a_customer_without_site_is_told_to_add_one(customer, planner, client_for):
    html = client_for(planner).get(f"/planning/customer/{customer.pk}/", headers=HTMX)
    assert "Ajoutez d'abord un site." in html.content.decode()


def test_the_record_opens_on_the_tab(site, rep, client_for):
    ScheduleFactory(site=site, service=ServiceFactory(label="Vitres"))
    client = client_for(rep)
    page = client.get(f"/customers/{site.customer_id}/", {"tab": "planning"}).content.decode()
    assert 'hx-get="/planning/customer/' in page and "Vitres" in page
    # Without htmx (a bookmarked tab URL) the whole record page, the tab open.
    plain = client.get(f"/planning/customer/{site.customer_id}/").content.decode()
    assert "<html" in plain and "Vitres" in plain and "Résidence Les Tilleuls" in plain


def test_an_other_rep_gets_404(site, other_rep, client_for):
    response = client_for(other_rep).get(f"/planning/customer/{site.customer_id}/", headers=HTMX)
    assert response.status_code == 404


def test_the_tab_keeps_its_queries_few(site, planner, client_for, django_assert_max_num_queries):
    other_site = SiteFactory(customer=site.customer)
    for index in range(12):
        ScheduleFactory(
            site=site if index % 2 else other_site,
            service=ServiceFactory(),
            employee=EmployeeFactory(),
        )
        visit(site, index + 1, service=ServiceFactory(), employee=EmployeeFactory())
        visit(other_site, -index - 1, status=Intervention.Status.DONE)
    client = client_for(planner)
    with django_assert_max_num_queries(8):
        response = client.get(f"/planning/customer/{site.customer_id}/", headers=HTMX)
    assert response.status_code == 200
