"""The FEC bench's data: a year (2025) of issued invoices and payments for about a million
FEC lines, written by PostgreSQL itself (INSERT ... SELECT over generate_series).

- 20,000 customers (bench/generate.py).
- 150,000 invoices spread over the year, each with two lines: a service at 20 % (revenue
  account 706100, the service's) and free text at 10 % (706200, the rate's): 5 FEC lines.
- One invoice in fifty (unpaid) is cancelled by a full credit note the same day: 5 lines.
- Nine invoices in ten have a payment 20 days later (by transfer, card, direct debit or
  cheque), allocated to it: 2 lines each; one in ten of those pays half. One payment in a
  thousand is reversed ten days later: 2 lines.

About 1,040,000 FEC lines in all. Amounts are drawn from the ids (no random state), so the
same data comes back at each regeneration. No journal nor PDFs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from django.db import connection, transaction

from creneau.accounting.models import AccountingSettings, FiscalYear, VatRateAccount
from creneau.billing.models import Invoice
from creneau.catalog.defaults import default_vat_rates_ensure
from creneau.catalog.models import Service, VatRate

YEAR = 2025
INVOICES = 150_000
CUSTOMERS = 20_000
CREDIT_NOTE_ID = 1_000_000
REVERSAL_ID = 2_000_000
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)

INVOICE_COLUMNS = (
    "id, kind, status, number, customer_id, billing_group, credited_invoice_id, issue_date, "
    "due_date, period_start, period_end, notes, customer_name, customer_code, customer_kind, "
    "billing_address, customer_siren, customer_vat_number, site_addresses, payment_terms_days, "
    "late_penalty_rate, total_net, total_vat, total_gross, vat_breakdown, amount_due, pdf, "
    "needs_posting, debit_mandate_rum, created_at, updated_at, issued_at"
)


def data_ready() -> bool:
    return (
        Invoice.objects.filter(issue_date__year=YEAR, kind="invoice").count() == INVOICES
        and FiscalYear.objects.filter(end_date=END).exists()
    )


def _accounts() -> Service:
    default_vat_rates_ensure(VatRate)
    rate20 = VatRate.objects.filter(rate=20).order_by("position", "id").first()
    rate10 = VatRate.objects.filter(rate=10).order_by("position", "id").first()
    VatRateAccount.objects.update_or_create(
        vat_rate=rate10, defaults={"vat_account": "445712", "revenue_account": "706200"}
    )
    settings = AccountingSettings.load()
    settings.cheques_to_deposit_account = ""
    settings.save()
    service, _created = Service.objects.update_or_create(
        code="BENCHFEC",
        defaults={
            "label": "Entretien des bureaux",
            "unit": "hour",
            "unit_price": 25,
            "vat_rate": rate20,
            "revenue_account": "706100",
        },
    )
    service.rate10_id, service.rate20_id = rate10.pk, rate20.pk
    return service


def _invoices(cursor) -> None:
    cursor.execute(
        f"""
        INSERT INTO billing_invoice ({INVOICE_COLUMNS})
        WITH c AS (
            SELECT id, name, code, kind, street, postcode, city,
                   row_number() OVER (ORDER BY id) - 1 AS rn
            FROM customers_customer
        ), counted AS (SELECT count(*) AS n FROM c), drawn AS (
            SELECT i + 1 AS id, i,
                   %(start)s::date + (i::bigint * 365 / {INVOICES})::int AS issue,
                   (4000 + (i * 3137) %% 40000) / 100.0 AS a,
                   (1000 + (i * 7919) %% 9000) / 100.0 AS b
            FROM generate_series(0, {INVOICES} - 1) AS i
        ), figures AS (
            SELECT drawn.*, round(a * 0.2, 2) AS va, round(b * 0.1, 2) AS vb,
                   CASE WHEN i %% 10 = 0 THEN 'issued'
                        WHEN i %% 10 = 9 THEN 'partially_paid' ELSE 'paid' END AS status
            FROM drawn
        )
        SELECT f.id, 'invoice',
               CASE WHEN f.i %% 50 = 0 THEN 'cancelled' ELSE f.status END,
               'F-{YEAR}-' || lpad(f.id::text, 6, '0'), c.id, 'A', NULL, f.issue, f.issue + 30,
               f.issue, f.issue, '', c.name, c.code, c.kind,
               c.street || E'\\n' || c.postcode || ' ' || c.city, '', '', '[]'::jsonb, 30,
               10.00, f.a + f.b, f.va + f.vb, f.a + f.b + f.va + f.vb,
               jsonb_build_array(
                   jsonb_build_object('rate', '20.00', 'exemption', '', 'base',
                                      to_char(f.a, 'FM999990.00'), 'vat',
                                      to_char(f.va, 'FM999990.00')),
                   jsonb_build_object('rate', '10.00', 'exemption', '', 'base',
                                      to_char(f.b, 'FM999990.00'), 'vat',
                                      to_char(f.vb, 'FM999990.00'))),
               CASE WHEN f.i %% 50 = 0 THEN 0
                    WHEN f.status = 'issued' THEN f.a + f.b + f.va + f.vb
                    WHEN f.status = 'partially_paid'
                        THEN f.a + f.b + f.va + f.vb - round((f.a + f.b + f.va + f.vb) / 2, 2)
                    ELSE 0 END,
               '', false, '', f.issue::timestamptz, f.issue::timestamptz, f.issue::timestamptz
        FROM figures f, counted JOIN c ON true
        WHERE c.rn = f.i %% counted.n
        """,
        {"start": START},
    )


def _credit_notes(cursor) -> None:
    cursor.execute(
        f"""
        INSERT INTO billing_invoice ({INVOICE_COLUMNS})
        SELECT {CREDIT_NOTE_ID} + id, 'credit_note', 'issued',
               'A-{YEAR}-' || lpad(id::text, 6, '0'), customer_id, billing_group, id,
               issue_date, issue_date, period_start, period_end, 'Avoir total', customer_name,
               customer_code, customer_kind, billing_address, customer_siren,
               customer_vat_number, site_addresses, payment_terms_days, late_penalty_rate,
               total_net, total_vat, total_gross, vat_breakdown, 0, pdf, needs_posting,
               debit_mandate_rum, created_at, updated_at, issued_at
        FROM billing_invoice WHERE status = 'cancelled' AND kind = 'invoice'
        """
    )


def _lines(cursor, service: Service) -> None:
    """Two lines per invoice and credit note, whose nets are the breakdown's bases."""
    for position, rate_id, base, service_id, rate in (
        (1, service.rate20_id, 0, service.pk, "20.00"),
        (2, service.rate10_id, 1, None, "10.00"),
    ):
        cursor.execute(
            """
            INSERT INTO billing_invoiceline (invoice_id, position, line_type, service_id,
                description, quantity, unit, unit_price, vat_rate_id, vat_rate_value,
                vat_exemption, discount_percent, net)
            SELECT id, %(position)s, CASE WHEN %(service)s::bigint IS NULL THEN 'free'
                                          ELSE 'service' END,
                   %(service)s, 'Prestation', 1, 'flat',
                   (vat_breakdown -> %(base)s ->> 'base')::numeric, %(rate_id)s, %(rate)s, '',
                   0, (vat_breakdown -> %(base)s ->> 'base')::numeric
            FROM billing_invoice WHERE issue_date BETWEEN %(start)s AND %(end)s
            """,
            {
                "position": position,
                "service": service_id,
                "base": base,
                "rate_id": rate_id,
                "rate": rate,
                "start": START,
                "end": END,
            },
        )


