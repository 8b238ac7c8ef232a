"""A credit note on a paid invoice: what its payments settled beyond what the invoice now
asks goes back to the customer's credit (allocable, refundable), newest allocation first,
journaled and audited."""

from decimal import Decimal

import pytest

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.journal import journal_verify
from creneau.billing.models import Invoice, JournalEntry
from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import PaymentAllocation
from creneau.payments.selectors import customer_balance
from creneau.payments.services import (
    payment_allocate,
    payment_credit,
    payment_reverse,
    refund_create,
)
from creneau.payments.tests.test_services import issued, pay

pytestmark = pytest.mark.django_db


def allocations(invoice: Invoice) -> list[tuple[int, Decimal]]:
    return list(
        PaymentAllocation.objects.filter(invoice=invoice)
        .order_by("id")
        .values_list("payment_id", "amount")
    )


def test_a_credit_note_on_a_paid_invoice_releases_the_excess_as_credit():
    customer = CustomerFactory()
    invoice = issued(customer)  # 120.00 incl. VAT
    payment = pay(customer, "120")
    journal = JournalEntry.objects.count()

    credit_note = credit_note_create(invoice=invoice, by=None, amount=Decimal("20"), reason="Geste")

    invoice.refresh_from_db()
    assert allocations(invoice) == [(payment.pk, Decimal("100.00"))]
    assert (invoice.amount_due, invoice.status) == (Decimal("0.00"), Invoice.Status.PAID)
    assert payment_credit(payment) == Decimal("20.00")
    balance = customer_balance(customer)
    assert (balance.balance, balance.credit) == (Decimal("-20.00"), Decimal("20.00"))
    # The credit note's entry, then the allocation's change; the chain holds.
    entries = list(JournalEntry.objects.order_by("sequence")[journal:])
    assert [entry.kind for entry in entries] == ["credit_note", JournalEntry.Kind.PAYMENT]
    assert entries[1].figures == {
        "allocation_released": "20.00",
        "payment": payment.pk,
        "customer_id": customer.pk,
        "invoice_id": invoice.pk,
        "credit_note": credit_note.pk,
        "credit_note_number": credit_note.number,
        "date": credit_note.issue_date.isoformat(),
        "allocation": "100.00",
    }
    assert journal_verify().ok
    audit = AuditEvent.objects.get(
        object_type="payment", object_id=str(payment.pk), action="update"
    )
    assert audit.customer_id == customer.pk
    assert audit.message == (
        f"Affectation réduite par l'avoir {credit_note.number} : 20,00\u00a0€ de moins sur "
        f"la facture {invoice.number}."
    )
    # The released part is credit like any other: it can be refunded, every cent of it.
    refund_create(payment=payment, by=None, amount=Decimal("20"), method="transfer")
    assert payment_credit(payment) == 0
    assert customer_balance(customer).balance == 0


def test_a_fully_credited_paid_invoice_gives_its_payment_back_as_credit():
    customer = CustomerFactory()
    invoice = issued(customer)
    payment = pay(customer, "120")

    credit_note_create(invoice=invoice, by=None, reason="Annulation")

    invoice.refresh_from_db()
    assert allocations(invoice) == []
    assert (invoice.amount_due, invoice.status) == (Decimal("0.00"), Invoice.Status.CANCELLED)
    assert payment_credit(payment) == Decimal("120.00")
    balance = customer_balance(customer)
    assert (balance.balance, balance.credit) == (Decimal("-120.00"), Decimal("120.00"))
    # The credit settles the customer's next invoice.
    second = issued(customer)
    payment_allocate(payment=payment, by=None)
    second.refresh_from_db()
    assert (second.amount_due, second.status) == (Decimal("0.00"), Invoice.Status.PAID)
    assert customer_balance(customer).balance == 0


def test_the_newest_allocation_is_reduced_first_and_a_partly_paid_invoice_keeps_its_due():
    customer = CustomerFactory()
    invoice = issued(customer)  # 120.00
    first = pay(customer, "70")
    second = pay(customer, "30")  # 100 paid, 20 due

    # 60 credited: the invoice asks 60 and was paid 100: 40 released, all from the newest
    # payment (30, deleted) and 10 from the first.
    credit_note_create(invoice=invoice, by=None, amount=Decimal("60"), reason="Geste")

    invoice.refresh_from_db()
    assert allocations(invoice) == [(first.pk, Decimal("60.00"))]
    assert (invoice.amount_due, invoice.status) == (Decimal("0.00"), Invoice.Status.PAID)
    assert (payment_credit(first), payment_credit(second)) == (Decimal("10.00"), Decimal("30.00"))
    assert customer_balance(customer).credit == Decimal("40.00")


def test_a_credit_note_within_what_is_still_due_releases_nothing():
    customer = CustomerFactory()
    invoice = issued(customer)
    payment = pay(customer, "50")  # 70 due
    journal = JournalEntry.objects.count()

    credit_note_create(invoice=invoice, by=None, amount=Decimal("70"), reason="Geste")

    invoice.refresh_from_db()
    assert allocations(invoice) == [(payment.pk, Decimal("50.00"))]
    assert (invoice.amount_due, invoice.status) == (Decimal("0.00"), Invoice.Status.PAID)
    assert payment_credit(payment) == 0
    assert JournalEntry.objects.count() == journal + 1  # the credit note alone
    assert not AuditEvent.objects.filter(object_type="payment", action="update").exists()


def test_a_reversed_payments_allocation_is_left_as_it_was():
    customer = CustomerFactory()
    invoice = issued(customer)
    bounced = pay(customer, "120")
    payment_reverse(payment=bounced, by=None, reason="Chèque impayé")
    payment = pay(customer, "120")

    credit_note_create(invoice=invoice, by=None, amount=Decimal("20"), reason="Geste")

    assert allocations(invoice) == [
        (bounced.pk, Decimal("120.00")),
        (payment.pk, Decimal("100.00")),
    ]
    assert (payment_credit(bounced), payment_credit(payment)) == (0, Decimal("20.00"))
    assert customer_balance(customer).credit == Decimal("20.00")
