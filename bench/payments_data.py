"""The payments bench's data: 100,000 customers with a year of monthly invoices, some of
them overdue, and one large account with 40,000 invoices and their payments, written by
PostgreSQL itself (INSERT ... SELECT over generate_series: about a minute in all).

- Customers and sites: bench/generate.py (100,000 customers, 150,000 sites).
- Each customer has 1 to 12 monthly invoices (issued on the 1st of each of its last months,
  due 30 days later): 6.5 on average, 650,000 in all. One customer in ten pays late: 40 %
  of its invoices past due are left unpaid or half paid; the others pay everything but one
  invoice in 200. About one customer in six is then overdue, one in nine by more than 30
  days. Each paid or half-paid invoice has its transfer, allocated to it.
- The large account (the first active business customer of the first sales rep) has
  40,000 invoices over four years (27 a day), 800 of them cancelled by a credit note, and
  a payment per invoice older than 45 days: one in twenty pays half, one in three hundred
  is reversed (a bounced cheque), every fourth is a cheque. A payment of 250 EUR is left
  unallocated (the customer's credit). The last 45 days are still due.

Rows get fixed ids so that payments, allocations and credit notes can point at them
without reading them back; amounts and statuses are drawn from the ids (no random state),
so the same data comes back at each regeneration. No journal, lines nor PDFs: the pages
measured do not read them (verify_journal would fail on this database).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.customers.models import Customer
from creneau.payments.models import Payment

BIG_INVOICES = 40_000
BIG_DAYS = 4 * 365
BIG_ID = 2_000_000  # the large account's invoices are BIG_ID + 1 ... BIG_ID + 40,000
CREDIT_NOTE_ID = 3_000_000  # its credit notes: CREDIT_NOTE_ID + the invoice's index
REVERSAL_ID = 10_000_000  # a reversal: REVERSAL_ID + the reversed payment's id
CREDIT_PAYMENT_ID = 20_000_000
MONTHS_MAX = 12

# The columns every generated invoice fills (the others keep NULL).
COLUMNS = (
    "id, kind, status, number, customer_id, billing_group, credited_invoice_id, issue_date, "
    "due_date, period_start, period_end, notes, customer_name, customer_code, customer_kind, "
    "billing_address, customer_siren, customer_vat_number, site_addresses, payment_terms_days, "
    "late_penalty_rate, total_net, total_vat, total_gross, vat_breakdown, amount_due, pdf, "
    "needs_posting, created_at, updated_at, issued_at"
)


def big_customer() -> Customer:
    """The large account: a business customer of the first sales rep, so that both the
    direction and that rep see it."""
    from bench.generate import bench_users

    _director, reps = bench_users()
    return (
        Customer.objects.filter(kind=Customer.Kind.BUSINESS, sales_rep=reps[0], is_active=True)
        .order_by("id")
        .first()
    )


def data_ready() -> bool:
    customer = big_customer()
    if customer is None:
        return False
    big = Invoice.objects.filter(customer=customer, kind=Invoice.Kind.INVOICE).count()
    return big == BIG_INVOICES and Invoice.objects.filter(pk__lt=BIG_ID).exists()


def _select(source: str) -> str:
    """The SELECT list of an invoice row from `source`, which names: id, customer c,
    issue, due, gross (incl. VAT), due_amount, status."""
    return f"""
        SELECT {source}.id, 'invoice', {source}.status,
               'F-' || to_char({source}.issue, 'YYYY') || '-' || lpad({source}.id::text, 9, '0'),
               c.id, 'A', NULL::bigint, {source}.issue, {source}.due,
               date_trunc('month', {source}.issue - 1)::date, {source}.issue - 1, '',
               c.name, c.code, c.kind, c.street || E'\\n' || c.postcode || ' ' || c.city,
               '', '', '[]'::jsonb, 30, 10.00,
               round({source}.gross / 1.2, 2), {source}.gross - round({source}.gross / 1.2, 2),
               {source}.gross,
               jsonb_build_array(jsonb_build_object(
                   'rate', '20.00', 'exemption', '',
                   'base', round({source}.gross / 1.2, 2)::text,
                   'vat', ({source}.gross - round({source}.gross / 1.2, 2))::text)),
               {source}.due_amount, '', false, {source}.issue::timestamptz,
               {source}.issue::timestamptz, {source}.issue::timestamptz"""


def _monthly_invoices(cursor, today: date, big_id: int) -> None:
    """Every customer but the large account: one invoice on the 1st of each of its last
    1 to 12 months (the current month's when it is today or past)."""
    cursor.execute(
        f"""
        INSERT INTO billing_invoice ({COLUMNS})
        WITH drawn AS (
            SELECT c.id AS customer_id, m,
                   (c.id - 1) * {MONTHS_MAX} + m + 1 AS id,
                   (date_trunc('month', %(today)s::date) - m * interval '1 month')::date
                       AS issue,
                   ((c.id * 2654435761 + m * 40503) %% 1000) AS r,
                   (c.id * 7919) %% 100 < 10 AS late_payer,
                   (4000 + (c.id * 31 + m * 977) %% 46000) / 100.0 AS gross
            FROM customers_customer c
            CROSS JOIN LATERAL generate_series(0, (c.id * 7) %% {MONTHS_MAX}) AS m
            WHERE c.id <> %(big)s
        ), dated AS (
            SELECT drawn.*, issue + 30 AS due FROM drawn
        ), settled AS (
            SELECT dated.*,
                   CASE
                       WHEN due >= %(today)s THEN CASE WHEN r < 150 THEN 'paid' ELSE 'issued' END
                       WHEN late_payer AND r >= 800 THEN 'issued'
                       WHEN late_payer AND r >= 600 THEN 'partially_paid'
                       WHEN NOT late_payer AND r < 5 THEN 'issued'
                       ELSE 'paid'
                   END AS status
            FROM dated
        ), figures AS (
            SELECT settled.*,
                   CASE status WHEN 'paid' THEN 0 WHEN 'partially_paid' THEN round(gross / 2, 2)
                               ELSE gross END AS due_amount
            FROM settled
        )
        {_select("figures")}
        FROM figures JOIN customers_customer c ON c.id = figures.customer_id
        WHERE issue <= %(today)s
        """,
        {"today": today, "big": big_id},
    )


def _big_invoices(cursor, today: date, big_id: int) -> None:
    """The large account's 40,000 invoices, oldest first, with their statuses as their
    payments and credit notes (made next) leave them."""
    cursor.execute(
        f"""
        INSERT INTO billing_invoice ({COLUMNS})
        WITH drawn AS (
            SELECT {BIG_ID} + i AS id, i,
                   %(today)s::date - (({BIG_INVOICES} - i) * {BIG_DAYS} / {BIG_INVOICES}) AS issue,
                   (6000 + (i * 7919) %% 180000) / 100.0 AS gross
            FROM generate_series(1, {BIG_INVOICES}) AS i
        ), settled AS (
            SELECT drawn.*, issue + 30 AS due,
                   CASE
                       WHEN i %% 50 = 0 THEN 'cancelled'
                       WHEN issue > %(today)s::date - 45 THEN 'issued'
                       WHEN i %% 300 = 11 THEN 'issued'
                       WHEN i %% 20 = 7 THEN 'partially_paid'
                       ELSE 'paid'
                   END AS status
            FROM drawn
        ), figures AS (
            SELECT settled.*,
                   CASE status WHEN 'issued' THEN gross WHEN 'partially_paid'
                               THEN gross - round(gross / 2, 2) ELSE 0 END AS due_amount
            FROM settled
        )
        {_select("figures")}
        FROM figures JOIN customers_customer c ON c.id = %(big)s
        """,
        {"today": today, "big": big_id},
    )
    # A credit note for every fiftieth invoice, in full, the same day.
    cursor.execute(
        f"""
        INSERT INTO billing_invoice ({COLUMNS})
        SELECT {CREDIT_NOTE_ID} + (id - {BIG_ID}), 'credit_note', 'issued',
               'A-' || to_char(issue_date, 'YYYY') || '-' || lpad((id - {BIG_ID})::text, 9, '0'),
               customer_id, billing_group, id, issue_date, issue_date, period_start, period_end,
               'Avoir total', customer_name, customer_code, customer_kind, billing_address,
               customer_siren, customer_vat_number, site_addresses, payment_terms_days,
               late_penalty_rate, total_net, total_vat, total_gross, vat_breakdown, 0, pdf,
               needs_posting, created_at, updated_at, issued_at
        FROM billing_invoice WHERE customer_id = %s AND status = 'cancelled'
        """,
        [big_id],
    )


def _monthly_payments(cursor) -> None:
    """A transfer per paid or half-paid monthly invoice (its id is the invoice's), 20 days
    after it was issued (or today), allocated to it."""
    cursor.execute(
        f"""
        INSERT INTO payments_payment (id, customer_id, date, amount, method, reference,
            cheque_bank, cheque_number, reason, created_at)
        SELECT id, customer_id, least(issue_date + 20, current_date), total_gross - amount_due,
               'transfer', 'VIR ' || number, '', '', '', issue_date::timestamptz
        FROM billing_invoice
        WHERE id < {BIG_ID} AND status IN ('paid', 'partially_paid')
        """
    )
    cursor.execute(
        "INSERT INTO payments_paymentallocation (payment_id, invoice_id, customer_id, amount, "
        f"created_at) SELECT id, id, customer_id, amount, created_at FROM payments_payment "
        f"WHERE id < {BIG_ID}"
    )


def _big_payments(cursor, big_id: int) -> None:
    """A payment per settled or reversed invoice (its id is the invoice's), allocated to
    it; the reversals; one payment left unallocated."""
    cursor.execute(
        f"""
        INSERT INTO payments_payment (id, customer_id, date, amount, method, reference,
            cheque_bank, cheque_number, reason, created_at)
        SELECT id, customer_id, issue_date + 20,
               CASE status WHEN 'partially_paid' THEN round(total_gross / 2, 2)
                           ELSE total_gross END,
               (ARRAY['transfer', 'cheque', 'card', 'sepa_debit'])[1 + id %% 4],
               'REG-' || number,
               CASE WHEN id %% 4 = 1 THEN 'Crédit Mutuel' ELSE '' END,
               CASE WHEN id %% 4 = 1 THEN lpad((id %% 9999999)::text, 7, '0') ELSE '' END,
               '', (issue_date + 20)::timestamptz
        FROM billing_invoice
        WHERE customer_id = %s AND kind = 'invoice'
          AND (status IN ('paid', 'partially_paid') OR (id - {BIG_ID}) %% 300 = 11)
          AND issue_date <= current_date - 45
        """,
        [big_id],
    )
    cursor.execute(
        "INSERT INTO payments_paymentallocation (payment_id, invoice_id, customer_id, amount, "
        "created_at) SELECT id, id, customer_id, amount, created_at FROM payments_payment "
        "WHERE customer_id = %s",
        [big_id],
    )
    cursor.execute(
        f"""
        INSERT INTO payments_payment (id, customer_id, date, amount, method, reference,
            cheque_bank, cheque_number, reason, created_at, reversal_of_id)
        SELECT {REVERSAL_ID} + p.id, p.customer_id, p.date + 10, p.amount, p.method,
               p.reference, '', '', 'Chèque impayé', p.created_at + interval '10 days', p.id
        FROM payments_payment p
        WHERE p.customer_id = %s AND (p.id - {BIG_ID}) %% 300 = 11
        """,
        [big_id],
    )
    cursor.execute(
        "INSERT INTO payments_payment (id, customer_id, date, amount, method, reference, "
        "cheque_bank, cheque_number, reason, created_at) "
        f"VALUES ({CREDIT_PAYMENT_ID}, %s, current_date - 3, 250.00, 'transfer', "
        "'VIR ACOMPTE', '', '', '', now())",
        [big_id],
    )


def payments_generate(*, log: Callable[..., None] = print) -> Customer:
    """Replace every invoice and payment by the generated ones; returns the large account."""
    started = time.perf_counter()
    customer = big_customer()
    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE payments_reminderinvoice, payments_reminder, payments_dunningrun, "
            "payments_dunninghold, payments_refund, payments_paymentallocation, "
            "payments_payment, payments_chequedeposit, billing_journalentry, "
            "billing_invoiceline, billing_invoice_sites, billing_billedintervention, "
            "billing_billingrunitem, billing_billingrun, billing_invoice "
            "RESTART IDENTITY CASCADE"
        )
        log("  factures mensuelles des 100 000 clients…")
        _monthly_invoices(cursor, today, customer.pk)
        _monthly_payments(cursor)
        log(f"  {BIG_INVOICES} factures du grand compte, ses avoirs et ses règlements…")
        _big_invoices(cursor, today, customer.pk)
        _big_payments(cursor, customer.pk)
        for table in ("billing_invoice", "payments_payment", "payments_paymentallocation"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    with connection.cursor() as cursor:
        for table in ("billing_invoice", "payments_payment", "payments_paymentallocation"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    invoices = Invoice.objects.count()
    payments = Payment.objects.count()
    log(
        f"  {invoices} factures et avoirs, {payments} règlements générés en "
        f"{time.perf_counter() - started:.0f} s"
    )
    return customer
