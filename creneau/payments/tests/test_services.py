"""Payments: allocation by hand or oldest due first, the credit left, reversals, the
invoices' amounts and statuses that follow, and the refusals."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.journal import journal_verify
from creneau.billing.models import Invoice
from creneau.billing.services import (
    invoice_create,
    invoice_issue,
    invoice_line_add,
)
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment
from creneau.payments.selectors import customer_balance
from creneau.payments.services import (
    payment_allocate,
    payment_create,
    payment_credit,
    payment_reverse,
)

pytestmark = pytest.mark.django_db


def issued(customer, price="100", days_ago=0) -> Invoice:
    """An issued invoice of `price` excl. VAT at 20 % (gross 1.2 x), due `days_ago` ago."""
    invoice = invoice_create(customer=customer, by=None)
    invoice_line_add(
        invoice=invoice, by=None, line_type="free", description="Ménage",
        quantity=Decimal(1), unit_price=Decimal(price), vat_rate=vat_rate("20"),
    )  # fmt: skip
    invoice = invoice_issue(invoice=invoice, by=None)
    if days_ago:
        due = timezone.localdate() - timedelta(days=days_ago)
        Invoice.objects.filter(pk=invoice.pk).update(issue_date=due, due_date=due)
        invoice.refresh_from_db()
    return invoice


def pay(customer, amount, **kwargs) -> Payment:
    return payment_create(
        customer=customer, by=None, amount=Decimal(amount), method="transfer", **kwargs
    )


def refreshed(*invoices):
    return [Invoice.objects.get(pk=invoice.pk) for invoice in invoices]


def test_a_payment_goes_to_the_oldest_due_invoices_first_and_the_rest_is_credit():
    customer = CustomerFactory()
    recent, old = issued(customer, days_ago=5), issued(customer, days_ago=40)
    payment = pay(customer, "150")
    recent, old = refreshed(recent, old)
    assert (old.amount_due, old.status) == (Decimal("0.00"), Invoice.Status.PAID)
    assert (recent.amount_due, recent.status) == (Decimal("90.00"), "partially_paid")
    assert payment_credit(payment) == 0
    pay(customer, "100")
    assert customer_balance(customer).credit == Decimal("10.00")
    assert customer_balance(customer).balance == Decimal("-10.00")


def test_allocations_by_hand_are_checked():
    customer, other = CustomerFactory(), CustomerFactory()
    invoice, foreign = issued(customer), issued(other)
    with pytest.raises(ValidationError, match="il reste 120,00"):
        pay(customer, "200", allocations=[{"invoice_id": invoice.pk, "amount": "130"}])
    with pytest.raises(ValidationError, match="pas une facture émise de ce client"):
        pay(customer, "50", allocations=[{"invoice_id": foreign.pk, "amount": "50"}])
    with pytest.raises(ValidationError, match="dépassent le règlement"):
        pay(customer, "50", allocations=[{"invoice_id": invoice.pk, "amount": "60"}])
    assert Payment.objects.count() == 0
    pay(customer, "50", allocations=[{"invoice_id": invoice.pk, "amount": "20"}])
    assert refreshed(invoice)[0].amount_due == Decimal("100.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "positif"), ("-5", "positif"), ("1.001", "deux décimales"), ("1e12", "deux")],
)
def test_bad_amounts_are_refused(amount, message):
    with pytest.raises(ValidationError, match=message):
        pay(CustomerFactory(), amount)


def test_a_payment_dated_in_the_future_is_refused():
    with pytest.raises(ValidationError, match="plus d'un jour"):
        pay(CustomerFactory(), "10", date=timezone.localdate() + timedelta(days=2))


def test_a_reversal_makes_the_invoice_due_again_and_cannot_be_reversed():
    customer = CustomerFactory()
    invoice = issued(customer)
    payment = pay(customer, "120")
    assert refreshed(invoice)[0].status == Invoice.Status.PAID
    with pytest.raises(ValidationError, match="motif"):
        payment_reverse(payment=payment, by=None, reason="  ")
    reversal = payment_reverse(payment=payment, by=None, reason="Chèque impayé")
    invoice = refreshed(invoice)[0]
    assert (invoice.amount_due, invoice.status) == (Decimal("120.00"), Invoice.Status.ISSUED)
    with pytest.raises(ValidationError, match="déjà annulé"):
        payment_reverse(payment=payment, by=None, reason="encore")
    with pytest.raises(ValidationError, match="ne s'annule pas"):
        payment_reverse(payment=reversal, by=None, reason="encore")
    assert customer_balance(customer).balance == Decimal("120.00")
    assert journal_verify().ok


def test_credit_is_allocated_later_to_a_new_invoice():
    customer = CustomerFactory()
    payment = pay(customer, "50")
    assert payment_credit(payment) == Decimal("50.00")
    invoice = issued(customer)
    payment_allocate(payment=payment, by=None)
    assert refreshed(invoice)[0].amount_due == Decimal("70.00")
    with pytest.raises(ValidationError, match="entièrement affecté"):
        payment_allocate(payment=payment, by=None)


def test_a_paid_invoice_credited_in_part_stays_paid_and_the_balance_goes_negative():
    customer = CustomerFactory()
    invoice = issued(customer)
    pay(customer, "120")
    credit_note_create(invoice=invoice, by=None, amount=Decimal("12"))
    assert refreshed(invoice)[0].status == Invoice.Status.PAID
    assert customer_balance(customer).balance == Decimal("-12.00")


def test_overdue_counts_only_invoices_past_their_due_date():
    customer = CustomerFactory()
    issued(customer, days_ago=10)
    issued(customer)
    balance = customer_balance(customer)
    assert (balance.balance, balance.overdue) == (Decimal("240.00"), Decimal("120.00"))


@settings(max_examples=30, deadline=None)
@given(
    prices=st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=4),
    payments=st.lists(st.integers(min_value=1, max_value=80_000), min_size=1, max_size=4),
    reverse_first=st.booleans(),
)
def test_every_cent_is_somewhere(prices, payments, reverse_first):
    """Balance = invoices - payments; no amount due below zero; the amounts due and the
    credit add up to the balance."""
    customer = CustomerFactory()
    invoices = [issued(customer, price=str(Decimal(cents) / 100)) for cents in prices]
    made = [pay(customer, str(Decimal(cents) / 100)) for cents in payments]
    if reverse_first:
        payment_reverse(payment=made[0], by=None, reason="erreur")
    invoices = refreshed(*invoices)
    assert all(invoice.amount_due >= 0 for invoice in invoices)
    balance = customer_balance(customer)
    gross = sum(invoice.total_gross for invoice in invoices)
    paid = sum(p.amount for p in made[1 if reverse_first else 0 :])
    assert balance.balance == gross - paid
    assert sum(invoice.amount_due for invoice in invoices) - balance.credit == balance.balance


@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_never_over_pay_an_invoice():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    customer = CustomerFactory()
    invoice = issued(customer)
    barrier, errors = threading.Barrier(2), []

    def pay_all():
        try:
            barrier.wait()
            pay(customer, "100", allocations=[{"invoice_id": invoice.pk, "amount": "100"}])
        except ValidationError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay_all) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 1 and "il reste 20,00" in str(errors[0])
    assert refreshed(invoice)[0].amount_due == Decimal("20.00")
