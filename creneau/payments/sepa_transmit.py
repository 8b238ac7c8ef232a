"""Marquer comme transmis, set-based: the file went to the bank, each debit becomes a SEPA
payment on the collection date, allocated to its invoice. The same rows as payment_create
once per debit (sepa_collect.sepa_batch_transmit_one_by_one), written together in one
transaction with a number of queries that does not grow with the batch's size: 10,000
debits in seconds, not minutes.

An invoice partly paid (or paid) since the batch was made: the bank debits the file's
amount all the same, so the payment is the item's amount, allocated up to what the invoice
still owes; the rest is the customer's credit (allocable or refundable later), as before.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.billing.journal import journal_extend
from creneau.billing.models import Invoice, JournalEntry
from creneau.core.closing import ensure_period_open
from creneau.core.models import AuditEvent
from creneau.core.services import audit_record
from creneau.core.text import strip_invisible
from creneau.core.versions import PAYMENTS, PAYMENTS_OLD, PAYMENTS_PAST, data_changed
from creneau.payments.models import (
    Mandate,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    SepaBatch,
    SepaBatchItem,
    SepaBatchStatus,
    SepaItemStatus,
)
from creneau.payments.services import _check_amount

CHUNK = 2000


def _locked_invoices(batch: SepaBatch) -> dict[int, Invoice]:
    """The batch's invoices, locked in id order in one query (as payment_create does)."""
    ids = SepaBatchItem.objects.filter(batch=batch).values("invoice_id")
    queryset = (
        Invoice.objects.select_for_update()
        .filter(pk__in=ids)
        .only("pk", "number", "amount_due", "status")
        .order_by("id")
    )
    return {invoice.pk: invoice for invoice in queryset}


def _payments_plan(
    items: list[SepaBatchItem], invoices: dict[int, Invoice], batch: SepaBatch, by: User | None
) -> tuple[list[Payment], list[Decimal]]:
    """One payment per item and the part of it allocated to its invoice (what the invoice
    still owes, at most); the invoices' amount_due and status updated in memory as
    billing.settlement.invoice_amounts_refresh would after the allocation."""
    created_by = by if by is not None and by.is_authenticated else None
    payments, parts = [], []
    for item in items:
        invoice = invoices[item.invoice_id]
        part = min(item.amount, invoice.amount_due) if invoice.amount_due > 0 else Decimal(0)
        reference = strip_invisible(f"{item.mandate.rum} {invoice.number}")[:100]
        payments.append(
            Payment(
                customer_id=item.customer_id,
                amount=_check_amount(item.amount),
                method=PaymentMethod.SEPA_DEBIT,
                date=batch.collection_date,
                reference=reference,
                created_by=created_by,
            )
        )
        parts.append(part)
        if part > 0:
            # Locked and consistent, amount_due = asked - paid: one more allocation of
            # `part` leaves asked - paid - part, PAID at nothing due, else PARTIALLY_PAID.
            invoice.amount_due -= part
            invoice.status = (
                Invoice.Status.PAID if invoice.amount_due == 0 else Invoice.Status.PARTIALLY_PAID
            )
            invoice.changed = True
    return payments, parts


def _invoices_write(invoices: dict[int, Invoice]) -> None:
    changed = [invoice for invoice in invoices.values() if getattr(invoice, "changed", False)]
    paid = [invoice.pk for invoice in changed if invoice.status == Invoice.Status.PAID]
    for start in range(0, len(paid), CHUNK):
        Invoice.objects.filter(pk__in=paid[start : start + CHUNK]).update(
            amount_due=0, status=Invoice.Status.PAID
        )
    partly = [invoice for invoice in changed if invoice.status != Invoice.Status.PAID]
    Invoice.objects.bulk_update(partly, ["amount_due", "status"], batch_size=500)
    data_changed(PAYMENTS, PAYMENTS_PAST, PAYMENTS_OLD)


