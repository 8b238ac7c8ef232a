"""API of the dunning holds and reminders sent: POST /invoices/{id}/hold and /release, the
same on /customers/{id}, GET /invoices/{id}/reminders and /customers/{id}/reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.billing.tests.factories import draft_invoice, issued_invoice
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.holds import hold_in_force
from creneau.payments.models import DunningHold
from creneau.payments.tests.dunning_data import sent_reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return CustomerFactory(name="Syndic Horizon", sales_rep=rep)


@pytest.fixture
def invoice(customer):
    return issued_invoice(customer=customer)


def errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


def test_hold_and_release_an_invoice(invoice, accountant, api_for):
    api = api_for(accountant)
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = api.post(f"/api/v1/invoices/{invoice.pk}/hold", {"reason": "Litige", "until": until})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["invoice_id"] == invoice.pk and body["customer_id"] is None
    assert (body["reason"], body["until"], body["released_at"]) == ("Litige", until, None)
    assert hold_in_force(invoice=invoice).pk == body["id"]
    # Twice: 409 with the reason of the hold in force.
    response = api.post(f"/api/v1/invoices/{invoice.pk}/hold", {"reason": "Encore"})
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Les relances de cette facture sont déjà suspendues (motif : Litige)."
    )
    response = api.post(f"/api/v1/invoices/{invoice.pk}/release")
    assert response.status_code == 200 and response.json()["released_at"] is not None
    response = api.post(f"/api/v1/invoices/{invoice.pk}/release")
    assert response.status_code == 409
    assert response.json()["detail"] == "Les relances de cette facture ne sont pas suspendues."


def test_hold_and_release_a_customer(customer, direction, api_for):
    api = api_for(direction)
    response = api.post(f"/api/v1/customers/{customer.pk}/hold", {"reason": "Échéancier"})
    assert response.status_code == 201
    assert response.json()["customer_id"] == customer.pk and response.json()["until"] is None
    assert api.post(f"/api/v1/customers/{customer.pk}/hold", {"reason": "x"}).status_code == 409
    assert api.post(f"/api/v1/customers/{customer.pk}/release").status_code == 200
    assert hold_in_force(customer=customer) is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "reason", "Indiquez le motif de la suspension."),
        ({"reason": "  "}, "reason", "Indiquez le motif de la suspension."),
        ({"reason": "Litige", "until": "2020-01-01"}, "until", "déjà passée"),
        ({"reason": "Litige", "until": "31/12/2030"}, "until", "date"),
        ({"reason": "x" * 256}, "reason", "trop long"),
        ({"reason": 12}, "reason", ""),
        ({"reason": "Litige", "motif": "x"}, "motif", ""),
        ({"reason": "Litige", "customer_id": 1}, "customer_id", ""),
    ],
)
def test_bad_holds_answer_422_in_french(invoice, direction, api_for, body, field, message):
    response = api_for(direction).post(f"/api/v1/invoices/{invoice.pk}/hold", body)
    assert response.status_code == 422, response.content
    found = errors(response)
    assert field in found, found
    assert message in found[field]
    assert not DunningHold.objects.exists()


def test_release_refuses_a_body(invoice, direction, api_for):
    response = api_for(direction).post(f"/api/v1/invoices/{invoice.pk}/release", {"force": True})
    assert response.status_code == 422 and "force" in errors(response)


def test_a_draft_is_not_held(customer, direction, api_for):
    draft = draft_invoice(customer=customer)
    response = api_for(direction).post(f"/api/v1/invoices/{draft.pk}/hold", {"reason": "Litige"})
    assert response.status_code == 422
    assert errors(response)["__all__"] == "Seules les relances d'une facture émise se suspendent."


def test_who_may_hold(invoice, customer, rep, other_rep, planner, api_for):
    # The rep reads its customer's invoice but may not hold it: 403.
    response = api_for(rep).post(f"/api/v1/invoices/{invoice.pk}/hold", {"reason": "Litige"})
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Votre rôle ne permet pas de suspendre ni de reprendre les relances."
    )
    assert api_for(rep).post(f"/api/v1/customers/{customer.pk}/release").status_code == 403
    assert api_for(rep).get(f"/api/v1/invoices/{invoice.pk}/reminders").status_code == 200
    # Another rep, and planning, do not see it: 404.
    for user in (other_rep, planner):
        api = api_for(user)
        assert api.post(f"/api/v1/invoices/{invoice.pk}/hold", {"reason": "x"}).status_code == 404
        assert api.get(f"/api/v1/invoices/{invoice.pk}/reminders").status_code == 404
        assert api.post(f"/api/v1/customers/{customer.pk}/hold", {"reason": "x"}).status_code == 404
    assert not DunningHold.objects.exists()


def test_the_reminders_of_an_invoice(customer, invoice, direction, api_for):
    other = issued_invoice(customer=customer)
    first = sent_reminder(customer, [invoice, other], rank=1, days_ago=20)
    second = sent_reminder(
        customer,
        [invoice],
        rank=2,
        days_ago=3,
        fee="10.00",
        indemnity="40.00",
        recipients=["compta@horizon.fr"],
    )
    sent_reminder(customer, [other], rank=2)
    response = api_for(direction).get(f"/api/v1/invoices/{invoice.pk}/reminders")
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == [second.pk, first.pk]
    latest = body[0]
    assert (latest["level_rank"], latest["level_name"], latest["channel"]) == (
        2,
        "Seconde relance",
        "email",
    )
    assert latest["recipients"] == ["compta@horizon.fr"]
    assert (latest["amount_due"], latest["fees"]) == ("120.00", "50.00")
    assert latest["subject"] == second.subject and latest["body"] == second.body
    assert latest["invoices"] == [
        {
            "invoice_id": invoice.pk,
            "invoice_number": invoice.number,
            "level_rank": 2,
            "amount_due": "120.00",
            "fee": "10.00",
            "indemnity": "40.00",
            "interest": "0.00",
        }
    ]
    assert {item["invoice_id"] for item in body[1]["invoices"]} == {invoice.pk, other.pk}


def test_the_reminders_query_count_is_flat(customer, invoice, direction, api_for):
    api = api_for(direction)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert api.get(url).status_code == 200
        return len(context)

    sent_reminder(customer, [invoice], rank=1)
    few_invoice = queries(f"/api/v1/invoices/{invoice.pk}/reminders")
    few_customer = queries(f"/api/v1/customers/{customer.pk}/reminders")
    for rank in (2, 3):
        sent_reminder(customer, [invoice, issued_invoice(customer=customer)], rank=rank)
    for _ in range(5):
        sent_reminder(customer, [issued_invoice(customer=customer)], rank=1)
    assert queries(f"/api/v1/invoices/{invoice.pk}/reminders") == few_invoice
    assert queries(f"/api/v1/customers/{customer.pk}/reminders") == few_customer


def test_the_reminders_leave_out_what_was_not_sent(customer, invoice, direction, api_for):
    reminder = sent_reminder(customer, [invoice])
    reminder.status = reminder.Status.PROPOSED
    reminder.save()
    reminder.items.update(sent=False)
    assert api_for(direction).get(f"/api/v1/invoices/{invoice.pk}/reminders").json() == []
    assert api_for(direction).get(f"/api/v1/customers/{customer.pk}/reminders").json() == []


def test_the_routes_are_documented(direction, api_for):
    paths = api_for(direction).get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/invoices/{invoice_id}/hold" in paths
    assert "/api/v1/customers/{customer_id}/release" in paths
    assert "/api/v1/invoices/{invoice_id}/reminders" in paths
