"""The payments API: recording (by hand, oldest due first), reading, listing, reversing,
a customer's balance; the invoices' amount paid; who reads and who writes; the refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.billing.tests.factories import issued_invoice
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment

pytestmark = pytest.mark.django_db


def errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep)


@pytest.fixture
def invoices(customer):
    # 120.00 each (100 + 20 % VAT).
    return [issued_invoice(customer=customer), issued_invoice(customer=customer)]


def test_payment_allocated_by_hand(api_for, accountant, customer, invoices):
    body = {
        "customer_id": customer.pk,
        "amount": "150.00",
        "method": "cheque",
        "cheque_bank": "Banque Populaire",
        "cheque_number": "1234567",
        "allocations": [{"invoice_id": invoices[1].pk, "amount": "100.00"}],
    }
    response = api_for(accountant).post("/api/v1/payments", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["amount"] == "150.00"
    assert data["method"] == "cheque"
    assert data["cheque_number"] == "1234567"
    assert [(a["invoice_id"], a["amount"]) for a in data["allocations"]] == [
        (invoices[1].pk, "100.00")
    ]
    assert data["unallocated"] == "50.00"
    invoice = api_for(accountant).get(f"/api/v1/invoices/{invoices[1].pk}").json()
    assert (invoice["amount_paid"], invoice["amount_due"]) == ("100.00", "20.00")
    assert invoice["status"] == "partially_paid"


def test_payment_oldest_due_first(api_for, direction, customer, invoices):
    body = {"customer_id": customer.pk, "amount": "130.00", "method": "transfer"}
    data = api_for(direction).post("/api/v1/payments", body).json()
    assert [(a["invoice_id"], a["amount"]) for a in data["allocations"]] == [
        (invoices[0].pk, "120.00"),
        (invoices[1].pk, "10.00"),
    ]
    assert data["unallocated"] == "0.00"
    listed = api_for(direction).get("/api/v1/invoices", {"customer_id": customer.pk}).json()
    paid = {item["id"]: (item["amount_paid"], item["status"]) for item in listed["items"]}
    assert paid == {invoices[0].pk: ("120.00", "paid"), invoices[1].pk: ("10.00", "partially_paid")}


def test_reverse_then_balance(api_for, accountant, customer, invoices):
    client = api_for(accountant)
    payment = client.post(
        "/api/v1/payments", {"customer_id": customer.pk, "amount": "300.00", "method": "cash"}
    ).json()
    balance = client.get(f"/api/v1/customers/{customer.pk}/balance").json()
    assert balance == {
        "balance": "-60.00",
        "overdue": "0.00",
        "credit": "60.00",
        "invoices_due": [],
    }

    response = client.post(f"/api/v1/payments/{payment['id']}/reverse", {"reason": "Erreur"})
    assert response.status_code == 201, response.content
    reversal = response.json()
    assert reversal["reversal_of_id"] == payment["id"]
    assert reversal["reason"] == "Erreur"
    assert (
        client.get(f"/api/v1/payments/{payment['id']}").json()["reversed_by_id"] == reversal["id"]
    )

    balance = client.get(f"/api/v1/customers/{customer.pk}/balance").json()
    assert balance["balance"] == "240.00"
    assert balance["credit"] == "0.00"
    assert [(i["id"], i["amount_due"]) for i in balance["invoices_due"]] == [
        (invoices[0].pk, "120.00"),
        (invoices[1].pk, "120.00"),
    ]
    invoice = client.get(f"/api/v1/invoices/{invoices[0].pk}").json()
    assert invoice["amount_paid"] == "0.00"

    again = client.post(f"/api/v1/payments/{reversal['id']}/reverse", {"reason": "Encore"})
    assert again.status_code == 422
    assert "annulation ne s'annule pas" in again.json()["detail"][0]["msg"]


def test_list_filters(api_for, direction, customer, invoices):
    client = api_for(direction)
    today = timezone.localdate()
    client.post(
        "/api/v1/payments",
        {"customer_id": customer.pk, "amount": "10.00", "method": "card",
         "date": (today - timedelta(days=10)).isoformat()},
    )  # fmt: skip
    client.post("/api/v1/payments", {"customer_id": customer.pk, "amount": "5", "method": "cesu"})
    other = CustomerFactory()
    client.post("/api/v1/payments", {"customer_id": other.pk, "amount": "7", "method": "cesu"})
    listed = client.get("/api/v1/payments").json()
    assert listed["count"] == 3
    assert client.get("/api/v1/payments", {"method": "cesu"}).json()["count"] == 2
    assert client.get("/api/v1/payments", {"customer_id": customer.pk}).json()["count"] == 2
    recent = client.get("/api/v1/payments", {"start": (today - timedelta(days=1)).isoformat()})
    assert recent.json()["count"] == 2
    old = client.get("/api/v1/payments", {"end": (today - timedelta(days=1)).isoformat()})
    assert [item["amount"] for item in old.json()["items"]] == ["10.00"]
    assert client.get("/api/v1/payments", {"method": "bitcoin"}).status_code == 422


def _bad_bodies(customer, invoices, other_invoice):
    base = {"customer_id": customer.pk, "method": "transfer"}
    first, other = invoices[0].pk, other_invoice.pk
    tomorrow_plus = (timezone.localdate() + timedelta(days=2)).isoformat()
    return [
        ({**base, "amount": "0"}, "amount", "positif"),
        ({**base, "amount": "-5"}, "amount", "nombre décimal"),
        ({**base, "amount": "10", "method": "bitcoin"}, "method", "Valeur non autorisée"),
        ({**base, "amount": "10", "colour": "red"}, "colour", "Champ inconnu"),
        ({**base, "amount": "10", "date": tomorrow_plus}, "date", "plus d'un jour"),
        (
            {**base, "amount": "500", "allocations": [{"invoice_id": first, "amount": "121"}]},
            "allocations",
            "il reste",
        ),
        (
            {**base, "amount": "50", "allocations": [{"invoice_id": other, "amount": "10"}]},
            "allocations",
            "pas une facture émise de ce client",
        ),
        (
            {**base, "amount": "50", "allocations": [
                {"invoice_id": invoices[0].pk, "amount": "40"},
                {"invoice_id": invoices[1].pk, "amount": "40"},
            ]},
            "allocations",
            "dépassent le règlement",
        ),
    ]  # fmt: skip


def test_bad_input_answers_422_and_saves_nothing(api_for, accountant, customer, invoices):
    other_invoice = issued_invoice(customer=CustomerFactory())
    client = api_for(accountant)
    for body, field, words in _bad_bodies(customer, invoices, other_invoice):
        response = client.post("/api/v1/payments", body)
        assert response.status_code == 422, (body, response.content)
        assert words in errors(response)[field], (body, response.json())
    assert not Payment.objects.exists()
    payment = client.post(
        "/api/v1/payments", {"customer_id": customer.pk, "amount": "5", "method": "cash"}
    ).json()
    response = client.post(f"/api/v1/payments/{payment['id']}/reverse", {"reason": ""})
    assert response.status_code == 422
    assert Payment.objects.count() == 1


def test_roles(api_for, direction, rep, other_rep, planner, customer, invoices):
    payment = (
        api_for(direction)
        .post("/api/v1/payments", {"customer_id": customer.pk, "amount": "5", "method": "cash"})
        .json()
    )
    body = {"customer_id": customer.pk, "amount": "5", "method": "cash"}
    urls = [
        f"/api/v1/payments/{payment['id']}",
        f"/api/v1/customers/{customer.pk}/balance",
    ]
    # The rep reads its customer's payments and balance but records none.
    for url in urls:
        assert api_for(rep).get(url).status_code == 200
    assert api_for(rep).get("/api/v1/payments").json()["count"] == 1
    assert api_for(rep).post("/api/v1/payments", body).status_code == 403
    reverse = f"/api/v1/payments/{payment['id']}/reverse"
    assert api_for(rep).post(reverse, {"reason": "x"}).status_code == 403
    # Another rep and planning: 404 everywhere.
    for user in (other_rep, planner):
        client = api_for(user)
        for url in urls:
            assert client.get(url).status_code == 404
        assert client.post("/api/v1/payments", body).status_code == 404
        assert client.post(reverse, {"reason": "x"}).status_code == 404
    assert api_for(other_rep).get("/api/v1/payments").json()["count"] == 0
    assert api_for(planner).get("/api/v1/payments").status_code == 404
    assert Payment.objects.count() == 1


def test_list_and_read_query_counts_do_not_grow(api_for, direction, customer, invoices):
    client = api_for(direction)

    def record(count):
        for _ in range(count):
            body = {"customer_id": customer.pk, "amount": "1", "method": "cash"}
            assert client.post("/api/v1/payments", body).status_code == 201

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    record(2)
    few = queries("/api/v1/payments")
    balance_few = queries(f"/api/v1/customers/{customer.pk}/balance")
    record(8)
    assert queries("/api/v1/payments") == few
    assert queries(f"/api/v1/customers/{customer.pk}/balance") == balance_few
