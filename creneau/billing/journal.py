"""The inalterable journal: every issued invoice and credit note (and, later, payment) is
appended with its key figures and the SHA-256 of the previous entry.

Written by hand: no maintained Django library keeps a hash chain of business documents
(django-simple-history and auditlog record changes, they do not chain nor verify them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from creneau.billing.models import Invoice, JournalEntry, JournalVerification
from creneau.core.models import Counter
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


# The invoice's columns that its journal figures are made of (invoice_figures_of).
FIGURE_FIELDS = (
    "pk", "number", "kind", "issue_date", "due_date", "customer_id", "customer_code",
    "customer_name", "total_net", "total_vat", "total_gross", "credited_invoice_id",
)  # fmt: skip


def invoice_figures_of(values: Mapping[str, Any]) -> dict:
    """The journal's figures of an issued invoice, from its FIGURE_FIELDS (a row of
    `.values(*FIGURE_FIELDS)`, or the invoice itself through invoice_figures)."""
    return {
        "id": values["pk"],
        "number": values["number"],
        "kind": values["kind"],
        "issue_date": values["issue_date"].isoformat(),
        "due_date": values["due_date"].isoformat(),
        "customer_id": values["customer_id"],
        "customer_code": values["customer_code"],
        "customer_name": values["customer_name"],
        "total_net": _amount(values["total_net"]),
        "total_vat": _amount(values["total_vat"]),
        "total_gross": _amount(values["total_gross"]),
        "credited_invoice_id": values["credited_invoice_id"],
    }


def invoice_figures(invoice: Invoice) -> dict:
    """What the journal keeps of an issued invoice or credit note: what a change to the
    stored invoice would alter."""
    return invoice_figures_of({name: getattr(invoice, name) for name in FIGURE_FIELDS})


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
    """The first entry where the chain does not hold, and why (in French)."""

    sequence: int
    reason: str
    number: str = ""

    @property
    def message(self) -> str:
        document = f" ({self.number})" if self.number else ""
        return f"Écriture n° {self.sequence}{document} : {self.reason}."


# Entries read and checked per round trip: bounded memory, one query of invoices per batch
# (not one per entry), whatever the journal's length.
VERIFY_BATCH = 5000


def _check_invoices(batch: list[tuple]) -> JournalBreak | None:
    """Compare the figures of a batch of entries with their invoices as stored now."""
    ids = [row[5] for row in batch if row[5] is not None]
    invoices = Invoice.objects.exclude(status=Invoice.Status.DRAFT)
    if connection.vendor == "postgresql":
        # One array parameter: psycopg spends longer splitting 5,000 placeholders than
        # PostgreSQL takes to answer.
        invoices = invoices.extra(where=[f"{Invoice._meta.db_table}.id = ANY(%s)"], params=[ids])
    else:
        invoices = invoices.filter(pk__in=ids)
    stored = {row["pk"]: row for row in invoices.values(*FIGURE_FIELDS)}
    for sequence, _kind, figures, _previous, _hash, invoice_id in batch:
        if invoice_id is None:
            continue
        values = stored.get(invoice_id)
        if values is None or invoice_figures_of(values) != figures:
            reason = _("facture modifiée depuis son émission")
            return JournalBreak(sequence, str(reason), str(figures.get("number") or ""))
    return None


def _check_chain(
    batch: list[tuple], previous_hash: str, expected: int
) -> tuple[str, int, JournalBreak | None]:
    """Check a batch's places and hashes; (last hash, next sequence expected, break)."""
    for sequence, kind, figures, stored_previous, stored_hash, _invoice_id in batch:
        number = str(figures.get("number") or "") if isinstance(figures, dict) else ""
        if sequence != expected:
            return previous_hash, expected, JournalBreak(expected, str(_("écriture manquante")))
        if stored_previous != previous_hash:
            return previous_hash, expected, JournalBreak(sequence, str(_("chaînage rompu")), number)
        computed = entry_hash(
            sequence=sequence, kind=kind, figures=figures, previous_hash=stored_previous
        )
        if computed != stored_hash:
            return (
                previous_hash,
                expected,
                JournalBreak(sequence, str(_("écriture modifiée")), number),
            )
        previous_hash, expected = stored_hash, expected + 1
    return previous_hash, expected, None


def _walk(batch_size: int = VERIFY_BATCH) -> tuple[int, JournalBreak | None]:
    """Walk the chain in order: (entries checked, the first break or None). The entries
    stream from a server-side cursor; each batch's invoices are read in one query."""
    previous_hash, expected, checked = GENESIS_HASH, 1, 0
    entries = JournalEntry.objects.order_by("sequence").values_list(
        "sequence", "kind", "figures", "previous_hash", "hash", "invoice_id"
    )
    batch: list[tuple] = []
    rows = entries.iterator(chunk_size=batch_size)
    while True:
        batch = list(islice(rows, batch_size))
        if not batch:
            break
        previous_hash, expected, broken = _check_chain(batch, previous_hash, expected)
        if broken is None:
            broken = _check_invoices(batch)
        elif (invoice_break := _check_invoices(batch)) and invoice_break.sequence < broken.sequence:
            broken = invoice_break
        if broken is not None:
            return checked + sum(1 for row in batch if row[0] <= broken.sequence), broken
        checked += len(batch)
    last = Counter.objects.filter(name=JOURNAL_COUNTER).values_list("value", flat=True).first()
    if last is not None and last >= expected:
        # The last entries were deleted: the counter remembers how many there were.
        return checked, JournalBreak(expected, str(_("écriture manquante")))
    return checked, None


def journal_verify() -> JournalVerification:
    """Walk the whole chain, record the verification, and return it."""
    checked, broken = _walk()
    if broken is None:
        orphan = (
            Invoice.objects.exclude(status=Invoice.Status.DRAFT)
            .filter(journal_entries__isnull=True)
            .order_by("id")
            .values_list("number", flat=True)
            .first()
        )
        if orphan is not None:
            return JournalVerification.objects.create(
                entries=checked,
                ok=False,
                message=_("Facture %(number)s émise sans écriture au journal.")
                % {"number": orphan},
            )
    return JournalVerification.objects.create(
        entries=checked,
        ok=broken is None,
        first_broken_sequence=broken.sequence if broken else None,
        message=broken.message if broken else "",
    )