def _journal_and_audit(
    payments: list[Payment], allocations: dict[int, PaymentAllocation], by: User | None
) -> None:
    """The journal's entries (payment_figures of each, chained in order) and the audit
    trail's rows payment_create writes, in bulk."""
    figures = []
    for payment in payments:
        allocation = allocations.get(payment.pk)
        figures.append(
            {
                "id": payment.pk,
                "customer_id": payment.customer_id,
                "date": payment.date.isoformat(),
                "amount": f"{payment.amount:.2f}",
                "method": payment.method,
                "reversal_of": None,
                "allocations": (
                    [[allocation.invoice_id, f"{allocation.amount:.2f}"]] if allocation else []
                ),
            }
        )
    journal_extend(kind=JournalEntry.Kind.PAYMENT, figures_list=figures)
    actor = by if by is not None and by.is_authenticated else None
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                customer_id=payment.customer_id,
                object_type=Payment._meta.model_name,
                object_id=str(payment.pk),
                object_repr=str(payment)[:255],
                changes={},
                message="",
            )
            for payment in payments
        ),
        batch_size=CHUNK,
    )


def _mandates_write(batch: SepaBatch) -> None:
    """First collection set where there was none, last the later of it and this one (the
    latest collected item's, as sepa_collect._mandates_update derives it): two UPDATEs."""
    day = batch.collection_date
    mandates = Mandate.objects.filter(
        pk__in=SepaBatchItem.objects.filter(batch=batch).values("mandate_id")
    )
    mandates.filter(first_collection_date__isnull=True).update(first_collection_date=day)
    mandates.filter(Q(last_collection_date__isnull=True) | Q(last_collection_date__lt=day)).update(
        last_collection_date=day
    )


# PostgreSQL: every item given its payment in one statement, from two arrays (Django's
# bulk_update builds a CASE of a thousand branches per thousand rows: seconds for 10,000).
ITEMS_UPDATE = """
UPDATE payments_sepabatchitem AS item SET payment_id = given.payment_id, status = %s
FROM unnest(%s::bigint[], %s::bigint[]) AS given(id, payment_id)
WHERE item.id = given.id
"""


def _items_write(items: list[SepaBatchItem], payments: list[Payment]) -> None:
    for item, payment in zip(items, payments, strict=True):
        item.payment, item.status = payment, SepaItemStatus.COLLECTED
    if connection.vendor != "postgresql":
        SepaBatchItem.objects.bulk_update(items, ["payment", "status"], batch_size=1000)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            ITEMS_UPDATE,
            [
                SepaItemStatus.COLLECTED,
                [item.pk for item in items],
                [payment.pk for payment in payments],
            ],
        )


def _collect_all(batch: SepaBatch, by: User | None) -> None:
    items = list(batch.items.select_related("mandate").order_by("id"))
    invoices = _locked_invoices(batch)
    payments, parts = _payments_plan(items, invoices, batch, by)
    Payment.objects.bulk_create(payments, batch_size=CHUNK)
    made = PaymentAllocation.objects.bulk_create(
        (
            PaymentAllocation(
                payment=payment, invoice_id=item.invoice_id, customer_id=item.customer_id,
                amount=part,
            )
            for item, payment, part in zip(items, payments, parts, strict=True)
            if part > 0
        ),
        batch_size=CHUNK,
    )  # fmt: skip
    _invoices_write(invoices)
    _journal_and_audit(payments, {allocation.payment_id: allocation for allocation in made}, by)
    _items_write(items, payments)
    _mandates_write(batch)


def sepa_batch_transmit(*, batch: SepaBatch, by: User | None) -> SepaBatch:
    """Marquer comme transmis: the file went to the bank. Each debit is recorded as a SEPA
    payment on the collection date, allocated to its invoice (what the invoice still owes,
    the rest as the customer's credit); the mandates remember their first and last
    collection. Set-based: see the module's docstring."""
    with transaction.atomic():
        locked = SepaBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != SepaBatchStatus.PREPARED:
            raise ValidationError(_("Cette remise est déjà marquée comme transmise."))
        ensure_period_open(locked.collection_date, field="date")
        _collect_all(locked, by)
        locked.status = SepaBatchStatus.TRANSMITTED
        locked.transmitted_at = timezone.now()
        locked.transmitted_by = by if by is not None and by.is_authenticated else None
        locked.save(update_fields=["status", "transmitted_at", "transmitted_by"])
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            message=_("Remise transmise à la banque"),
        )
    return locked
