"""The customer's opt-in to visit reminders (Customer.visit_reminders): the general tab
shows it and edits it, the API reads and writes it. The sending is planning's
(creneau/planning/tests/test_reminders.py)."""

import pytest

from creneau.core.models import AuditEvent
from creneau.customers.models import Customer
from creneau.customers.tests.api_helpers import customer_body
from creneau.customers.tests.factories import CustomerFactory
from creneau.customers.tests.test_views_record import general

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep, name="Dupont Services", email="contact@dupont.fr")


def test_the_general_tab_shows_and_edits_the_opt_in(rep, client_for, customer):
    client = client_for(rep)
    page = client.get(f"/customers/{customer.pk}/general/", headers=HTMX).content.decode()
    assert "Rappel de passage" in page and "Oui, par e-mail la veille" not in page

    form = client.get(f"/customers/{customer.pk}/general/edit/", headers=HTMX).content.decode()
    assert 'name="visit_reminders"' in form and "Rappel de passage par e-mail" in form

    data = general(customer, visit_reminders="on")
    response = client.post(f"/customers/{customer.pk}/general/edit/", data, headers=HTMX)
    assert "Oui, par e-mail la veille" in response.content.decode()
    customer.refresh_from_db()
    assert customer.visit_reminders is True
    event = AuditEvent.objects.get(customer_id=customer.pk, action="update")
    assert event.changes == {"visit_reminders": [False, True]}

    # An unticked box is a "no".
    client.post(f"/customers/{customer.pk}/general/edit/", general(customer), headers=HTMX)
    customer.refresh_from_db()
    assert customer.visit_reminders is False


def test_an_opted_in_customer_without_email_is_flagged(rep, client_for, customer):
    Customer.objects.filter(pk=customer.pk).update(visit_reminders=True, email="")
    page = client_for(rep).get(f"/customers/{customer.pk}/general/", headers=HTMX)
    assert "sans e-mail : aucun rappel ne part" in page.content.decode()


def test_the_api_reads_and_writes_the_opt_in(api_for, direction):
    client = api_for(direction)
    created = client.post("/api/v1/customers", customer_body(email="a@example.fr")).json()
    assert created["visit_reminders"] is False

    opted = client.post(
        "/api/v1/customers", customer_body(email="b@example.fr", visit_reminders=True)
    )
    assert opted.status_code == 201 and opted.json()["visit_reminders"] is True

    response = client.patch(f"/api/v1/customers/{created['id']}", {"visit_reminders": True})
    assert response.status_code == 200 and response.json()["visit_reminders"] is True
    assert Customer.objects.get(pk=created["id"]).visit_reminders is True
    assert client.get(f"/api/v1/customers/{created['id']}").json()["visit_reminders"] is True

    refused = client.patch(f"/api/v1/customers/{created['id']}", {"visit_reminders": "peut-être"})
    assert refused.status_code == 422
