"""Dunning bench (issue 12): the preview of a dunning run over 100,000 open overdue invoices.

    .venv/bin/python -m bench.dunning_bench [--regenerate] [--invoices 100000]
        [--customers 25000] [--profile]

On PostgreSQL only, in a database of its own: BENCH_DUNNING_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_dunning (created and migrated if
missing). The first run makes 25,000 customers (40 % businesses, bench/invoicing_data.py)
and, in SQL, 100,000 issued invoices due 1 to 120 days ago, in billing groups A and B; a
third of those due more than two weeks ago already had level 1, and level 2 when due
more than two months ago (two sent runs), 1 % of the
customers are on hold, a fifth have a reminder recipient. Later runs reuse them.

Each run removes the previews of earlier runs, then times `dunning_run_create` at today,
the whole preview (its reads, texts and bulk writes): target <= 10 s. Then the first page
of the preview as the office opens it. Figures are printed and saved in
bench/results/dunning-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

from bench.database import configure_environment, database_create_if_missing

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_dunning"
INVOICES = 100_000
CUSTOMERS = 25_000
TARGET_PREVIEW_S = 10.0
NUMBER_PREFIX = "R-"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dunning_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--invoices", type=int, default=INVOICES)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--profile", action="store_true")
    return parser.parse_args(argv)


def data_ready(args: argparse.Namespace) -> bool:
    from creneau.billing.models import Invoice

    return Invoice.objects.filter(number__startswith=NUMBER_PREFIX).count() == args.invoices


# The invoices, written by PostgreSQL itself: the n-th goes to the (n mod customers)-th
# customer, is due 1 to 120 days ago, and owes its whole amount.
INVOICES_SQL = """
WITH customers AS (
    SELECT id, code, name, kind, row_number() OVER (ORDER BY id) - 1 AS position
    FROM customers_customer WHERE code LIKE 'FB%%'
), numbered AS (
    SELECT g, (g %% (SELECT count(*) FROM customers)) AS position,
           (40 + (g * 7919) %% 4000)::numeric(14, 2) AS net,
           current_date - (1 + g %% 120) AS due
    FROM generate_series(1, %(invoices)s) AS g
)
INSERT INTO billing_invoice (
    kind, status, number, customer_id, billing_group, issue_date, due_date, notes,
    customer_name, customer_code, customer_kind, billing_address, customer_siren,
    customer_vat_number, site_addresses, payment_terms_days, late_penalty_rate, total_net,
    total_vat, total_gross, vat_breakdown, amount_due, pdf, needs_posting, created_at,
    updated_at, issued_at
)
SELECT 'invoice', 'issued', %(prefix)s || lpad(g::text, 7, '0'), c.id,
       CASE WHEN g %% 5 = 0 THEN 'B' ELSE 'A' END, n.due - 30, n.due, '',
       c.name, c.code, c.kind, '1 avenue des Factures' || chr(10) || '44000 Nantes',
       '', '', '[]'::jsonb, 30, 10.00, n.net, round(n.net * 0.2, 2), round(n.net * 1.2, 2),
       '[]'::jsonb, round(n.net * 1.2, 2), '', false, now(), now(), now()
