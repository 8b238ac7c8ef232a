"""The inalterable journal: every issued invoice and credit note (and, later, payment) is
appended with its key figures and the SHA-256 of the previous entry.

Written by hand: no maintained Django library keeps a hash chain of business documents
(django-simple-history and auditlog record changes, they do not chain nor verify them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from creneau.billing.models import Invoice, JournalEntry, JournalVerification
from creneau.core.services import counter_next

GENESIS_HASH = "0" * 64
JOURNAL_COUNTER = "journal"


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(*, sequence: int, kind: str, figures: dict, previous_hash: str) -> str:
    """The SHA-256 of an entry: its place, kind and figures, chained to the one before."""
    payload = _canonical(
        {"sequence": sequence, "kind": kind, "figures": figures, "previous": previous_hash}
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _amount(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def invoice_figures(invoice: Invoice) -> dict:
    """What the journal keeps of an issued invoice or credit note: what a change to the
    stored invoice would alter."""
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "customer_id": invoice.customer_id,
        "customer_code": invoice.customer_code,
        "customer_name": invoice.customer_name,
        "total_net": _amount(invoice.total_net),
        "total_vat": _amount(invoice.total_vat),
        "total_gross": _amount(invoice.total_gross),
        "credited_invoice_id": invoice.credited_invoice_id,
    }


def journal_append(*, kind: str, figures: dict, invoice: Invoice | None = None) -> JournalEntry:
    """Append one entry. Must run inside the transaction that issues the document: the
    journal's counter row is locked until it ends, so entries chain in one order."""
    assert transaction.get_connection().in_atomic_block, "journal_append needs a transaction"
    sequence = counter_next(name=JOURNAL_COUNTER)
    previous = (
        JournalEntry.objects.filter(sequence=sequence - 1).values_list("hash", flat=True).first()
    )
    previous_hash = previous or GENESIS_HASH
    return JournalEntry.objects.create(
        sequence=sequence,
        kind=kind,
        invoice=invoice,
        figures=figures,
        previous_hash=previous_hash,
        hash=entry_hash(sequence=sequence, kind=kind, figures=figures, previous_hash=previous_hash),
    )


@dataclass(frozen=True)
class JournalBreak:
    sequence: int
    reason: str


def _walk(batch_size: int = 2000) -> tuple[int, JournalBreak | None]:
    """Walk the chain in order: (entries checked, the first break or None)."""
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    entries = JournalEntry.objects.order_by("sequence").values_list(
        "sequence", "kind", "figures", "previous_hash", "hash", "invoice_id"
    )
    invoices = Invoice.objects.exclude(status=Invoice.Status.DRAFT)
    for sequence, kind, figures, stored_previous, stored_hash, invoice_id in entries.iterator(
        chunk_size=batch_size
    ):
        checked += 1
        if sequence != expected_sequence:
            return checked, JournalBreak(expected_sequence, "entrée manquante")
        if stored_previous != previous_hash:
            return checked, JournalBreak(sequence, "chaînage rompu")
        if (
            entry_hash(sequence=sequence, kind=kind, figures=figures, previous_hash=stored_previous)
            != stored_hash
        ):
            return checked, JournalBreak(sequence, "écriture modifiée")
        if invoice_id is not None:
            invoice = invoices.filter(pk=invoice_id).first()
            if invoice is None or invoice_figures(invoice) != figures:
                return checked, JournalBreak(sequence, "facture modifiée depuis son émission")
        previous_hash = stored_hash
        expected_sequence += 1
    return checked, None


def journal_verify() -> JournalVerification:
    """Walk the whole chain, record the verification, and return it."""
    checked, broken = _walk()
    orphan = (
        Invoice.objects.exclude(status=Invoice.Status.DRAFT)
        .filter(journal_entries__isnull=True)
        .order_by("id")
        .first()
    )
    if broken is None and orphan is not None:
        return JournalVerification.objects.create(
            entries=checked,
            ok=False,
            message=f"Facture {orphan.number} émise sans écriture au journal.",
        )
    return JournalVerification.objects.create(
        entries=checked,
        ok=broken is None,
        first_broken_sequence=broken.sequence if broken else None,
        message=f"Écriture {broken.sequence} : {broken.reason}." if broken else "",
    )
