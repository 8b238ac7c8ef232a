"""manage.py verify_journal: the chain holds, and any change made behind the application's
back (a journal row, an issued invoice's figures, a deleted entry) is named."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.journal import journal_verify
from creneau.billing.models import Invoice, JournalEntry, JournalVerification
from creneau.billing.tests.journal_helpers import issued_invoice
from creneau.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(direction):
    """Five invoices and one credit note: six entries."""
    customer = CustomerFactory()
    invoices = [issued_invoice(customer, direction, price=str(100 + n)) for n in range(5)]
    credit_note_create(invoice=invoices[1], by=direction, amount=Decimal("30.00"))
    return invoices


def verify() -> tuple[int, str]:
    output = StringIO()
    try:
        call_command("verify_journal", stdout=output)
    except CommandError as error:
        return 1, str(error)
    return 0, output.getvalue()


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_untouched_journal_verifies_and_the_check_is_recorded(issued):
    status, output = verify()
    assert status == 0
    assert "Journal intègre : 6 écriture(s) vérifiée(s)" in output
    last = JournalVerification.objects.first()
    assert last.ok and last.entries == 6 and last.first_broken_sequence is None


def test_an_empty_journal_verifies():
    status, output = verify()
    assert status == 0 and "0 écriture(s)" in output


def test_an_edited_journal_row_is_named(issued):
    entry = JournalEntry.objects.get(sequence=3)
    figures = {**entry.figures, "total_gross": "1.00"}
    JournalEntry.objects.filter(pk=entry.pk).update(figures=figures)
    status, output = verify()
    assert status == 1
    assert f"Écriture n° 3 ({entry.figures['number']}) : écriture modifiée" in output
    last = JournalVerification.objects.first()
    assert not last.ok and last.first_broken_sequence == 3


def test_a_rehashed_journal_row_breaks_the_next_link(issued):
    """Whoever edits an invoice and its entry alike, and recomputes the entry's hash,
    still breaks the next entry's link."""
    from creneau.billing.journal import entry_hash

    entry = JournalEntry.objects.get(sequence=2)
    figures = {**entry.figures, "customer_name": "Quelqu'un d'autre"}
    new_hash = entry_hash(
        sequence=2, kind=entry.kind, figures=figures, previous_hash=entry.previous_hash
    )
    JournalEntry.objects.filter(pk=entry.pk).update(figures=figures, hash=new_hash)
    table = Invoice._meta.db_table
    sql(
        f"UPDATE {table} SET customer_name = %s WHERE id = %s",
        [figures["customer_name"], entry.invoice_id],
    )
    status, output = verify()
    assert status == 1 and "Écriture n° 3" in output and "chaînage rompu" in output


def test_an_invoice_total_changed_by_raw_sql_is_named(issued):
    invoice = issued[3]
    table = Invoice._meta.db_table
    sql(f"UPDATE {table} SET total_gross = total_gross + 1 WHERE id = %s", [invoice.pk])
    status, output = verify()
    assert status == 1
    sequence = JournalEntry.objects.get(invoice=invoice).sequence
    assert f"Écriture n° {sequence} ({invoice.number}) : facture modifiée" in output


def test_an_invoice_customer_changed_by_raw_sql_is_named(issued):
    table = Invoice._meta.db_table
    sql(f"UPDATE {table} SET customer_name = %s WHERE id = %s", ["Autre", issued[0].pk])
    status, output = verify()
    assert status == 1 and f"({issued[0].number}) : facture modifiée" in output


def test_a_deleted_entry_is_named(issued):
    sql(f"DELETE FROM {JournalEntry._meta.db_table} WHERE sequence = %s", [4])
    status, output = verify()
    assert status == 1 and "Écriture n° 4 : écriture manquante" in output


def test_the_last_entry_deleted_is_named_too(issued):
    sql(f"DELETE FROM {JournalEntry._meta.db_table} WHERE sequence = %s", [6])
    status, output = verify()
    assert status == 1 and "Écriture n° 6 : écriture manquante" in output