FROM numbered n JOIN customers c ON c.position = n.position
"""

# Level 1 already sent for a third of the invoices due more than two weeks ago: one sent
# run, one sent reminder per customer and group, an item per such invoice. (Run without
# parameters: a percent sign is itself.)
HISTORY_SQL = [
    """INSERT INTO payments_dunningrun (as_of, status, automatic, letters_pdf, created_at,
           sent_at)
       VALUES (current_date - 30, 'sent', true, '', now(), now())""",
    """INSERT INTO payments_reminder (run_id, customer_id, billing_group, level_id, channel,
           status, excluded, recipients, subject, body, amount_due, fees, sent_at)
       SELECT (SELECT max(id) FROM payments_dunningrun), customer_id, billing_group,
              (SELECT id FROM payments_reminderlevel WHERE rank = 1), 'email', 'sent', false,
              '[]'::jsonb, 'Rappel', 'Bonjour', 0, 0, now()
       FROM billing_invoice WHERE number LIKE 'R-%' AND id % 3 = 0
            AND due_date < current_date - 14
       GROUP BY customer_id, billing_group""",
    """INSERT INTO payments_reminderinvoice (reminder_id, invoice_id, level_rank, amount_due,
           fee, indemnity, interest, sent, sent_on)
       SELECT r.id, i.id, 1, i.amount_due, 0, 0, 0, true, i.due_date + 7
       FROM billing_invoice i JOIN payments_reminder r
            ON r.customer_id = i.customer_id AND r.billing_group = i.billing_group
            AND r.run_id = (SELECT max(id) FROM payments_dunningrun)
       WHERE i.number LIKE 'R-%' AND i.id % 3 = 0 AND i.due_date < current_date - 14""",
    # Level 2 too for those due more than two months ago (a second sent run).
    """INSERT INTO payments_dunningrun (as_of, status, automatic, letters_pdf, created_at,
           sent_at)
       VALUES (current_date - 20, 'sent', true, '', now(), now())""",
    """INSERT INTO payments_reminder (run_id, customer_id, billing_group, level_id, channel,
           status, excluded, recipients, subject, body, amount_due, fees, sent_at)
       SELECT (SELECT max(id) FROM payments_dunningrun), customer_id, billing_group,
              (SELECT id FROM payments_reminderlevel WHERE rank = 2), 'email', 'sent', false,
              '[]'::jsonb, 'Seconde relance', 'Bonjour', 0, 0, now()
       FROM billing_invoice WHERE number LIKE 'R-%' AND id % 3 = 0
            AND due_date < current_date - 60
       GROUP BY customer_id, billing_group""",
    """INSERT INTO payments_reminderinvoice (reminder_id, invoice_id, level_rank, amount_due,
           fee, indemnity, interest, sent, sent_on)
       SELECT r.id, i.id, 2, i.amount_due, 0, 0, 0, true, i.due_date + 21
       FROM billing_invoice i JOIN payments_reminder r
            ON r.customer_id = i.customer_id AND r.billing_group = i.billing_group
            AND r.run_id = (SELECT max(id) FROM payments_dunningrun)
       WHERE i.number LIKE 'R-%' AND i.id % 3 = 0 AND i.due_date < current_date - 60""",
    """INSERT INTO payments_dunninghold (customer_id, reason, created_at)
       SELECT id, 'Litige (bench)', now() FROM customers_customer
       WHERE code LIKE 'FB%' AND id % 100 = 0""",
    """INSERT INTO customers_invoicerecipient (customer_id, billing_group, email,
           for_invoices, for_reminders, created_at)
       SELECT id, 'A', 'compta' || id || '@example.com', true, true, now()
       FROM customers_customer WHERE code LIKE 'FB%' AND id % 5 = 0""",
]


def generate(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    from bench.invoicing_data import bench_customers

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE payments_reminderinvoice, payments_reminder, payments_dunningrun, "
            "payments_dunninghold, customers_invoicerecipient CASCADE"
        )
        cursor.execute("DELETE FROM billing_invoice WHERE number LIKE %s", [NUMBER_PREFIX + "%"])
    bench_customers(count=args.customers)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INVOICES_SQL, {"invoices": args.invoices, "prefix": NUMBER_PREFIX})
        for statement in HISTORY_SQL:
            cursor.execute(statement)
    with connection.cursor() as cursor:
        for table in (
            "billing_invoice", "payments_reminder", "payments_reminderinvoice",
            "payments_dunninghold", "customers_invoicerecipient", "customers_customer",
        ):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"  {args.invoices} factures échues de {args.customers} clients générées en "
        f"{time.perf_counter() - started:.0f} s"
    )


def reset_previews() -> None:
    """No run but the generated history: each bench run previews the same day from it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM payments_reminderinvoice WHERE reminder_id IN (SELECT id FROM "
            "payments_reminder WHERE run_id IN (SELECT id FROM payments_dunningrun WHERE "
            "status = 'preview'))"
        )
        cursor.execute(
            "DELETE FROM payments_reminder WHERE run_id IN (SELECT id FROM "
            "payments_dunningrun WHERE status = 'preview')"
        )
        cursor.execute("DELETE FROM payments_dunningrun WHERE status = 'preview'")
        cursor.execute("VACUUM ANALYZE payments_reminder")
        cursor.execute("VACUUM ANALYZE payments_reminderinvoice")


def _timed(function, profile: bool):
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = function()
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return result, time.perf_counter() - started


def run_bench(args: argparse.Namespace) -> list[str]:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.generate import bench_users
    from creneau.billing.models import Invoice
    from creneau.payments.dunning import dunnable_invoices, dunning_run_create
    from creneau.payments.models import ReminderInvoice

    director, _reps = bench_users()
    today = timezone.localdate()
    reset_previews()
    open_invoices = dunnable_invoices(today).count()
    total = Invoice.objects.filter(number__startswith=NUMBER_PREFIX).count()
    run, preview = _timed(lambda: dunning_run_create(as_of=today, by=director), args.profile)
    reminders = run.reminders.count()
    items = ReminderInvoice.objects.filter(reminder__run=run)
    levels = {rank: items.filter(level_rank=rank).count() for rank in (1, 2, 3)}
    verdict = "ok" if preview <= TARGET_PREVIEW_S else "MANQUÉE"
    lines = [
        f"Aperçu au {today:%d/%m/%Y} : {total} factures ouvertes échues, {open_invoices} hors "
        f"suspension ; {reminders} relances proposées pour {sum(levels.values())} factures "
        f"(niveau 1 : {levels[1]}, 2 : {levels[2]}, 3 : {levels[3]}) en {preview:.1f} s "
        f"(cible ≤ {TARGET_PREVIEW_S:.0f} s : {verdict})"
    ]
    print(lines[-1], flush=True)
    client = Client()
    client.force_login(director)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(f"/payments/dunning/{run.pk}/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    lines.append(
        f"Page de l'aperçu (50 relances par page) : médiane {sorted(times)[2]:.0f} ms sur 5"
    )
    print(lines[-1], flush=True)
    lines.append(f"PostgreSQL {connection.pg_version // 10000}")
    return lines


def main(argv: list[str]) -> int:
    url = configure_environment(os.environ.get("BENCH_DUNNING_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.management import call_command

    from bench import report

    args = parse_args(argv)
    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    if args.regenerate or not data_ready(args):
        print(f"Génération de {args.invoices} factures échues…")
        generate(args)
    machine = report.machine()
    print(f"Machine : {machine}")
    lines = run_bench(args)
    paths = report.save_lines("dunning", lines, machine)
    print("Résultats : " + ", ".join(str(path) for path in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