def _payments(cursor) -> None:
    cursor.execute(
        """
        INSERT INTO payments_payment (id, customer_id, date, amount, method, reference,
            cheque_bank, cheque_number, reason, created_at)
        SELECT id, customer_id, least(issue_date + 20, %(end)s::date), total_gross - amount_due,
               (ARRAY['transfer', 'card', 'sepa_debit', 'cheque'])[1 + id %% 4],
               'REG ' || number, '', '', '', issue_date::timestamptz
        FROM billing_invoice
        WHERE kind = 'invoice' AND status IN ('paid', 'partially_paid')
        """,
        {"end": END},
    )
    cursor.execute(
        "INSERT INTO payments_paymentallocation (payment_id, invoice_id, customer_id, amount, "
        "created_at) SELECT id, id, customer_id, amount, created_at FROM payments_payment"
    )
    cursor.execute(
        f"""
        INSERT INTO payments_payment (id, customer_id, date, amount, method, reference,
            cheque_bank, cheque_number, reason, created_at, reversal_of_id)
        SELECT {REVERSAL_ID} + id, customer_id, least(date + 10, %(end)s::date), amount,
               method, reference, '', '', 'Rejet', created_at, id
        FROM payments_payment WHERE id %% 1000 = 7
        """,
        {"end": END},
    )


def fec_generate(*, log: Callable[..., None] = print) -> None:
    """Replace every invoice and payment by the generated ones, and set the fiscal year."""
    started = time.perf_counter()
    service = _accounts()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE payments_refund, payments_paymentallocation, payments_payment, "
            "payments_chequedeposit, billing_journalentry, billing_invoiceline, "
            "billing_invoice_sites, billing_billedintervention, billing_billingrunitem, "
            "billing_invoice RESTART IDENTITY CASCADE"
        )
        log(f"  {INVOICES} factures et leurs lignes…")
        _invoices(cursor)
        _credit_notes(cursor)
        _lines(cursor, service)
        log("  règlements…")
        _payments(cursor)
        for table in ("billing_invoice", "payments_payment", "payments_paymentallocation"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        FiscalYear.objects.filter(end_date__year=YEAR).delete()
        FiscalYear.objects.create(start_date=START, end_date=END)
    with connection.cursor() as cursor:
        for table in (
            "billing_invoice",
            "billing_invoiceline",
            "payments_payment",
            "payments_paymentallocation",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    log(f"  généré en {time.perf_counter() - started:.0f} s")
