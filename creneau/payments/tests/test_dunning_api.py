"""API of the dunning runs: the preview at a date, reading it, sending it once (409 after),
bad input in French (422), other roles refused (403)."""

from __future__ import annotations

import pytest

from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import DunningRun
from creneau.payments.tests import dunning_helpers
from creneau.payments.tests.dunning_helpers import TODAY, business, days_ago, overdue

company = dunning_helpers.company
pytestmark = pytest.mark.django_db
URL = "/api/v1/dunning-runs"


@pytest.fixture
def due(company):
    firm = business(email="compta@firm.example.com")
    person = CustomerFactory(email="client@example.fr")
    return {
        "firm": firm,
        "person": person,
        "firm_invoices": [overdue(firm, due=days_ago(10)), overdue(firm, due=days_ago(12))],
        "person_invoice": overdue(person, due=days_ago(10), group="B"),
    }


def test_preview_read_and_send(api_for, direction, due):
    api = api_for(direction)
    response = api.post(URL, {"as_of": TODAY.isoformat()})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["as_of"] == TODAY.isoformat() and body["status"] == "preview"
    items = {item["customer_id"]: item for item in body["items"]}
    firm_item = items[due["firm"].pk]
    assert firm_item["billing_group"] == "A" and firm_item["level"] == 1
    assert sorted(firm_item["invoice_ids"]) == sorted(i.pk for i in due["firm_invoices"])
    assert firm_item["amount_due"] == "240.00" and firm_item["fee"] == "0.00"
    assert firm_item["recipients"] == ["compta@firm.example.com"]
    assert items[due["person"].pk]["billing_group"] == "B"
    assert api.get(f"{URL}/{body['id']}").json()["items"] == body["items"]

    response = api.post(f"{URL}/{body['id']}/send", {"excluded_customer_ids": [due["person"].pk]})
    assert response.status_code == 200, response.content
    sent = response.json()
    assert sent["status"] == "sent"
    assert sent["counts"] == {"sent": 1, "dropped": 0, "excluded": 1, "emails": 1, "letters": 0}
    statuses = {item["customer_id"]: (item["status"], item["excluded"]) for item in sent["items"]}
    assert statuses == {due["firm"].pk: ("sent", False), due["person"].pk: ("proposed", True)}
    assert OutboxEmail.objects.count() == 1

    again = api.post(f"{URL}/{body['id']}/send", {})
    assert again.status_code == 409
    assert "déjà envoyée" in again.json()["detail"]
    assert OutboxEmail.objects.count() == 1


def test_as_of_defaults_to_today(api_for, direction, due):
    response = api_for(direction).post(URL, {})
    assert response.status_code == 201 and response.json()["as_of"] == TODAY.isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"as_of": "31/01/2027"}, "as_of"),
        ({"as_of": "1999-12-31"}, "as_of"),
        ({"as_of": "2027-01-31", "send": True}, "send"),
    ],
)
def test_bad_input_is_refused_in_french(api_for, direction, due, body, field):
    response = api_for(direction).post(URL, body)
    assert response.status_code == 422, response.content
    error = response.json()["detail"][0]
    assert error["field"] == field and error["msg"][0].isupper()
    assert not DunningRun.objects.exists()


def test_sending_with_strangers_or_bad_ids_is_refused(api_for, direction, due):
    api = api_for(direction)
    run_id = api.post(URL, {}).json()["id"]
    stranger = CustomerFactory()
    response = api.post(f"{URL}/{run_id}/send", {"excluded_customer_ids": [stranger.pk]})
    assert response.status_code == 422
    assert str(stranger.pk) in response.json()["detail"][0]["msg"]
    response = api.post(f"{URL}/{run_id}/send", {"excluded_customer_ids": ["un"]})
    assert response.status_code == 422
    assert DunningRun.objects.get().status == "preview"
    assert api.get(f"{URL}/999999").status_code == 404


def test_other_roles_are_refused(api_for, direction, rep, planner, accountant, due):
    run_id = api_for(direction).post(URL, {}).json()["id"]
    for user in (rep, planner):
        api = api_for(user)
        assert api.post(URL, {}).status_code == 403
        assert api.get(f"{URL}/{run_id}").status_code == 403
        assert api.post(f"{URL}/{run_id}/send", {}).status_code == 403
    assert DunningRun.objects.get(pk=run_id).status == "preview"
    assert api_for(accountant).post(f"{URL}/{run_id}/send", {}).status_code == 200
