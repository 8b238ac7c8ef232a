"""Payments bench (issue 12): the record's "Factures et règlements" tab of a customer with
40,000 invoices, and the customer list filtered "en retard" at 100,000 customers.

    .venv/bin/python -m bench.payments_bench [--only tab|list] [--requests 200]
        [--regenerate] [--explain]

On PostgreSQL only, in a database of its own: BENCH_PAYMENTS_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_payments (created and migrated if
missing), filled once (bench/payments_data.py: customers by bench/generate.py, invoices and
payments by INSERT ... SELECT) and reused.

Each run times, through Django's test client, after one untimed round:
(a) GET /payments/customer/<pk>/ as the record's tab loads it (HTMX), for the customer
    with 40,000 invoices (and 37,000 payments): target p95 <= 150 ms; its queries are
    counted and compared with a customer of 6 invoices (the count must be the same);
(b) GET /customers/?balance=overdue and ?overdue_days=30 (and a name search filtered
    "en retard"), for the direction (100,000 customers) and a sales rep: target p95 <= 50 ms.
`--explain` prints EXPLAIN ANALYZE of each query of (a) and (b) instead.

Figures are printed (never asserted) and saved in bench/results/payments-<date>.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench.database import configure_environment, database_create_if_missing
from bench.figures import Percentiles, print_grid

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_payments"
TARGET_TAB_MS = 150.0
TARGET_LIST_MS = 50.0
HTMX_TAB = {"HX-Request": "true", "HX-Target": "record-pane"}
LIST_URL = "/customers/"
# (case, params in turn, target): "avec un solde" is timed for information.
LIST_CASES = [
    ("liste filtrée « en retard »", [{"balance": "overdue"}], TARGET_LIST_MS),
    ("liste « en retard de plus de 30 jours »", [{"overdue_days": "30"}], TARGET_LIST_MS),
    (
        "recherche + « en retard » (martin, dupont...)",
        [{"q": name, "balance": "overdue"} for name in ("martin", "dupont", "bernard", "petit")],
        TARGET_LIST_MS,
    ),
    ("liste « avec un solde »", [{"balance": "due"}], None),
    ("liste sans filtre (référence, même charge)", [{}], None),
]


@dataclass
class Figure(Percentiles):
    case: str
    times_ms: list[float]
    target_ms: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return "—"
        met = self.p95 <= self.target_ms
        return f"p95 ≤ {self.target_ms:.0f} ms : {'ok' if met else 'MANQUÉ'}"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.payments_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--only", choices=["tab", "list"])
    parser.add_argument("--requests", type=int, default=200, help="mesures par cas")
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE des requêtes")
    return parser.parse_args(argv)


def ensure_data(regenerate: bool) -> None:
    from bench import generate, payments_data

    if regenerate or not generate.data_ready():
        print(f"Génération de {generate.CUSTOMERS} clients…", flush=True)
        generate.generate(log=lambda line, **kw: print(line, flush=True, **kw))
        regenerate = True
    if regenerate or not payments_data.data_ready():
        print("Génération des factures et des règlements…", flush=True)
        payments_data.payments_generate(log=lambda line: print(line, flush=True))
    else:
        print("Données présentes.")


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _get(client, url: str, params: dict, headers: dict | None = None) -> None:
    response = client.get(url, params, headers=headers or {})
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params}: HTTP {response.status_code}")


def _queries(client, url: str, params: dict, headers: dict | None = None) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _get(client, url, params, headers)
    return [query["sql"] for query in captured.captured_queries]


def small_customer():
    """A customer of the same rep with a few invoices, to compare the query counts."""
    from django.db.models import Count

    from bench.payments_data import big_customer
    from creneau.customers.models import Customer

    big = big_customer()
    return (
        Customer.objects.filter(sales_rep=big.sales_rep, kind=big.kind)
        .exclude(pk=big.pk)
        .annotate(count=Count("invoices"))
        .filter(count__gte=6)
        .order_by("id")
        .first()
    )


def time_tab(requests: int) -> tuple[list[Figure], list[str]]:
    from bench.generate import bench_users
    from bench.payments_data import big_customer
    from bench.timing import measure

    director, _reps = bench_users()
    client = _client(director)
    big, small = big_customer(), small_customer()
    url = f"/payments/customer/{big.pk}/"
    figures, lines = [], []
    for label, params in (
        ("onglet Factures et règlements, 40 000 factures (HTMX)", [{}]),
        ("le même, page 1 000 des règlements", [{"payments_page": "1000"}]),
    ):
        times, _ = measure(lambda query: _get(client, url, query, HTMX_TAB), params, requests)
        figures.append(Figure(label, times, TARGET_TAB_MS))
        print(f"  {label} : p95 {figures[-1].p95:.1f} ms", flush=True)
    full = f"/customers/{big.pk}/"
    times, _ = measure(lambda query: _get(client, full, query), [{"tab": "invoices"}], 50)
    figures.append(Figure("fiche client entière ouverte sur l'onglet (pour information)", times))
    counts = {
        "40 000 factures": len(_queries(client, url, {}, HTMX_TAB)),
        f"{small.invoices.count()} factures": len(
            _queries(client, f"/payments/customer/{small.pk}/", {}, HTMX_TAB)
        ),
    }
    flat = "égal" if len(set(counts.values())) == 1 else "DIFFÉRENT"
    lines.append(
        "(a) requêtes de l'onglet : "
        + ", ".join(f"{count} pour {label}" for label, count in counts.items())
        + f" ({flat})"
    )
    print(lines[-1], flush=True)
    return figures, lines


def time_list(requests: int) -> tuple[list[Figure], list[str]]:
    from bench.generate import bench_users
    from bench.timing import measure, selector_runner

    director, reps = bench_users()
    figures, lines = [], []
    for user_label, user in (("direction", director), ("commercial", reps[0])):
        client = _client(user)
        for label, params, target in LIST_CASES:
            times, _ = measure(
                lambda query, client=client: _get(client, LIST_URL, query), params, requests
            )
            figures.append(Figure(f"{label}, {user_label} (page)", times, target))
            print(f"  {figures[-1].case} : p95 {figures[-1].p95:.1f} ms", flush=True)
        run = selector_runner(user)
        for label, params, _target in LIST_CASES[:2]:
            _times, matches = measure(run, params, 1)
            lines.append(f"(b) {label}, {user_label} : {matches[0]} clients")
    return figures, lines


def explain() -> None:
    """EXPLAIN ANALYZE of every SELECT that the tab and the filtered list make."""
    from django.db import connection

    from bench.generate import bench_users
    from bench.payments_data import big_customer

    director, _reps = bench_users()
    client = _client(director)
    asked = [
        (f"/payments/customer/{big_customer().pk}/", {}, HTMX_TAB),
        *[(LIST_URL, params[0], None) for _label, params, _target in LIST_CASES[:2]],
    ]
    with connection.cursor() as cursor:
        for url, params, headers in asked:
            print(f"\n=== {url} {params}")
            for sql in _queries(client, url, params, headers):
                if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql:
                    continue
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = [row[0] for row in cursor.fetchall()]
                print(f"\n-- {sql[:400]}\n" + "\n".join(plan))


def save(lines: list[str], figures: list[Figure], machine: str) -> Path:
    from bench.report import RESULTS_DIR

    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    data = {
        "date": stamp, "machine": machine, "lines": lines,
        "figures": [
            {"case": figure.case, "n": len(figure.times_ms), "p50_ms": round(figure.p50, 2),
             "p95_ms": round(figure.p95, 2), "max_ms": round(max(figure.times_ms), 2),
             "target_ms": figure.target_ms}
            for figure in figures
        ],
    }  # fmt: skip
    path = RESULTS_DIR / f"payments-{stamp}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = configure_environment(os.environ.get("BENCH_PAYMENTS_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    from bench import report

    logging.getLogger("django.request").setLevel(logging.ERROR)
    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    ensure_data(args.regenerate)
    if args.explain:
        explain()
        return 0
    machine = report.machine()
    print(f"Machine : {machine}", flush=True)
    gc.freeze()  # as a server process does after loading (config/wsgi.py)
    figures: list[Figure] = []
    lines: list[str] = []
    if args.only in (None, "tab"):
        more, said = time_tab(args.requests)
        figures, lines = figures + more, lines + said
    if args.only in (None, "list"):
        more, said = time_list(args.requests)
        figures, lines = figures + more, lines + said
    rows = [[figure.case, str(len(figure.times_ms)), f"{figure.p50:.1f}", f"{figure.p95:.1f}",
             f"{max(figure.times_ms):.1f}", figure.verdict] for figure in figures]  # fmt: skip
    print_grid(["cas", "n", "p50 ms", "p95 ms", "max ms", "cible"], rows, lines)
    print(f"Résultats : {save(lines, figures, machine)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
