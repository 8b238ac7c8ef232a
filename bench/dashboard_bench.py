"""Dashboard bench (issue 15): the page / of direction over a million invoices, a million
payments and 1,300,000 visits.

    .venv/bin/python -m bench.dashboard_bench [--requests 20] [--regenerate] [--explain]

On PostgreSQL only, in a database of its own: BENCH_DASHBOARD_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_dashboard_bench (created and migrated if
missing), filled once by bench/aged_balance_data.py (invoices, payments) and
bench/dashboard_data.py (visits), then reused.

Cases, each timed `--requests` times through Django's test client as direction:
- cached: the page again, nothing written (the versions read, every series from the cache);
- after a payment: a real payment_create (dated today, or back-dated a month), allocated to
  an open invoice, before each request: the collections (today's, or every day's for the
  back-dated one) and the amounts due are recomputed;
- after an invoice: a credit note's version bump (INVOICES) before each request: the
  revenue and the amounts due are recomputed;
- after a visit: a visit's status changed before each request: the hours and the served
  customers are recomputed;
- in the morning: the cache emptied, then the night's task (dashboard.tasks) run;
- cold: the cache emptied before each request: everything is computed;
- a closed month (the month before), cold; the API (GET /api/v1/dashboard), cold.
Target: p95 <= 300 ms. Figures are printed (never asserted) and saved in
bench/results/dashboard-<date>.json. `--explain` prints EXPLAIN ANALYZE of each query of a
cold page.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bench.database import configure_environment, database_create_if_missing
from bench.figures import Percentiles, print_grid

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_dashboard_bench"
TARGET_MS = 300.0
INVOICES = 1_000_000
PAYMENTS = 1_000_000


@dataclass
class Figure(Percentiles):
    case: str
    times_ms: list[float]

    @property
    def verdict(self) -> str:
        return f"p95 ≤ {TARGET_MS:.0f} ms : {'ok' if self.p95 <= TARGET_MS else 'MANQUÉ'}"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--requests", type=int, default=20, help="mesures par cas")
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE des requêtes")
    return parser.parse_args(argv)


def timed(run, requests: int, before=None) -> list[float]:
    run()  # warm-up: plans and caches, as a running server has them
    times = []
    for _ in range(requests):
        if before:
            before()
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def writers():
    """What happens between two requests of each case: a real write, through the services
    where one is cheap to repeat, else the version bump its commit would make."""
    from django.core.cache import cache
    from django.utils import timezone

    from creneau.billing.models import Invoice
    from creneau.core.versions import INVOICES, data_changed
    from creneau.customers.models import Customer
    from creneau.dashboard.tasks import dashboard_warm
    from creneau.payments.models import PaymentMethod
    from creneau.payments.services import payment_create
    from creneau.planning.models import Intervention

    open_invoices = iter(
        Invoice.objects.filter(kind="invoice", status="issued", amount_due__gt=1)
        .order_by("-issue_date")
        .values_list("id", "customer_id")[:1000]
    )
    visit = Intervention.objects.filter(status="done").order_by("-start").first()

    def payment(days_ago: int):
        def write():
            invoice_id, customer_id = next(open_invoices)
            payment_create(
                customer=Customer.objects.get(pk=customer_id),
                by=None,
                amount=Decimal("1.00"),
                method=PaymentMethod.TRANSFER,
                date=timezone.localdate() - timedelta(days=days_ago),
                allocations=[{"invoice_id": invoice_id, "amount": Decimal("1.00")}],
            )

        return write

    def invoice():
        data_changed(INVOICES)  # outside a transaction: bumped at once

    def visit_changed():
        visit.status = "missed" if visit.status == "done" else "done"
        visit.save(update_fields=["status"])

    def night():
        cache.clear()
        dashboard_warm()

    return {
        "après un règlement du jour": payment(0),
        "après un règlement antidaté d'un mois": payment(30),
        "après une facture": invoice,
        "après une intervention": visit_changed,
        "le matin, après la tâche de la nuit": night,
        "à froid (cache vidé)": cache.clear,
    }


def explain_cold(client) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql:
                continue
            started = time.perf_counter()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"--- {query['time']} s ({(time.perf_counter() - started) * 1000:.0f} ms)")
            print(sql[:400])
            print(plan)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = configure_environment(os.environ.get("BENCH_DASHBOARD_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from bench import report
    from bench.aged_balance_data import aged_generate, data_ready
    from bench.dashboard_data import visits_generate, visits_ready
    from bench.generate import bench_users
    from creneau.core.services import api_token_create

    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    # The cases below add payments (a few per run): tolerated, as the invoices' count is.
    from creneau.payments.models import Payment

    payments_there = abs(Payment.objects.count() - PAYMENTS) < PAYMENTS // 50
    if args.regenerate or not (payments_there and data_ready(INVOICES, Payment.objects.count())):
        print(f"Génération de {INVOICES} factures et {PAYMENTS} règlements…")
        aged_generate(INVOICES, PAYMENTS, log=lambda line: print(line, flush=True))
    if args.regenerate or not visits_ready():
        print("Génération des interventions…")
        visits_generate(log=lambda line: print(line, flush=True))
    director, _reps = bench_users()
    machine = report.machine()
    print(f"Machine : {machine}", flush=True)
    client = Client()
    client.force_login(director)
    headers = {"Authorization": f"Bearer {api_token_create(user=director, name='bench')}"}
    month_before = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")

    def page(params=None):
        def run():
            response = client.get("/", params or {})
            assert response.status_code == 200, response.status_code

        return run

    def api():
        response = client.get("/api/v1/dashboard", headers=headers)
        assert response.status_code == 200, response.status_code

    if args.explain:
        explain_cold(client)
    cases = [("page, en cache", page(), None)]
    cases += [(f"page, {label}", page(), write) for label, write in writers().items()]
    cases += [
        (f"page du mois {month_before}, à froid", page({"month": month_before}), cache.clear),
        ("API, à froid", api, cache.clear),
    ]
    figures = []
    for label, run, before in cases:
        figure = Figure(label, timed(run, args.requests, before))
        figures.append(figure)
        print(f"  {figure.case} : p50 {figure.p50:.0f} ms, p95 {figure.p95:.0f} ms", flush=True)
    rows = [[figure.case, str(len(figure.times_ms)), f"{figure.p50:.0f}", f"{figure.p95:.0f}",
             f"{max(figure.times_ms):.0f}", figure.verdict] for figure in figures]  # fmt: skip
    print_grid(["cas", "n", "p50 ms", "p95 ms", "max ms", "cible"], rows, [])
    print(f"Résultats : {save(figures, machine)}")
    return 0


def save(figures: list[Figure], machine: str):
    from bench.report import RESULTS_DIR

    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    data = {
        "date": stamp, "machine": machine,
        "figures": [
            {"case": figure.case, "n": len(figure.times_ms), "p50_ms": round(figure.p50, 1),
             "p95_ms": round(figure.p95, 1), "max_ms": round(max(figure.times_ms), 1),
             "target_ms": TARGET_MS}
            for figure in figures
        ],
    }  # fmt: skip
    path = RESULTS_DIR / f"dashboard-{stamp}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
