"""The aged balance's sums: the buckets' boundaries, credit notes, partial payments, a past
date (reversals dated after it, payments and credit notes made since), visibility and the
filters, and a fixed number of queries however many customers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.billing.tests.factories import issued_invoice
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory, FamilyFactory
from creneau.payments.aged import BUCKET_KEYS, AgedFilters, aged_balance
from creneau.payments.models import Payment, PaymentMethod
from creneau.payments.services import payment_create, payment_reverse

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def invoice(customer, price="100", *, due_days_ago=0, issued_days_ago=None) -> Invoice:
    """An issued invoice of `price` excl. VAT at 20 % (1.2 x incl.), due `due_days_ago`
    days ago (negative: in the future), issued then or `issued_days_ago` days ago."""
    made = issued_invoice(customer=customer, lines=[("Ménage", "1", price, "20")])
    due = today() - timedelta(days=due_days_ago)
    issued = min(due, today())
    if issued_days_ago is not None:
        issued = today() - timedelta(days=issued_days_ago)
    Invoice.objects.filter(pk=made.pk).update(issue_date=issued, due_date=due)
    made.refresh_from_db()
    return made


def pay(customer, amount, *, days_ago=0, invoices=None) -> Payment:
    allocations = None
    if invoices is not None:
        allocations = [{"invoice_id": inv.pk, "amount": Decimal(a)} for inv, a in invoices]
    return payment_create(
        customer=customer, by=None, amount=Decimal(amount), method=PaymentMethod.TRANSFER,
        date=today() - timedelta(days=days_ago), allocations=allocations,
    )  # fmt: skip


def row_of(balance, customer) -> dict[str, Decimal]:
    rows = {row.customer_id: row for row in balance.rows()}
    return rows[customer.pk].as_dict() if customer.pk in rows else {}


def amounts(**values) -> dict[str, Decimal]:
    result = {key: Decimal(values.get(key, "0.00")) for key in BUCKET_KEYS}
    result["total"] = sum(result.values(), Decimal("0.00"))
    return result


@pytest.fixture
def customer():
    return CustomerFactory(name="Syndic Horizon")


def test_each_invoice_falls_in_its_bucket_at_the_boundaries(direction, customer):
    # 120.00 incl. VAT each; prices differ so that each bucket's sum is told apart.
    for days, price in [(-5, "1"), (0, "2"), (1, "10"), (30, "20"), (31, "100"), (60, "200"),
                        (61, "1000"), (90, "2000"), (91, "10000")]:  # fmt: skip
        invoice(customer, price, due_days_ago=days)
    balance = aged_balance(user=direction)
    assert row_of(balance, customer) == amounts(
        not_due="3.60",  # due in 5 days, and due today: not late yet
        days_0_30="36.00",  # 1 and 30 days late
        days_31_60="360.00",  # 31 and 60
        days_61_90="3600.00",  # 61 and 90
        days_over_90="12000.00",  # 91
    )
    count, totals = balance.totals()
    assert count == 1
    assert totals.as_dict() == row_of(balance, customer)


def test_credit_notes_and_partial_payments_lower_what_is_due(direction, customer):
    credited = invoice(customer, "100", due_days_ago=40)  # 120.00
    credit_note_create(invoice=credited, by=None, amount=Decimal("20.00"))
    partly_paid = invoice(customer, "50", due_days_ago=10)  # 60.00
    pay(customer, "25.50", invoices=[(partly_paid, "25.50")])
    cancelled = invoice(customer, "10", due_days_ago=100)
    credit_note_create(invoice=cancelled, by=None)  # in full: nothing left
    paid = invoice(customer, "10", due_days_ago=5)
    pay(customer, "12.00", invoices=[(paid, "12.00")])
    assert row_of(aged_balance(user=direction), customer) == amounts(
        days_0_30="34.50", days_31_60="100.00"
    )


def test_a_customer_that_owes_nothing_is_not_listed(direction, customer):
    paid = invoice(customer, "10", due_days_ago=5)
    pay(customer, "12.00", invoices=[(paid, "12.00")])
    CustomerFactory(name="Sans facture")
    balance = aged_balance(user=direction)
    assert balance.rows() == []
    assert balance.totals()[0] == 0
    assert balance.totals()[1].total == 0


def test_a_past_date_counts_what_was_due_then(direction, customer):
    as_of = today() - timedelta(days=20)
    # Due 30 days before as_of (50 days ago), paid 10 days ago: due then, 30 days late.
    paid_since = invoice(customer, "100", due_days_ago=50)
    pay(customer, "120.00", days_ago=10, invoices=[(paid_since, "120.00")])
    # Credited 5 days ago (after as_of): fully due then, 1 to 30 days late (due 25 ago).
    credited_since = invoice(customer, "10", due_days_ago=25)
    credit_note_create(invoice=credited_since, by=None)
    # Paid 30 days ago (before as_of) by a cheque that bounced 3 days ago: paid then.
    bounced = invoice(customer, "1000", due_days_ago=100)
    cheque = pay(customer, "1200.00", days_ago=30, invoices=[(bounced, "1200.00")])
    payment_reverse(payment=cheque, by=None, reason="Chèque impayé")
    # Paid 40 days ago and reversed 25 days ago (before as_of too): due then, > 90 days.
    reversed_before = invoice(customer, "2", due_days_ago=200)
    early = pay(customer, "2.40", days_ago=40, invoices=[(reversed_before, "2.40")])
    reversal = payment_reverse(payment=early, by=None, reason="Erreur")
    Payment.objects.filter(pk=reversal.pk).update(date=today() - timedelta(days=25))
    # Issued after as_of: not there yet.
    invoice(customer, "5000", due_days_ago=0, issued_days_ago=10)
    # Partly paid before as_of, the rest since: half due then.
    halves = invoice(customer, "20", due_days_ago=80)  # 24.00, 60 days late at as_of
    pay(customer, "10.00", days_ago=70, invoices=[(halves, "10.00")])
    pay(customer, "14.00", days_ago=2, invoices=[(halves, "14.00")])
    # A credit note issued before as_of on an invoice still partly due today.
    old_credit = invoice(customer, "200", due_days_ago=10, issued_days_ago=60)  # 240.00
    note = credit_note_create(invoice=old_credit, by=None, amount=Decimal("40.00"))
    Invoice.objects.filter(pk=note.pk).update(issue_date=today() - timedelta(days=50))

    then = aged_balance(user=direction, filters=AgedFilters(as_of=as_of))
    assert row_of(then, customer) == amounts(
        not_due="200.00",  # old_credit: due 10 days after as_of
        days_0_30="132.00",  # paid_since (30 days late then) + credited_since (5)
        days_31_60="14.00",  # halves: 60 days late, 24.00 less the 10.00 paid before
        days_over_90="2.40",  # reversed_before
    )
    # Today: the bounced cheque's invoice is due again, paid_since and halves are paid.
    now = aged_balance(user=direction)
    assert row_of(now, customer) == amounts(
        not_due="6000.00",
        days_0_30="200.00",
        days_over_90="1202.40",  # bounced (100 days late) and reversed_before
    )


def test_a_past_date_when_nothing_happened_since_agrees_with_today(direction, customer):
    for days in (5, 45, 120):
        invoice(customer, "100", due_days_ago=days)
    as_of = today() - timedelta(days=1)
    then = row_of(aged_balance(user=direction, filters=AgedFilters(as_of=as_of)), customer)
    # 4, 44 and 119 days late then.
    assert then == amounts(days_0_30="120.00", days_31_60="120.00", days_over_90="120.00")


def test_a_sales_rep_sees_only_its_customers(rep, other_rep, direction):
    mine = CustomerFactory(name="À moi", sales_rep=rep)
    theirs = CustomerFactory(name="À un autre", sales_rep=other_rep)
    invoice(mine, "10", due_days_ago=3)
    invoice(theirs, "20", due_days_ago=3)
    assert [row.customer_id for row in aged_balance(user=rep).rows()] == [mine.pk]
    assert aged_balance(user=rep).totals()[1].total == Decimal("12.00")
    assert {row.customer_id for row in aged_balance(user=direction).rows()} == {
        mine.pk,
        theirs.pk,
    }


def test_an_intervenant_sees_no_customer(field_worker, customer):
    invoice(customer, "10", due_days_ago=3)
    assert aged_balance(user=field_worker).rows() == []


def test_the_filters_and_the_orders(direction, rep):
    family = FamilyFactory(name="Syndics")
    big = CustomerFactory(name="Zénith", family=family, sales_rep=rep, kind=Customer.Kind.BUSINESS)
    small = CustomerFactory(name="Abeille", kind=Customer.Kind.INDIVIDUAL, sales_rep=None)
    invoice(big, "1000", due_days_ago=3)
    invoice(small, "10", due_days_ago=3)

    def ids(**filters):
        return [row.customer_id for row in aged_balance(
            user=direction, filters=AgedFilters(**filters)).rows()]  # fmt: skip

    assert ids() == [big.pk, small.pk]  # the largest total first
    assert ids(sort="name") == [small.pk, big.pk]
    assert ids(family=family.pk) == [big.pk]
    assert ids(sales_rep=rep.pk) == [big.pk]
    assert ids(sales_rep="none") == [small.pk]
    assert ids(kind=Customer.Kind.INDIVIDUAL) == [small.pk]
    assert ids(kind=Customer.Kind.BUSINESS, sort="name") == [big.pk]


@pytest.mark.parametrize("past", [False, True])
def test_one_query_for_a_page_and_the_totals_however_many_customers(direction, past):
    """One SELECT (on PostgreSQL, its planner settings and the savepoint around them too)."""

    def measure() -> int:
        filters = AgedFilters(as_of=today() - timedelta(days=3) if past else None)
        balance = aged_balance(user=direction, filters=filters)
        with CaptureQueriesContext(connection) as queries:
            balance.page(1, 20)
            balance.totals()
        return [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]]

    for number in range(2):
        customer = CustomerFactory(name=f"Client {number}")
        paid = invoice(customer, "10", due_days_ago=10)
        pay(customer, "5.00", days_ago=1, invoices=[(paid, "5.00")])
    few = measure()
    for number in range(2, 8):
        customer = CustomerFactory(name=f"Client {number}")
        invoice(customer, "10", due_days_ago=10 * number)
        credit_note_create(invoice=invoice(customer, "20", due_days_ago=40), by=None)
    many = measure()
    assert len(many) == len(few) == (2 if connection.vendor == "postgresql" else 1)
    assert many[-1].startswith("SELECT")
