"""The aged balance bench's data: a million issued invoices (bench/invoicing_data.py, with
its 6 % of credit notes on top) and a million payments allocated to them, written by
PostgreSQL itself (INSERT ... SELECT over the invoices: about a minute).

The payments follow the invoices' states as invoicing_data drew them: each paid invoice
gets a payment of its total some days around its due date, split in two payments (half,
then the rest two weeks later) for as many of them as it takes to reach the number of
payments asked; a partly paid invoice gets one payment of what is paid; one paid invoice
in a hundred also has an earlier cheque that bounced: the cheque, its allocation, and its
reversal dated twelve days later. Payments' ids are derived from their invoice's
(id x 4 + 0, 1, 2 for the bounced cheque, 3 for its reversal), so that allocations and
reversals are joined without a lookup.

`aged_generate(invoices, payments)` replaces every invoice and payment; `data_ready`
says whether they are there, so that later runs reuse them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from bench import invoicing_data
from creneau.billing.models import Invoice
from creneau.payments.models import Payment, PaymentAllocation

METHODS = ["transfer", "cheque", "card", "sepa_debit", "transfer", "cesu", "cash"]

# The first payment's date: some days around the due date (20 early to 20 late), never
# before the invoice nor after today.
FIRST_DATE = (
    "LEAST(%(today)s::date, GREATEST(i.issue_date, i.due_date + ((i.id * 37) %% 41)::int - 20))"
)


def documents_for(invoices: int) -> int:
    """How many documents to draw for `invoices` invoices (credit notes come on top)."""
    return round(invoices / (1 - invoicing_data.CREDIT_NOTE_SHARE))


def data_ready(invoices: int, payments: int) -> bool:
    issued = Invoice.objects.filter(kind=Invoice.Kind.INVOICE).exclude(status="draft").count()
    return abs(issued - invoices) < invoices // 50 and Payment.objects.count() == payments


def payments_reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE payments_paymentallocation, payments_refund, payments_payment, "
            "payments_chequedeposit RESTART IDENTITY CASCADE"
        )


def _insert_payments(cursor, split_below: int, today, now) -> None:
    """The payments and their allocations, in one statement each."""
    methods = "(ARRAY[" + ", ".join(f"'{method}'" for method in METHODS) + "])"
    method = f"{methods}[1 + (i.id %% {len(METHODS)})]"
    params = {"today": today, "now": now, "split_below": split_below}
    # Which paid invoices are split: a fixed hash of their id below a bound chosen so that
    # the number of payments comes out right.
    split = "((i.id * 7919) %% 1000003) < %(split_below)s"
    half = "ROUND(i.total_gross / 2, 2)"
    cursor.execute(
        f"""
        INSERT INTO payments_payment (id, customer_id, date, amount, method, reference,
            cheque_bank, cheque_number, deposit_id, reversal_of_id, reason, created_by_id,
            created_at)
        SELECT i.id * 4 + part.k, i.customer_id,
            CASE WHEN part.k = 1 THEN LEAST(%(today)s::date, {FIRST_DATE} + 15)
                 WHEN part.k = 2 THEN GREATEST(i.issue_date, {FIRST_DATE} - 10)
                 WHEN part.k = 3 THEN LEAST(%(today)s::date,
                                            GREATEST(i.issue_date, {FIRST_DATE} - 10) + 12)
                 ELSE {FIRST_DATE} END,
            CASE WHEN i.status = 'partially_paid' THEN i.total_gross - i.amount_due
                 WHEN part.k = 0 AND {split} THEN {half}
                 WHEN part.k = 1 THEN i.total_gross - {half}
                 ELSE i.total_gross END,
            {method}, 'bench ' || i.number, '', '', NULL,
            CASE WHEN part.k = 3 THEN i.id * 4 + 2 END,
            CASE WHEN part.k = 3 THEN 'Chèque impayé' ELSE '' END,
            NULL, %(now)s
        FROM billing_invoice i
        JOIN (VALUES (0), (1), (2), (3)) AS part(k)
          ON part.k = 0
          OR (part.k = 1 AND i.status = 'paid' AND {split})
          OR (part.k IN (2, 3) AND i.status = 'paid' AND i.id %% 100 = 7)
        WHERE i.kind = 'invoice' AND i.status IN ('paid', 'partially_paid')
        """,
        params,
    )
    # Every payment but the reversals settles its invoice (the bounced cheque's allocation
    # stays: its reversal is what makes it not count).
    cursor.execute(
        """
        INSERT INTO payments_paymentallocation
            (payment_id, invoice_id, customer_id, amount, created_at)
        SELECT p.id, p.id / 4, p.customer_id, p.amount, p.created_at
        FROM payments_payment p WHERE p.reversal_of_id IS NULL
        """
    )


def _split_bound(cursor, payments: int) -> int:
    """The hash bound that splits as many paid invoices as reach `payments` payments."""
    cursor.execute(
        "SELECT count(*) FILTER (WHERE status = 'paid'), "
        "count(*) FILTER (WHERE status = 'partially_paid'), "
        "count(*) FILTER (WHERE status = 'paid' AND id % 100 = 7) "
        "FROM billing_invoice WHERE kind = 'invoice'"
    )
    paid, partly, bounced = cursor.fetchone()
    splits = payments - paid - partly - 2 * bounced
    if splits < 0 or splits > paid:
        raise SystemExit(f"{payments} règlements ne vont pas avec {paid} factures réglées.")
    cursor.execute(
        "SELECT (id * 7919) %% 1000003 AS h FROM billing_invoice "
        "WHERE kind = 'invoice' AND status = 'paid' ORDER BY h OFFSET %s LIMIT 1",
        [splits],
    )
    row = cursor.fetchone()
    return row[0] if row else 1000003


def aged_generate(invoices: int, payments: int, *, log: Callable[..., None] = print) -> None:
    """Replace every invoice and payment: `invoices` issued invoices (and their credit
    notes), then `payments` payments with their allocations."""
    started = time.perf_counter()
    payments_reset()
    invoicing_data.invoicing_generate(documents_for(invoices), log=log)
    log("  règlements et affectations…")
    with transaction.atomic(), connection.cursor() as cursor:
        bound = _split_bound(cursor, payments)
        _insert_payments(cursor, bound, timezone.localdate(), timezone.now())
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('payments_payment', 'id'), "
            "(SELECT coalesce(max(id), 1) FROM payments_payment))"
        )
    with connection.cursor() as cursor:
        for model in (Payment, PaymentAllocation, Invoice):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    log(
        f"  {Payment.objects.count()} règlements, {PaymentAllocation.objects.count()} "
        f"affectations, en {time.perf_counter() - started:.0f} s en tout"
    )
