"""A payment's credit: refunding it (service, page, API), allocating it later (page, API),
and the balances that follow: a refund lowers the credit and raises the balance back."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from creneau.billing.journal import journal_verify
from creneau.billing.models import Invoice, JournalEntry
from creneau.billing.tests.factories import issued_invoice
from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment, Refund
from creneau.payments.selectors import customer_balance
from creneau.payments.services import (
    payment_create,
    payment_credit,
    payment_reverse,
    refund_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return CustomerFactory(name="Cabinet Lemoine", sales_rep=rep)


def pay(customer, amount, **kwargs) -> Payment:
    kwargs.setdefault("method", "transfer")
    return payment_create(customer=customer, by=None, amount=Decimal(amount), **kwargs)


def refund(payment, amount, **kwargs) -> Refund:
    kwargs.setdefault("method", Refund.Method.TRANSFER)
    return refund_create(payment=payment, by=None, amount=Decimal(amount), **kwargs)


def errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


# The service ----------------------------------------------------------------------------


def test_a_refund_lowers_the_credit_and_raises_the_balance(customer, accountant):
    issued_invoice(customer=customer)  # 120.00
    payment = pay(customer, "200")  # 120 allocated, 80 of credit
    before = customer_balance(customer)
    assert (before.balance, before.credit) == (Decimal("-80.00"), Decimal("80.00"))
    journal = JournalEntry.objects.count()

    made = refund_create(
        payment=payment, by=accountant, amount=Decimal("30"), method="cheque",
        reference="CHQ 991", reason="Trop-perçu",
    )  # fmt: skip

    assert (made.customer, made.payment, made.amount) == (customer, payment, Decimal("30.00"))
    assert made.created_by == accountant
    assert payment_credit(payment) == Decimal("50.00")
    after = customer_balance(customer)
    assert (after.balance, after.credit) == (Decimal("-50.00"), Decimal("50.00"))
    # Journalled and audited, and the chain still holds.
    entry = JournalEntry.objects.order_by("sequence").last()
    assert JournalEntry.objects.count() == journal + 1
    assert entry.kind == JournalEntry.Kind.PAYMENT
    assert entry.figures["refund"] == made.pk and entry.figures["amount"] == "30.00"
    assert journal_verify().ok
    assert AuditEvent.objects.filter(
        object_type="payment", object_id=str(payment.pk), message__startswith="Remboursé"
    ).exists()


def test_the_whole_credit_can_be_refunded_not_a_cent_more(customer):
    payment = pay(customer, "80")  # nothing to settle: all credit
    with pytest.raises(ValidationError) as error:
        refund(payment, "80.01")
    assert error.value.message_dict["amount"] == [
        "Le remboursement (80,01\u00a0€) dépasse l'avoir de ce règlement (80,00\u00a0€)."
    ]
    refund(payment, "50")
    with pytest.raises(ValidationError):
        refund(payment, "30.01")
    refund(payment, "30")
    assert payment_credit(payment) == Decimal("0.00")
    balance = customer_balance(customer)
    assert (balance.balance, balance.credit) == (Decimal("0.00"), Decimal("0.00"))
    assert Refund.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "kwargs", "field", "message"),
    [
        ("0", {}, "amount", "Le montant d'un remboursement est positif."),
        ("-5", {}, "amount", "Le montant d'un remboursement est positif."),
        ("1.234", {}, "amount", "Un montant a deux décimales"),
        ("5", {"method": "card"}, "method", ""),
        ("5", {"reason": "x" * 256}, "reason", ""),
        (
            "5",
            {"date": timezone.localdate() + timedelta(days=2)},
            "date",
            "Un remboursement ne peut pas être daté de plus d'un jour à l'avance.",
        ),
    ],
)
def test_bad_refunds_are_refused_in_french(customer, amount, kwargs, field, message):
    payment = pay(customer, "80")
    with pytest.raises(ValidationError) as error:
        refund(payment, amount, **kwargs)
    assert field in error.value.message_dict
    assert error.value.message_dict[field][0].startswith(message)
    assert not Refund.objects.exists()


def test_no_refund_of_a_reversed_payment_or_a_reversal(customer):
    payment = pay(customer, "80")
    reversal = payment_reverse(payment=payment, by=None, reason="Chèque impayé")
    for target, message in (
        (payment, "Ce règlement est annulé : il n'a plus d'avoir."),
        (reversal, "Une annulation n'a pas d'avoir."),
    ):
        with pytest.raises(ValidationError) as error:
            refund(target, "10")
        assert error.value.messages == [message]
    assert not Refund.objects.exists()


def test_a_refunded_payment_reversed_later_leaves_the_refund_owed(customer):
    """A cheque of 80, 30 refunded, then it bounces: the customer owes the 30 it got back."""
    payment = pay(customer, "80")
    refund(payment, "30")
    payment_reverse(payment=payment, by=None, reason="Chèque impayé")
    balance = customer_balance(customer)
    assert (balance.balance, balance.credit) == (Decimal("30.00"), Decimal("0.00"))


def test_allocating_after_a_refund_spends_only_what_is_left(customer):
    payment = pay(customer, "100")
    refund(payment, "90")
    invoice = issued_invoice(customer=customer)  # 120.00
    from creneau.payments.services import payment_allocate

    made = payment_allocate(payment=payment, by=None)
    assert [allocation.amount for allocation in made] == [Decimal("10.00")]
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("110.00")
    with pytest.raises(ValidationError) as error:
        refund(payment, "0.01")
    assert "dépasse" in error.value.message_dict["amount"][0]


@pytest.mark.django_db(transaction=True)
def test_two_refunds_at_once_never_spend_the_credit_twice(customer):
    """The payment's row is locked: on PostgreSQL the second waits, then sees the credit
    the first left. (SQLite serialises writers anyway.)"""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter")
    payment = pay(customer, "100")
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt() -> None:
        try:
            barrier.wait()
            refund(payment, "60")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert payment_credit(payment) == Decimal("40.00")


# The pages ------------------------------------------------------------------------------


def test_the_tab_offers_refund_and_allocate_for_a_credit(customer, accountant, client_for):
    with_credit = pay(customer, "50", reference="VIR-CREDIT")
    refund(with_credit, "20", reason="Trop-perçu")
    issued_invoice(customer=customer)
    spent = pay(customer, "120", reference="VIR-SPENT")  # settles the invoice: no credit
    html = client_for(accountant).get(f"/payments/customer/{customer.pk}/").content.decode()
    assert f'href="/payments/{with_credit.pk}/refund/"' in html
    assert f'href="/payments/{with_credit.pk}/allocate/"' in html
    assert f'href="/payments/{spent.pk}/refund/"' not in html
    assert "Remboursé 20,00\u00a0€ le" in html
    assert "Avoir : 30,00\u00a0€" in html


def test_a_sales_rep_sees_no_refund_button_and_gets_403(customer, rep, client_for):
    payment = pay(customer, "50")
    client = client_for(rep)
    html = client.get(f"/payments/customer/{customer.pk}/").content.decode()
    assert "/refund/" not in html and "/allocate/" not in html
    assert client.get(f"/payments/{payment.pk}/refund/").status_code == 403
    assert client.post(f"/payments/{payment.pk}/allocate/").status_code == 403


def test_refund_page_records_it_and_returns_to_the_tab(customer, accountant, client_for):
    payment = pay(customer, "80")
    client = client_for(accountant)
    page = client.get(f"/payments/{payment.pk}/refund/")
    assert page.status_code == 200
    assert 'value="80,00"' in page.content.decode()  # the whole credit by default
    response = client.post(
        f"/payments/{payment.pk}/refund/",
        {"amount": "25,50", "date": timezone.localdate().isoformat(), "method": "cheque",
         "reference": "CHQ 12", "reason": "Trop-perçu"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/?tab=invoices"
    made = Refund.objects.get()
    assert (made.amount, made.method, made.reference) == (Decimal("25.50"), "cheque", "CHQ 12")


def test_refund_page_shows_the_error_at_the_field(customer, accountant, client_for):
    payment = pay(customer, "80")
    response = client_for(accountant).post(
        f"/payments/{payment.pk}/refund/",
        {"amount": "100", "date": timezone.localdate().isoformat(), "method": "transfer"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "dépasse l&#x27;avoir de ce règlement (80,00\u00a0€)" in html
    assert 'class="invalid-feedback"' in html
    assert not Refund.objects.exists()


def test_allocate_page_by_hand_and_oldest_first(customer, accountant, client_for):
    payment = pay(customer, "200")  # no invoice yet: all credit
    first, second = issued_invoice(customer=customer), issued_invoice(customer=customer)
    client = client_for(accountant)
    page = client.get(f"/payments/{payment.pk}/allocate/").content.decode()
    assert first.number in page and second.number in page
    response = client.post(
        f"/payments/{payment.pk}/allocate/",
        {"allocation": "hand", f"invoice_{second.pk}": "50"},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.amount_due == Decimal("70.00")
    client.post(f"/payments/{payment.pk}/allocate/", {"allocation": "oldest"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.amount_due, second.amount_due) == (Decimal("0.00"), Decimal("40.00"))
    assert payment_credit(payment) == Decimal("0.00")
    # Beyond an invoice's amount due: refused at the form, nothing allocated.
    other = pay(customer, "100", allocations=[])  # all credit
    response = client.post(
        f"/payments/{other.pk}/allocate/", {"allocation": "hand", f"invoice_{second.pk}": "41"}
    )
    assert response.status_code == 200
    assert "il reste 40,00\u00a0€ à régler" in response.content.decode()
    assert payment_credit(other) == Decimal("100.00")


# The API --------------------------------------------------------------------------------


def test_api_refund_and_read(api_for, accountant, customer):
    payment = pay(customer, "80")
    client = api_for(accountant)
    response = client.post(
        f"/api/v1/payments/{payment.pk}/refund",
        {"amount": "30.00", "method": "transfer", "reference": "VIR R1", "reason": "Trop-perçu"},
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["unallocated"] == "50.00"
    assert [(r["amount"], r["method"], r["reference"], r["reason"]) for r in data["refunds"]] == [
        ("30.00", "transfer", "VIR R1", "Trop-perçu")
    ]
    listed = client.get("/api/v1/payments", {"customer_id": customer.pk}).json()["items"]
    assert [item["refunds"][0]["amount"] for item in listed] == ["30.00"]
    balance = client.get(f"/api/v1/customers/{customer.pk}/balance").json()
    assert (balance["balance"], balance["credit"]) == ("-50.00", "50.00")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"amount": "80.01", "method": "cash"}, "amount", "Le remboursement (80,01"),
        ({"amount": "0.00", "method": "cash"}, "amount", "Le montant d'un remboursement"),
        ({"method": "cash"}, "amount", "Indiquez le montant du remboursement."),
        ({"amount": "10.00"}, "method", "Indiquez le mode du remboursement."),
        ({"amount": "10.00", "method": "card"}, "method", ""),
        ({"amount": "10.00", "method": "cash", "iban": "FR76"}, "iban", "Champ inconnu."),
        (
            {"amount": "10.00", "method": "cash", "date": "2999-01-01"},
            "date",
            "Un remboursement ne peut pas",
        ),
    ],
)
def test_api_refund_refusals(api_for, accountant, customer, body, field, message):
    payment = pay(customer, "80")
    response = api_for(accountant).post(f"/api/v1/payments/{payment.pk}/refund", body)
    assert response.status_code == 422, response.content
    assert errors(response)[field].startswith(message)
    assert not Refund.objects.exists()


def test_api_refund_of_a_reversed_payment_is_422(api_for, accountant, customer):
    payment = pay(customer, "80")
    payment_reverse(payment=payment, by=None, reason="Erreur")
    response = api_for(accountant).post(
        f"/api/v1/payments/{payment.pk}/refund", {"amount": "10.00", "method": "cash"}
    )
    assert response.status_code == 422
    assert errors(response) == {"__all__": "Ce règlement est annulé : il n'a plus d'avoir."}


def test_api_allocate(api_for, accountant, customer):
    payment = pay(customer, "200")
    first, second = issued_invoice(customer=customer), issued_invoice(customer=customer)
    client = api_for(accountant)
    url = f"/api/v1/payments/{payment.pk}/allocate"
    by_hand = client.post(url, {"allocations": [{"invoice_id": second.pk, "amount": "20.00"}]})
    assert by_hand.status_code == 200, by_hand.content
    assert by_hand.json()["unallocated"] == "180.00"
    oldest = client.post(url).json()  # no body: oldest due first
    assert [(a["invoice_id"], a["amount"]) for a in oldest["allocations"]] == [
        (second.pk, "20.00"),
        (first.pk, "120.00"),
        (second.pk, "60.00"),
    ]
    assert oldest["unallocated"] == "0.00"
    assert Invoice.objects.get(pk=second.pk).amount_due == Decimal("40.00")


def test_api_allocate_refusals(api_for, accountant, customer):
    payment = pay(customer, "50")
    invoice = issued_invoice(customer=customer)
    stranger = issued_invoice(customer=CustomerFactory())
    client = api_for(accountant)
    url = f"/api/v1/payments/{payment.pk}/allocate"
    beyond_credit = client.post(
        url, {"allocations": [{"invoice_id": invoice.pk, "amount": "60.00"}]}
    )
    assert beyond_credit.status_code == 422
    assert errors(beyond_credit)["allocations"].startswith("Les affectations (60,00")
    foreign = client.post(url, {"allocations": [{"invoice_id": stranger.pk, "amount": "10.00"}]})
    assert foreign.status_code == 422
    assert "ce n'est pas une facture émise de ce client" in errors(foreign)["allocations"]
    client.post(url)  # spends the 50
    spent = client.post(url)
    assert spent.status_code == 422
    assert errors(spent) == {"__all__": "Ce règlement est entièrement affecté."}
    payment_reverse(payment=payment, by=None, reason="Erreur")
    reversed_ = client.post(url)
    assert errors(reversed_) == {"__all__": "Ce règlement est annulé : il n'a plus d'avoir."}


def test_api_writes_are_403_for_a_sales_rep(api_for, rep, customer):
    payment = pay(customer, "50")
    client = api_for(rep)
    refund_answer = client.post(
        f"/api/v1/payments/{payment.pk}/refund", {"amount": "1.00", "method": "cash"}
    )
    assert refund_answer.status_code == 403
    assert client.post(f"/api/v1/payments/{payment.pk}/allocate").status_code == 403
    assert client.get(f"/api/v1/payments/{payment.pk}").status_code == 200


def test_the_invoice_api_lists_its_payments(api_for, accountant, customer):
    invoice = issued_invoice(customer=customer)
    first = pay(customer, "50", method="cheque", cheque_number="12")
    second = pay(customer, "20", method="cash")
    payment_reverse(payment=first, by=None, reason="Chèque impayé")
    third = pay(customer, "10")
    data = api_for(accountant).get(f"/api/v1/invoices/{invoice.pk}").json()
    assert data["payments"] == [
        {"payment_id": first.pk, "date": first.date.isoformat(), "method": "cheque",
         "amount": "50.00", "reversed": True},
        {"payment_id": second.pk, "date": second.date.isoformat(), "method": "cash",
         "amount": "20.00", "reversed": False},
        {"payment_id": third.pk, "date": third.date.isoformat(), "method": "transfer",
         "amount": "10.00", "reversed": False},
    ]  # fmt: skip
    assert (data["amount_paid"], data["amount_due"]) == ("30.00", "90.00")
    draft = api_for(accountant).post("/api/v1/invoices", {"customer_id": customer.pk}).json()
    assert draft["payments"] == []
