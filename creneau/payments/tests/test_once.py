"""The same payment or refund form sent twice (back button after the save, then the
button again) records it once; the second sending says so and adds nothing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment, Refund
from creneau.payments.services import payment_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return CustomerFactory(name="Cabinet Lemoine", sales_rep=rep)


def token(html: str) -> str:
    found = re.search(r'name="once" value="([^"]+)"', html)
    assert found, "the form carries no token"
    return found.group(1)


def test_a_payment_form_sent_again_records_nothing_more(customer, accountant, client_for):
    client = client_for(accountant)
    url = f"/payments/customer/{customer.pk}/new/"
    once = token(client.get(url).content.decode())
    data = {"once": once, "amount": "12.5", "method": "transfer",
            "date": timezone.localdate().isoformat(), "allocation": "oldest"}  # fmt: skip
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    again = client.post(url, data)
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Payment.objects.count() == 1
    assert "déjà enregistré" in client.get(again["Location"]).content.decode()
    # A new form (a new token) records a new payment.
    data["once"] = token(client.get(url).content.decode())
    assert data["once"] != once
    assert client.post(url, data).status_code == 302
    assert Payment.objects.count() == 2


def test_a_form_with_errors_keeps_its_token(customer, accountant, client_for):
    client = client_for(accountant)
    url = f"/payments/customer/{customer.pk}/new/"
    response = client.post(url, {"once": "abc123", "amount": "1 234,56x", "method": "transfer"})
    assert response.status_code in (200, 422)
    assert token(response.content.decode()) == "abc123"
    assert not Payment.objects.exists()


def test_a_refund_form_sent_again_records_nothing_more(customer, accountant, client_for):
    payment = payment_create(customer=customer, by=None, amount=Decimal("80"), method="transfer")
    client = client_for(accountant)
    url = f"/payments/{payment.pk}/refund/"
    data = {"once": token(client.get(url).content.decode()), "amount": "12.5",
            "date": timezone.localdate().isoformat(), "method": "transfer",
            "reference": "", "reason": "Trop-perçu"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert list(Refund.objects.values_list("amount", flat=True)) == [Decimal("12.50")]


def test_a_deposit_sent_again_records_nothing_more(customer, accountant, client_for):
    from creneau.payments.models import ChequeDeposit
    from creneau.payments.tests.test_deposits import URL, row, rows

    client = client_for(accountant)
    data = rows(row(customer.code, "45", "BNP", "1234567"))
    data["once"] = token(client.get(URL).content.decode())
    data["save"] = "1"
    first = client.post(URL, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    again = client.post(URL, data)
    assert again.status_code == 302 and again["Location"] == "/payments/deposits/"
    assert "déjà enregistrée" in client.get(again["Location"]).content.decode()
    assert ChequeDeposit.objects.count() == 1 and Payment.objects.count() == 1
