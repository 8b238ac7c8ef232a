"""SEPA bench (issue 13): a collection batch of 10,000 debits, from the proposal to the
stored pain.008 file validated against the XSD.

    .venv/bin/python -m bench.sepa_bench [--regenerate] [--debits 10000] [--profile]
        [--one-by-one] [--no-notify]

On PostgreSQL only, in a database of its own: BENCH_SEPA_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_sepa (created and migrated if missing).
The first run makes 10,000 customers (bench/invoicing_data.py), each with an e-mail, an
active signed mandate (bulk_create) and one issued invoice due today or before (in SQL).
Later runs reuse them.

Each run removes the batches of earlier runs (and their files), then times
`sepa_batch_create` at the next TARGET2 business day at least three days ahead, with every
proposed invoice: the proposal, the checks, the items, the pain.008.001.02 file (sepaxml)
validated with lxml against the repository's XSD, and its storage. Target <= 5 s. Then
"Marquer comme transmis" on that batch (10,000 SEPA payments, allocations, journal
entries), timed inside a transaction rolled back at once (the invoices stay due). The
pre-notification e-mails, queued after the commit, are timed apart. Figures are printed
and saved in bench/results/sepa-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from datetime import timedelta

from bench.database import configure_environment, database_create_if_missing

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_sepa"
DEBITS = 10_000
TARGET_S = 5.0
NUMBER_PREFIX = "S-"
RUM_PREFIX = "BENCH-"

# One invoice per bench customer (the n-th customer's), due 0 to 29 days ago.
INVOICES_SQL = """
WITH customers AS (
    SELECT id, code, name, kind, row_number() OVER (ORDER BY id) AS position
    FROM customers_customer WHERE code LIKE 'FB%%'
)
INSERT INTO billing_invoice (
    kind, status, number, customer_id, billing_group, issue_date, due_date, notes,
    customer_name, customer_code, customer_kind, billing_address, customer_siren,
    customer_vat_number, site_addresses, payment_terms_days, late_penalty_rate, total_net,
    total_vat, total_gross, vat_breakdown, amount_due, pdf, needs_posting, created_at,
    updated_at, issued_at, debit_mandate_rum
)
SELECT 'invoice', 'issued', %(prefix)s || lpad(c.position::text, 7, '0'), c.id, 'A',
       current_date - 30 - (c.position %% 30)::int, current_date - (c.position %% 30)::int, '',
       c.name, c.code, c.kind, '1 avenue des Factures' || chr(10) || '44000 Nantes', '', '',
       '[]'::jsonb, 30, 10.00, net, round(net * 0.2, 2), round(net * 1.2, 2), '[]'::jsonb,
       round(net * 1.2, 2), '', false, now(), now(), now(), ''
FROM customers c, LATERAL (SELECT (40 + (c.position * 7919) %% 4000)::numeric(14, 2) AS net) n
WHERE c.position <= %(debits)s
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sepa_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--debits", type=int, default=DEBITS)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--one-by-one",
        action="store_true",
        help="mesurer aussi l'ancienne transmission (un payment_create par prélèvement)",
    )
    parser.add_argument(
        "--no-notify", action="store_true", help="ne pas mesurer les pré-notifications"
    )
    return parser.parse_args(argv)


def data_ready(args: argparse.Namespace) -> bool:
    from creneau.billing.models import Invoice
    from creneau.payments.models import Mandate

    invoices = Invoice.objects.filter(number__startswith=NUMBER_PREFIX).count()
    mandates = Mandate.objects.filter(rum__startswith=RUM_PREFIX).count()
    return invoices == mandates == args.debits


def _mandates(customers) -> int:
    from django.utils import timezone
    from schwifty import IBAN

    from creneau.payments.models import Mandate

    signed = timezone.localdate() - timedelta(days=400)
    mandates = [
        Mandate(
            customer_id=customer.pk,
            rum=f"{RUM_PREFIX}{customer.code}",
            debtor_name=customer.name,
            iban=str(IBAN.generate("FR", bank_code="30006", account_code=f"{n:011d}")),
            bic="AGRIFRPP",
            signature_date=signed,
            signature_place="Nantes",
        )
        for n, customer in enumerate(customers, start=1)
    ]
    return len(Mandate.objects.bulk_create(mandates, batch_size=5000))


def generate(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    from bench.invoicing_data import bench_customers
    from creneau.customers.models import Customer
    from creneau.payments.models import Mandate

    started = time.perf_counter()
    reset_batches()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_invoice WHERE number LIKE %s", [NUMBER_PREFIX + "%"])
    Mandate.objects.filter(rum__startswith=RUM_PREFIX).delete()
    bench_customers(count=args.debits)
    customers = list(Customer.objects.filter(code__startswith="FB").order_by("id")[: args.debits])
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE customers_customer SET email = lower(code) || '@example.com' "
                "WHERE code LIKE 'FB%%'"
            )
            cursor.execute(INVOICES_SQL, {"prefix": NUMBER_PREFIX, "debits": args.debits})
        _mandates(customers)
    with connection.cursor() as cursor:
        for table in ("billing_invoice", "payments_mandate", "customers_customer"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"  {args.debits} clients, mandats et factures générés en "
        f"{time.perf_counter() - started:.0f} s"
    )


