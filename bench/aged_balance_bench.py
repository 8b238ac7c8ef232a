"""Aged balance bench (issue 12): the balance âgée over a million invoices and a million
payments.

    .venv/bin/python -m bench.aged_balance_bench [--invoices 1000000] [--payments 1000000]
        [--requests 20] [--past 30,365] [--regenerate] [--explain]

On PostgreSQL only, in a database of its own: BENCH_AGED_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_aged (created and migrated if
missing), filled once by bench/aged_balance_data.py (about 1,060,000 documents, 20,000
customers, 1,000,000 payments with their allocations), then reused.

Each run times, for today and for past dates (`--past`: 30 and 365 days ago by default):
- the selector alone: the first page with the count and totals (one query);
- the page /payments/aged-balance/ and GET /api/v1/reports/aged-balance, through Django's
  test client as direction;
target: p95 <= 1 s. It also checks the past dates' totals against a direct computation
over every invoice (the definition, in one plain SQL query), and prints the gap (0,00 €).
Figures are printed (never asserted) and saved in bench/results/aged-balance-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bench.database import configure_environment, database_create_if_missing
from bench.figures import Percentiles, print_grid

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_aged"
TARGET_MS = 1000.0
INVOICES = 1_000_000
PAYMENTS = 1_000_000
PAGE_URL = "/payments/aged-balance/"
API_URL = "/api/v1/reports/aged-balance"

# What was due at a date, by its definition (docs/payments.md), over every invoice: what
# the selector's shortcut (today's amounts corrected for what happened since) must equal.
DIRECT_SQL = """
SELECT COALESCE(SUM(GREATEST(i.total_gross - COALESCE(c.total, 0) - COALESCE(a.total, 0), 0)), 0)
FROM billing_invoice i
LEFT JOIN (
    SELECT credited_invoice_id AS id, SUM(total_gross) AS total FROM billing_invoice
    WHERE kind = 'credit_note' AND status <> 'draft' AND issue_date <= %(as_of)s
    GROUP BY credited_invoice_id
) c ON c.id = i.id
LEFT JOIN (
    SELECT al.invoice_id AS id, SUM(al.amount) AS total
    FROM payments_paymentallocation al JOIN payments_payment p ON p.id = al.payment_id
    WHERE p.date <= %(as_of)s AND p.reversal_of_id IS NULL AND NOT EXISTS (
        SELECT 1 FROM payments_payment r WHERE r.reversal_of_id = p.id AND r.date <= %(as_of)s)
    GROUP BY al.invoice_id
) a ON a.id = i.id
WHERE i.kind = 'invoice' AND i.status <> 'draft' AND i.issue_date <= %(as_of)s
"""


@dataclass
class Figure(Percentiles):
    case: str
    times_ms: list[float]

    @property
    def verdict(self) -> str:
        return f"p95 ≤ {TARGET_MS:.0f} ms : {'ok' if self.p95 <= TARGET_MS else 'MANQUÉ'}"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.aged_balance_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--invoices", type=int, default=INVOICES)
    parser.add_argument("--payments", type=int, default=PAYMENTS)
    parser.add_argument("--requests", type=int, default=20, help="mesures par cas")
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE des requêtes")
    parser.add_argument(
        "--past", default="30,365", help="dates passées, en jours avant aujourd'hui (30,365)"
    )
    return parser.parse_args(argv)


def timed(run, requests: int) -> list[float]:
    run()  # warm-up: plans and caches, as a running server has them
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def runners(director, as_of: date | None):
    from django.test import Client

    from creneau.core.services import api_token_create
    from creneau.payments.aged import AgedFilters, aged_balance

    params = {"as_of": as_of.isoformat()} if as_of else {}
    page_client = Client()
    page_client.force_login(director)
    api_client = Client()
    headers = {"Authorization": f"Bearer {api_token_create(user=director, name='bench')}"}

    def selector():
        balance = aged_balance(user=director, filters=AgedFilters(as_of=as_of))
        balance.page(1, 50)
        balance.totals()

    def page():
        response = page_client.get(PAGE_URL, params)
        assert response.status_code == 200, response.status_code

    def api():
        response = api_client.get(API_URL, params, headers=headers)
        assert response.status_code == 200, response.status_code

    return {"sélecteur": selector, "page": page, "api": api}


def gap_to_definition(director, as_of: date) -> tuple[Decimal, Decimal]:
    """The selector's grand total at `as_of`, and its gap to the direct computation."""
    from django.db import connection

    from creneau.payments.aged import AgedFilters, aged_balance

    total = aged_balance(user=director, filters=AgedFilters(as_of=as_of)).totals()[1].total
    with connection.cursor() as cursor:
        cursor.execute(DIRECT_SQL, {"as_of": as_of})
        direct = cursor.fetchone()[0]
    return total, total - direct


def explain(director, as_of: date | None) -> None:
    from django.db import connection

    from creneau.payments.aged import AgedFilters, aged_balance

    balance = aged_balance(user=director, filters=AgedFilters(as_of=as_of))
    grouped, params = balance._grouped()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM ({grouped}) g", params)
        print("\n".join(row[0] for row in cursor.fetchall()))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = configure_environment(os.environ.get("BENCH_AGED_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench import report
    from bench.aged_balance_data import aged_generate, data_ready
    from bench.generate import bench_users

    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    if args.regenerate or not data_ready(args.invoices, args.payments):
        print(f"Génération de {args.invoices} factures et {args.payments} règlements…")
        aged_generate(args.invoices, args.payments, log=lambda line: print(line, flush=True))
    director, _reps = bench_users()
    machine = report.machine()
    print(f"Machine : {machine}", flush=True)
    today = timezone.localdate()
    dates = {"aujourd'hui": None}
    for days in (int(value) for value in args.past.split(",") if value.strip()):
        dates[f"il y a {days} jours"] = today - timedelta(days=days)
    figures, notes = [], []
    for label, as_of in dates.items():
        if args.explain:
            explain(director, as_of)
        for path, run in runners(director, as_of).items():
            figure = Figure(f"{label}, {path}", timed(run, args.requests))
            figures.append(figure)
            print(f"  {figure.case} : p50 {figure.p50:.0f} ms, p95 {figure.p95:.0f} ms", flush=True)
        if as_of is not None:
            total, gap = gap_to_definition(director, as_of)
            notes.append(f"{label} : total {total} €, écart au calcul direct {gap} €")
    rows = [[figure.case, str(len(figure.times_ms)), f"{figure.p50:.0f}", f"{figure.p95:.0f}",
             f"{max(figure.times_ms):.0f}", figure.verdict] for figure in figures]  # fmt: skip
    print_grid(["cas", "n", "p50 ms", "p95 ms", "max ms", "cible"], rows, notes)
    print(f"Résultats : {save(figures, notes, machine)}")
    return 0


def save(figures: list[Figure], notes: list[str], machine: str):
    from bench.report import RESULTS_DIR

    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    data = {
        "date": stamp, "machine": machine, "notes": notes,
        "figures": [
            {"case": figure.case, "n": len(figure.times_ms), "p50_ms": round(figure.p50, 1),
             "p95_ms": round(figure.p95, 1), "max_ms": round(max(figure.times_ms), 1),
             "target_ms": TARGET_MS}
            for figure in figures
        ],
    }  # fmt: skip
    path = RESULTS_DIR / f"aged-balance-{stamp}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
