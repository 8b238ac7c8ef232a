"""Marquer comme transmis, set-based (sepa_transmit): the same balances, payments,
allocations, invoices, mandates, audit rows and journal as one payment_create per debit
(sepa_collect.sepa_batch_transmit_one_by_one), with a number of queries that does not grow
with the number of debits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from creneau.billing.journal import GENESIS_HASH, entry_hash
from creneau.billing.models import Invoice, JournalEntry
from creneau.core.models import AuditEvent, Company
from creneau.payments.models import Mandate, Payment, PaymentAllocation, PaymentMethod
from creneau.payments.selectors import customer_balance
from creneau.payments.sepa_batches import sepa_batch_create
from creneau.payments.sepa_collect import sepa_batch_transmit_one_by_one
from creneau.payments.sepa_transmit import sepa_batch_transmit
from creneau.payments.services import payment_create
from creneau.payments.tests.sepa_factories import (
    MandateFactory,
    collection_day,
    debit_invoice,
    sepa_company,
)

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _batch_of(direction, debits: int, *, partly_paid: bool = True):
    """Mandates half new (FRST), half collected before (RCUR); the first RCUR customer has
    two invoices; with `partly_paid`, one invoice is paid 50 € by transfer once the batch
    is made, another in full (the bank will debit the file's amounts all the same)."""
    sepa_company()
    invoices = []
    for index in range(debits - 1):
        earlier = collection_day(3) - timedelta(days=40) if index % 2 else None
        mandate = MandateFactory(first_collection_date=earlier, last_collection_date=earlier)
        invoices.append(debit_invoice(customer=mandate.customer, amount=str(100 + index)))
    rcur = Mandate.objects.filter(first_collection_date__isnull=False).order_by("id").first()
    invoices.append(debit_invoice(customer=rcur.customer, amount="30"))
    batch = sepa_batch_create(collection_date=collection_day(3), by=direction, notify=False)
    assert {item.sequence_type for item in batch.items.all()} == {"FRST", "RCUR"}
    if partly_paid:
        payment_create(
            customer=invoices[0].customer, by=direction, amount=Decimal("50"),
            method=PaymentMethod.TRANSFER,
            allocations=[{"invoice_id": invoices[0].pk, "amount": Decimal("50")}],
        )  # fmt: skip
        invoices[1].refresh_from_db()
        payment_create(
            customer=invoices[1].customer, by=direction, amount=invoices[1].amount_due,
            method=PaymentMethod.TRANSFER,
        )  # fmt: skip
    return batch, invoices


def _snapshot(batch, invoices, since: dict[str, int]) -> dict:
    """What a transmission leaves, without the ids of its new rows (they differ)."""
    customers = sorted({invoice.customer for invoice in invoices}, key=lambda c: c.pk)
    numbers = dict(Invoice.objects.values_list("pk", "number"))
    payments = Payment.objects.filter(pk__gt=since["payment"]).order_by("id")
    codes = {payment.pk: payment.customer.code for payment in payments}

    def figures(entry: JournalEntry) -> dict:
        values = {**entry.figures, "id": codes[entry.figures["id"]]}
        values["allocations"] = [[numbers[i], amount] for i, amount in values["allocations"]]
        return values

    audit = AuditEvent.objects.filter(pk__gt=since["audit"]).order_by("id")
    return {
        "balances": [customer_balance(customer) for customer in customers],
        "payments": [
            (p.customer.code, p.amount, p.method, p.date, p.reference, p.created_by_id)
            for p in payments
        ],
        "allocations": [
            (a.payment.customer.code, numbers[a.invoice_id], a.customer_id, a.amount)
            for a in PaymentAllocation.objects.filter(payment__in=payments).order_by("id")
        ],
        "invoices": list(
            Invoice.objects.filter(pk__in=[i.pk for i in invoices])
            .order_by("id")
            .values_list("number", "amount_due", "status")
        ),
        "mandates": list(
            Mandate.objects.order_by("id").values_list(
                "rum", "first_collection_date", "last_collection_date"
            )
        ),
        "items": [
            (item.invoice.number, item.status, item.payment.customer.code, item.payment.amount)
            for item in batch.items.select_related("invoice", "payment__customer").order_by("id")
        ],
        "audit": [
            (e.actor_id, e.action, e.customer_id, e.object_type, e.object_repr, e.message)
            for e in audit
        ],
        "journal": [
            (e.sequence, e.kind, figures(e))
            for e in JournalEntry.objects.filter(sequence__gt=since["journal"]).order_by("sequence")
        ],
        "batch": batch.__class__.objects.values_list("status", "transmitted_by").get(pk=batch.pk),
    }


def _assert_chained() -> None:
    """Every entry's hash recomputed, each chained to the one before (journal_verify would
    also compare the invoices, whose due dates the factory changed after issue)."""
    previous = GENESIS_HASH
    for entry in JournalEntry.objects.order_by("sequence"):
        assert entry.previous_hash == previous, entry.sequence
        previous = entry_hash(
            sequence=entry.sequence, kind=entry.kind, figures=entry.figures,
            previous_hash=entry.previous_hash,
        )  # fmt: skip
        assert entry.hash == previous, entry.sequence


def _transmitted(transmit, batch, invoices, by) -> dict:
    """Transmit with `transmit`, take the snapshot, undo it all."""
    since = {
        "payment": Payment.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "audit": AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "journal": JournalEntry.objects.count(),
    }
    try:
        with transaction.atomic():
            transmit(batch=batch, by=by)
            _assert_chained()
            snapshot = _snapshot(batch, invoices, since)
            raise _Undo
    except _Undo:
        pass
    return snapshot


def test_set_based_transmission_matches_one_by_one(direction):
    batch, invoices = _batch_of(direction, 6)
    bulk = _transmitted(sepa_batch_transmit, batch, invoices, direction)
    one_by_one = _transmitted(sepa_batch_transmit_one_by_one, batch, invoices, direction)
    assert bulk == one_by_one
    # The partly paid invoice: paid off by the debit, the excess is the customer's credit.
    paid_first = next(row for row in bulk["invoices"] if row[0] == invoices[0].number)
    assert paid_first[1:] == (Decimal("0.00"), Invoice.Status.PAID)
    assert bulk["balances"][0].credit == Decimal("50.00")
    assert len(bulk["journal"]) == len(bulk["payments"]) == 6
    assert {row[2] for row in bulk["invoices"]} == {Invoice.Status.PAID}
    # The invoice paid in full by then: the whole debit is credit, no allocation.
    assert bulk["balances"][1].credit == invoices[1].total_gross
    assert invoices[1].number not in {row[1] for row in bulk["allocations"]}


def _queries(direction, debits: int) -> int:
    batch, _invoices = _batch_of(direction, debits, partly_paid=False)
    with CaptureQueriesContext(connection) as context:
        sepa_batch_transmit(batch=batch, by=direction)
    return len(context.captured_queries)


def test_query_count_does_not_grow_with_the_debits(direction):
    few = _queries(direction, 3)
    many = _queries(direction, 9)
    assert few == many, (few, many)
    assert many <= 25


def test_closed_period_refuses_and_writes_nothing(direction):
    batch, _invoices = _batch_of(direction, 3, partly_paid=False)
    company = Company.load()
    company.books_closed_until = batch.collection_date
    company.save()
    payments = Payment.objects.count()
    with pytest.raises(ValidationError):
        sepa_batch_transmit(batch=batch, by=direction)
    batch.refresh_from_db()
    assert batch.status == "prepared" and Payment.objects.count() == payments