def reset_batches() -> None:
    """No batch: each run debits the same invoices again."""
    from django.db import connection

    from creneau.core.models import OutboxEmail
    from creneau.payments.models import SepaBatch

    for batch in SepaBatch.objects.all():
        if batch.xml:
            batch.xml.delete(save=False)
    SepaBatch.objects.all().delete()
    OutboxEmail.objects.filter(subject__startswith="Prélèvement SEPA").delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE payments_sepabatchitem")


def _company_ready() -> None:
    from creneau.core.models import Company

    company = Company.load()
    company.sepa_creditor_id = "FR78ZZZ123456"
    company.iban, company.bic = "FR7630006000011234567890189", "AGRIFRPP"
    company.sepa_pain_version = "pain.008.001.02"
    company.save()


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


class _Rollback(Exception):
    """Leaves the timed transmission's transaction: the invoices stay due for the next run."""


def _transmit_timed(transmit, batch, director, profile: bool) -> float:
    """Time `transmit` on the batch (the whole transaction, commit excepted), then undo it."""
    from django.db import transaction

    elapsed = 0.0
    try:
        with transaction.atomic():
            _result, elapsed = _timed(lambda: transmit(batch=batch, by=director), profile)
            raise _Rollback
    except _Rollback:
        pass
    return elapsed


def _transmit_lines(batch, director, args: argparse.Namespace) -> list[str]:
    """« Marquer comme transmis » on the batch: the set-based path and, with --one-by-one,
    the one payment at a time path it replaced (payment_create per debit), each rolled
    back."""
    from creneau.payments import sepa_collect

    lines = []
    paths = [("en bloc", sepa_collect.sepa_batch_transmit)]
    if args.one_by_one:
        paths.append(("un par un (ancien)", sepa_collect.sepa_batch_transmit_one_by_one))
    for label, transmit in paths:
        elapsed = _transmit_timed(transmit, batch, director, args.profile)
        lines.append(
            f"Marquer comme transmis ({label}) : {batch.item_count} règlements SEPA, "
            f"affectations, écritures au journal en {elapsed:.2f} s"
        )
        print(lines[-1], flush=True)
    return lines


def run_bench(args: argparse.Namespace) -> list[str]:
    from django.db import connection
    from django.utils import timezone

    from bench.generate import bench_users
    from creneau.payments.sepa_batches import sepa_batch_create, sepa_batch_xml
    from creneau.payments.sepa_calendar import next_target_business_day
    from creneau.payments.sepa_notify import sepa_prenotifications_queue
    from creneau.payments.sepa_xml import pain_errors

    director, _reps = bench_users()
    _company_ready()
    reset_batches()
    day = next_target_business_day(timezone.localdate() + timedelta(days=2))
    batch, elapsed = _timed(
        lambda: sepa_batch_create(collection_date=day, by=director, notify=False), args.profile
    )
    content = sepa_batch_xml(batch)
    assert pain_errors(content, batch.pain_version) == []
    verdict = "ok" if elapsed <= TARGET_S else "MANQUÉE"
    lines = [
        f"Remise du {day:%d/%m/%Y} : {batch.item_count} prélèvements, {batch.total} €, "
        f"fichier {batch.pain_version} de {len(content) / 1e6:.1f} Mo valide (XSD) ; de la "
        f"proposition au fichier enregistré en {elapsed:.2f} s "
        f"(cible ≤ {TARGET_S:.0f} s : {verdict})"
    ]
    print(lines[-1], flush=True)
    lines.extend(_transmit_lines(batch, director, args))
    if args.no_notify:
        lines.append(f"PostgreSQL {connection.pg_version // 10000}")
        return lines
    emails, notify_s = _timed(
        lambda: sepa_prenotifications_queue(batch_id=batch.pk, by=director), False
    )
    lines.append(f"Pré-notifications (après validation) : {emails} e-mails en {notify_s:.1f} s")
    print(lines[-1], flush=True)
    lines.append(f"PostgreSQL {connection.pg_version // 10000}")
    return lines


def main(argv: list[str]) -> int:
    url = configure_environment(os.environ.get("BENCH_SEPA_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.management import call_command

    from bench import report

    args = parse_args(argv)
    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    if args.regenerate or not data_ready(args):
        print(f"Génération de {args.debits} clients avec mandat et facture…")
        generate(args)
    machine = report.machine()
    print(f"Machine : {machine}")
    lines = run_bench(args)
    paths = report.save_lines("sepa", lines, machine)
    print("Résultats : " + ", ".join(str(path) for path in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
