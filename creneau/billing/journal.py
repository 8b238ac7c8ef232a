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
    "billing_address", "customer_siren", "customer_vat_number",
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
        "billing_address": values["billing_address"],
        "customer_siren": values["customer_siren"],
        "customer_vat_number": values["customer_vat_number"],
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


def journal_extend(*, kind: str, figures_list: list[dict]) -> list[JournalEntry]:
    """Append many entries of one kind, chained as journal_append would one at a time, in
    three queries: the counter takes len(figures_list) places at once, the last hash is read
    once, the entries are inserted together. Inside the writing transaction, as
    journal_append."""
    assert transaction.get_connection().in_atomic_block, "journal_extend needs a transaction"
    if not figures_list:
        return []
    last = counter_next(name=JOURNAL_COUNTER, count=len(figures_list))
    first = last - len(figures_list) + 1
    previous = (
        JournalEntry.objects.filter(sequence=first - 1).values_list("hash", flat=True).first()
    )
    previous_hash = previous or GENESIS_HASH
    entries = []
    for sequence, figures in enumerate(figures_list, start=first):
        digest = entry_hash(
            sequence=sequence, kind=kind, figures=figures, previous_hash=previous_hash
        )
        entries.append(
            JournalEntry(
                sequence=sequence,
                kind=kind,
                figures=figures,
                previous_hash=previous_hash,
                hash=digest,
            )
        )
        previous_hash = digest
    return JournalEntry.objects.bulk_create(entries, batch_size=2000)


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
    invoices = Invoice.objects.exclude(status=Invoice.Status.DRAFT).filter(pk__in=ids)
    stored = {row["pk"]: row for row in invoices.values(*FIGURE_FIELDS)}
    for sequence, _kind, figures, _previous, _hash, invoice_id in batch:
        if invoice_id is None:
            continue
        values = stored.get(invoice_id)
        if values is None or invoice_figures_of(values) != figures:
            return _invoice_break(sequence, figures.get("number"))
    return None


def _invoice_break(sequence: int, number: object) -> JournalBreak:
    return JournalBreak(sequence, str(_("facture modifiée depuis son émission")), str(number or ""))


# The same comparison as invoice_figures_of, made by PostgreSQL over the whole journal in
# one join: the entries' figures against their invoices' columns, as text.
_MISMATCH_SQL = """
SELECT e.sequence, e.figures->>'number'
FROM billing_journalentry e
LEFT JOIN billing_invoice i ON i.id = e.invoice_id AND i.status <> 'draft'
WHERE e.invoice_id IS NOT NULL AND (
    i.id IS NULL
    OR e.figures->>'id' IS DISTINCT FROM i.id::text
    OR e.figures->>'number' IS DISTINCT FROM i.number
    OR e.figures->>'kind' IS DISTINCT FROM i.kind
    OR e.figures->>'issue_date' IS DISTINCT FROM to_char(i.issue_date, 'YYYY-MM-DD')
    OR e.figures->>'due_date' IS DISTINCT FROM to_char(i.due_date, 'YYYY-MM-DD')
    OR e.figures->>'customer_id' IS DISTINCT FROM i.customer_id::text
    OR e.figures->>'customer_code' IS DISTINCT FROM i.customer_code
    OR e.figures->>'customer_name' IS DISTINCT FROM i.customer_name
    OR e.figures->>'total_net' IS DISTINCT FROM i.total_net::text
    OR e.figures->>'total_vat' IS DISTINCT FROM i.total_vat::text
    OR e.figures->>'total_gross' IS DISTINCT FROM i.total_gross::text
    OR e.figures->>'credited_invoice_id' IS DISTINCT FROM i.credited_invoice_id::text
    OR e.figures->>'billing_address' IS DISTINCT FROM i.billing_address
    OR e.figures->>'customer_siren' IS DISTINCT FROM i.customer_siren
    OR e.figures->>'customer_vat_number' IS DISTINCT FROM i.customer_vat_number
)
ORDER BY e.sequence
LIMIT 1
"""


def _check_invoices_in_database() -> JournalBreak | None:
    """PostgreSQL: the first entry whose invoice no longer has its figures, in one query
    (a hash join: a few seconds for a million entries, on the database's own core)."""
    with connection.cursor() as cursor:
        cursor.execute(_MISMATCH_SQL)
        row = cursor.fetchone()
    return _invoice_break(row[0], row[1]) if row else None


def _earliest(first: JournalBreak | None, second: JournalBreak | None) -> JournalBreak | None:
    if first is None or (second is not None and second.sequence < first.sequence):
        return second
    return first


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


def _walk(batch_size: int | None = None) -> tuple[int, JournalBreak | None]:
    """Walk the chain in order: (entries checked, the first break or None). The entries
    stream from a server-side cursor, a batch at a time; their invoices are compared by
    one query per batch (SQLite) or one join over the whole journal (PostgreSQL)."""
    batch_size = batch_size or VERIFY_BATCH
    in_python = connection.vendor != "postgresql"
    # Read before the walk: an entry commits with its counter value, so every value read
    # now has its entry in the walk's later view, even while invoices are being issued.
    counted = Counter.objects.filter(name=JOURNAL_COUNTER).values_list("value", flat=True)
    last_counted = counted.first() or 0
    previous_hash, expected, checked, broken = GENESIS_HASH, 1, 0, None
    rows = (
        JournalEntry.objects.order_by("sequence")
        .values_list("sequence", "kind", "figures", "previous_hash", "hash", "invoice_id")
        .iterator(chunk_size=batch_size)
    )
    while broken is None:
        batch = list(islice(rows, batch_size))
        if not batch:
            break
        previous_hash, expected, broken = _check_chain(batch, previous_hash, expected)
        if in_python:
            broken = _earliest(broken, _check_invoices(batch))
        checked += len(batch)
    if broken is None and last_counted >= expected:
        # The last entries were deleted: the counter remembers how many there were.
        broken = JournalBreak(expected, str(_("écriture manquante")))
    if not in_python:
        broken = _earliest(broken, _check_invoices_in_database())
    if broken is not None:
        checked = min(checked, broken.sequence)
    return checked, broken


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
