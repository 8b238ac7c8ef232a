"""Property tests of the money (hypothesis): whatever the sequence of invoices, credit notes,
payments (oldest due first or by hand, partial, with a credit left), later allocations of
a credit and reversals, made through the services, the balances add up and every cent of
every payment is somewhere.

Each example works on customers of its own (the examples share the test's transaction).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.billing.settlement import credited_gross
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment, PaymentAllocation, PaymentMethod
from creneau.payments.selectors import ZERO, customer_balance
from creneau.payments.services import (
    payment_allocate,
    payment_create,
    payment_credit,
    payment_reverse,
)
from creneau.payments.tests.test_services import issued

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
CUSTOMERS = 2

# Each step names a customer or a document by an index taken modulo what exists, and a
# fraction (in thousandths) of an amount: the steps stay meaningful whatever came before.
customer_index = st.integers(min_value=0, max_value=CUSTOMERS - 1)
index = st.integers(min_value=0, max_value=20)
share = st.integers(min_value=1, max_value=1000)
step = st.one_of(
    st.tuples(st.just("invoice"), customer_index, st.integers(1, 50_000)),  # net in cents
    st.tuples(st.just("credit_note"), index, st.one_of(st.none(), share)),  # None: in full
    st.tuples(st.just("pay_oldest"), customer_index, st.integers(1, 80_000)),  # cents
    st.tuples(st.just("pay_by_hand"), customer_index, index, share, st.integers(0, 3_000)),
    st.tuples(st.just("allocate"), index),
    st.tuples(st.just("reverse"), index),
)


@dataclass
class Book:
    """What an example made: its customers, invoices and payments, in order."""

    customers: list[Customer]
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)


def part(amount: Decimal, thousandths: int) -> Decimal:
    """A fraction of an amount, to the cent, at least a cent."""
    return max((amount * thousandths / 1000).quantize(CENT, rounding=ROUND_DOWN), CENT)


def open_invoices(customer: Customer) -> list[Invoice]:
    return list(
        Invoice.objects.filter(customer=customer, kind=Invoice.Kind.INVOICE, amount_due__gt=0)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("id")
    )


def apply(book: Book, action: tuple) -> None:
    """Carry out one step through the services; a refusal (ValidationError) is a step that
    changes nothing, which the invariants check too."""
    kind, *args = action
    if kind == "invoice":
        customer, cents = book.customers[args[0]], args[1]
        book.invoices.append(issued(customer, price=str(Decimal(cents) / 100)))
    elif kind == "credit_note" and book.invoices:
        invoice = Invoice.objects.get(pk=book.invoices[args[0] % len(book.invoices)].pk)
        amount = None
        if args[1] is not None:
            amount = part(invoice.total_gross - credited_gross(invoice), args[1])
        credit_note_create(invoice=invoice, by=None, amount=amount, reason="Geste commercial")
    elif kind == "pay_oldest":
        customer, cents = book.customers[args[0]], args[1]
        book.payments.append(
            payment_create(
                customer=customer, by=None, amount=Decimal(cents) / 100, method="transfer"
            )
        )
    elif kind == "pay_by_hand":
        customer = book.customers[args[0]]
        invoices = open_invoices(customer)
        if not invoices:
            return
        invoice = invoices[args[1] % len(invoices)]
        allocated = part(invoice.amount_due, args[2])
        book.payments.append(
            payment_create(
                customer=customer,
                by=None,
                amount=allocated + Decimal(args[3]) / 100,
                method=PaymentMethod.CHEQUE,
                cheque_number="0001234",
                allocations=[{"invoice_id": invoice.pk, "amount": allocated}],
            )
        )
    elif kind == "allocate" and book.payments:
        payment = book.payments[args[0] % len(book.payments)]
        payment_allocate(payment=payment, by=None)
    elif kind == "reverse" and book.payments:
        payment = book.payments[args[0] % len(book.payments)]
        payment_reverse(payment=payment, by=None, reason="Chèque impayé")


def active_payments(customer: Customer) -> list[Payment]:
    payments = list(Payment.objects.filter(customer=customer))
    reversed_ids = {payment.reversal_of_id for payment in payments if payment.is_reversal}
    return [p for p in payments if not p.is_reversal and p.pk not in reversed_ids]


def check_invariants(book: Book) -> None:
    """The balances, recomputed here from the rows, against the selectors and services."""
    total_balance = total_expected = ZERO
    for customer in book.customers:
        documents = Invoice.objects.filter(customer=customer).exclude(status=Invoice.Status.DRAFT)
        invoiced = sum((d.total_gross for d in documents if d.kind == Invoice.Kind.INVOICE), ZERO)
        credited = sum(
            (d.total_gross for d in documents if d.kind == Invoice.Kind.CREDIT_NOTE), ZERO
        )
        payments = active_payments(customer)
        paid = sum((payment.amount for payment in payments), ZERO)
        allocations = list(PaymentAllocation.objects.filter(payment__in=payments))
        credit = ZERO
        for payment in payments:
            allocated = sum((a.amount for a in allocations if a.payment_id == payment.pk), ZERO)
            # Every cent of an active payment is allocated or left as credit.
            assert ZERO <= allocated <= payment.amount
            assert payment_credit(payment) == payment.amount - allocated
            credit += payment.amount - allocated
        balance = customer_balance(customer)
        assert balance.balance == invoiced - credited - paid
        assert balance.credit == credit
        assert balance.billed == invoiced - credited
        total_balance += balance.balance
        total_expected += invoiced - credited - paid
        for invoice in documents:
            check_invoice(invoice, allocations)
        # Reversed payments leave nothing behind.
        for payment in Payment.objects.filter(customer=customer, reversal__isnull=False):
            assert payment_credit(payment) == ZERO
    assert total_balance == total_expected


def check_invoice(invoice: Invoice, active: list[PaymentAllocation]) -> None:
    """Its amount due between nothing and its total; its status agrees with it."""
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        assert invoice.amount_due == ZERO
        return
    paid = sum((a.amount for a in active if a.invoice_id == invoice.pk), ZERO)
    credited = credited_gross(invoice)
    assert ZERO <= invoice.amount_due <= invoice.total_gross
    status = invoice.status
    if status == Invoice.Status.CANCELLED:
        # Nothing asked: nothing of a payment stays on it (a credit note released it).
        assert invoice.amount_due == ZERO and credited > 0 and paid == ZERO
        return
    # Never paid beyond what it asks once credited: the rest is the customer's credit.
    assert paid <= invoice.total_gross - credited
    assert invoice.amount_due == max(invoice.total_gross - credited - paid, ZERO)
    if status == Invoice.Status.PAID:
        assert invoice.amount_due == ZERO and paid > 0
    elif status == Invoice.Status.PARTIALLY_PAID:
        assert invoice.amount_due > 0 and paid > 0
    else:
        assert status == Invoice.Status.ISSUED
        assert invoice.amount_due > 0 and paid == ZERO


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_balances_add_up_whatever_the_sequence(steps):
    book = Book(customers=[CustomerFactory() for _ in range(CUSTOMERS)])
    for action in steps:
        # A refusal (a credit note beyond what is left, a reversal twice...) changes nothing.
        with contextlib.suppress(ValidationError):
            apply(book, action)
        check_invariants(book)


def test_a_credit_note_on_a_paid_invoice_gives_the_customer_credit():
    customer = CustomerFactory()
    invoice = issued(customer, price="100")  # 120 € incl. VAT
    payment_create(customer=customer, by=None, amount=Decimal("120"), method="transfer")
    credit_note_create(invoice=invoice, by=None, amount=Decimal("60"), reason="Geste")
    balance = customer_balance(customer)
    assert balance.balance == Decimal("-60.00")
    due = sum(i.amount_due for i in open_invoices(customer))
    # What the customer owes is what its invoices ask, less its credit.
    assert balance.balance == due - balance.credit