def test_the_first_break_is_the_one_named(issued):
    JournalEntry.objects.filter(sequence=5).update(hash="f" * 64)
    sql(f"UPDATE {Invoice._meta.db_table} SET total_net = 0 WHERE id = %s", [issued[1].pk])
    status, output = verify()
    sequence = JournalEntry.objects.get(invoice=issued[1]).sequence
    assert sequence < 5
    assert status == 1 and f"Écriture n° {sequence} (" in output


def test_a_break_in_a_later_batch_is_found(direction, monkeypatch):
    """Batches are checked one after the other: the chain carries over between them."""
    from creneau.billing import journal

    customer = CustomerFactory()
    invoices = [issued_invoice(customer, direction) for _ in range(7)]
    monkeypatch.setattr(journal, "VERIFY_BATCH", 3)
    assert journal_verify().ok
    sql(f"UPDATE {Invoice._meta.db_table} SET total_vat = 0 WHERE id = %s", [invoices[6].pk])
    verification = journal_verify()
    assert not verification.ok and verification.first_broken_sequence == 7


def test_an_issued_invoice_without_entry_is_named(issued):
    JournalEntry.objects.filter(sequence=6).delete()
    # The counter too, as someone hiding the deletion would.
    sql("UPDATE core_counter SET value = 5 WHERE name = %s", ["journal"])
    status, output = verify()
    assert status == 1 and "émise sans écriture au journal" in output


def test_verification_reads_invoices_in_batches_not_one_query_per_entry(
    direction, django_assert_max_num_queries
):
    customer = CustomerFactory()
    for _ in range(30):
        issued_invoice(customer, direction)
    with django_assert_max_num_queries(8):
        assert journal_verify().ok


@pytest.mark.parametrize(
    "column, change",
    [
        ("number", lambda invoice: "F-1999-99999"),
        ("issue_date", lambda invoice: invoice.issue_date - timedelta(days=1)),
        ("due_date", lambda invoice: invoice.due_date + timedelta(days=1)),
        ("customer_code", lambda invoice: "ZZZ"),
        ("total_vat", lambda invoice: invoice.total_vat + Decimal("0.01")),
        ("total_net", lambda invoice: invoice.total_net - Decimal("0.01")),
        ("billing_address", lambda invoice: "1 rue Ailleurs\n75001 Paris"),
        ("customer_siren", lambda invoice: "999999999"),
        ("customer_vat_number", lambda invoice: "FR00999999999"),
    ],
)
def test_every_journaled_figure_of_an_invoice_is_compared(issued, column, change):
    """The same on SQLite (Python, batch by batch) and PostgreSQL (one join)."""
    invoice = issued[2]
    table = Invoice._meta.db_table
    sql(f"UPDATE {table} SET {column} = %s WHERE id = %s", [change(invoice), invoice.pk])
    verification = journal_verify()
    assert not verification.ok
    assert verification.first_broken_sequence == invoice.journal_entries.get().sequence


def test_names_with_quotes_and_accents_verify(direction):
    customer = CustomerFactory(name="Boulangerie « L'Étoile » & fils", code="É0001")
    invoice = issued_invoice(customer, direction, price="0.10")
    credit_note_create(invoice=invoice, by=direction)
    assert journal_verify().ok


def test_an_invoice_issued_during_the_walk_is_no_break(issued, direction, monkeypatch):
    """The bench found it: the counter was read after the walk, and an invoice issued
    meanwhile looked like a deleted last entry."""
    from creneau.billing import journal

    check_chain = journal._check_chain

    def issuing_meanwhile(*args):
        result = check_chain(*args)
        issued_invoice(issued[0].customer, direction)
        return result

    monkeypatch.setattr(journal, "_check_chain", issuing_meanwhile)
    verification = journal_verify()
    assert verification.ok, verification.message
