"""Invoicing bench (issue 11), except the billing run: issuing one invoice, the invoice list,
the Factur-X PDFs, and verify_journal, over a million invoices.

    .venv/bin/python -m bench.invoicing_bench [--only issue|list|pdf|journal]
        [--invoices 1000000] [--small 10000] [--requests 200] [--pdfs 200] [--regenerate]

On PostgreSQL only, in a database of its own: BENCH_INVOICING_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_invoicing (created and migrated if
missing), filled once with `--invoices` issued invoices and credit notes, their lines and
their chained journal (bench/invoicing_data.py, COPY), then reused. The "small" figure of
(a) runs in a child process on a second database, <name>_10k, regenerated each time with
`--small` invoices.

Each run times:
(a) issuing one manual invoice (a draft with one line: invoice_issue, as POST
    /invoices/{id}/issue does), at 10k invoices and at 1M: target p95 <= 20 ms, flat; and,
    for information, the draft's making, its line and its issuing in a row;
(b) the invoice list filtered by a period and a status, first page and count: the page
    /invoices/ through Django's test client when it exists (list_page_runner), else the
    same reads without the template (list_queryset_runner): target p95 <= 100 ms;
(c) invoice PDFs with their Factur-X XML, creneau.billing.documents.invoice_pdf_bytes, on
    2 processes: target >= 40 per second;
(d) manage.py verify_journal over the whole journal: its time and its memory.

Figures are printed (never asserted) and saved in bench/results/invoicing-<date>.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.database import configure_environment, database_create_if_missing
from bench.figures import Percentiles, print_grid

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_invoicing"
INVOICES = 1_000_000
SMALL = 10_000
TARGET_ISSUE_MS = 20.0
TARGET_LIST_MS = 100.0
TARGET_PDFS_PER_SECOND = 40.0
LIST_URL = "/invoices/"
PDF_MARK = "bench-pdf"


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
        prog="python -m bench.invoicing_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--only", choices=["issue", "list", "pdf", "journal"])
    parser.add_argument("--invoices", type=int, default=INVOICES)
    parser.add_argument("--small", type=int, default=SMALL, help="(a) mesuré aussi à ce nombre")
    parser.add_argument("--requests", type=int, default=200, help="mesures par cas")
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--regenerate", action="store_true", help="régénérer les factures")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def ensure_data(total: int, regenerate: bool) -> None:
    from bench import invoicing_data

    if regenerate or not invoicing_data.data_ready(total):
        print(f"Génération de {total} factures…", flush=True)
        invoicing_data.invoicing_generate(total, log=lambda line: print(line, flush=True))
    else:
        print(f"Données présentes : {invoicing_data.generated_count()} factures émises.")


# --- (a) Issuing one manual invoice ----------------------------------------------------


def vat_rate(percent: str):
    from creneau.catalog.defaults import default_vat_rates_ensure
    from creneau.catalog.models import VatRate

    default_vat_rates_ensure(VatRate)
    return VatRate.objects.filter(rate=Decimal(percent)).order_by("position", "id").first()


def draft_one(customer, by, vat_rate):
    """What POST /invoices with one line does: a draft ready to issue."""
    from creneau.billing.services import invoice_create, invoice_line_add

    invoice = invoice_create(customer=customer, by=by)
    invoice_line_add(
        invoice=invoice, by=by, line_type="free", description="Intervention ponctuelle",
        quantity=Decimal(2), unit_price=Decimal("45.50"), vat_rate=vat_rate,
    )  # fmt: skip
    return invoice


def time_issue(requests: int, *, whole: bool = False) -> Figure:
    """Issuing a manual draft (POST /invoices/{id}/issue: number, frozen copy, journal),
    or, `whole`, the draft's making and its line too (three calls in a row)."""
    from bench.generate import bench_users
    from bench.invoicing_data import CUSTOMER_PREFIX
    from creneau.billing.services import invoice_issue
    from creneau.customers.models import Customer

    director, _reps = bench_users()
    rate = vat_rate("20")
    customers = list(Customer.objects.filter(code__startswith=CUSTOMER_PREFIX).order_by("?")[:50])
    for customer in customers[:10]:  # warm-up
        invoice_issue(invoice=draft_one(customer, director, rate), by=director)
    times = []
    for number in range(requests):
        customer = customers[number % len(customers)]
        started = time.perf_counter()
        draft = draft_one(customer, director, rate)
        if not whole:
            started = time.perf_counter()
        invoice_issue(invoice=draft, by=director)
        times.append((time.perf_counter() - started) * 1000)
    count = f"{_issued_count():,}".replace(",", " ")
    if whole:
        return Figure(f"créer, ajouter une ligne, émettre ({count} en base)", times)
    return Figure(f"émettre une facture ({count} en base)", times, TARGET_ISSUE_MS)


def _issued_count() -> int:
    from creneau.billing.models import Invoice

    return Invoice.objects.exclude(status=Invoice.Status.DRAFT).count()


def time_issue_small(args: argparse.Namespace) -> Figure | str:
    """(a) at `--small` invoices, in a child process on the <database>_10k database."""
    url = os.environ.get("BENCH_INVOICING_DATABASE_URL", DEFAULT_URL) + "_10k"
    environment = {**os.environ, "BENCH_INVOICING_DATABASE_URL": url}
    command = [
        sys.executable,
        "-m",
        "bench.invoicing_bench",
        "--child",
        "--only",
        "issue",
        "--invoices",
        str(args.small),
        "--requests",
        str(args.requests),
        "--regenerate",
    ]
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        return f"(a) à {args.small} factures : échec\n{completed.stderr[-2000:]}"
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    return Figure(data["case"], data["times_ms"], TARGET_ISSUE_MS)


# --- (b) The invoice list --------------------------------------------------------------

LIST_FILTERS = [
    {"period": "last_month", "status": "issued"},
    {"period": "this_year", "status": "paid"},
    {"period": "this_month", "status": "issued"},
    {"period": "this_year", "status": "cancelled"},
    {"period": "last_month", "status": "paid", "page": "3"},
    {"period": "custom", "start": "2025-01-01", "end": "2025-03-31", "status": "partially_paid"},
]


def _period(params: dict, today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    if params.get("start"):
        return date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    if params.get("period") == "this_month":
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if params.get("period") == "last_month":
        last = first - timedelta(days=1)
        return last.replace(day=1), last
    return date(today.year, 1, 1), date(today.year, 12, 31)


def list_queryset_runner(user):
    """The list's reads without its page: the visible invoices filtered by period and
    status, newest first, the first page (25) and the count. Used until /invoices/ exists;
    list_page_runner replaces it then, by itself."""
    from django.contrib.auth.models import User
    from django.core.paginator import Paginator
    from django.utils import timezone

    from creneau.billing.selectors import invoices_visible_to

    def run(params: dict) -> int:
        fresh = User.objects.get(pk=user.pk)  # a request loads its user afresh
        start, end = _period(params, timezone.localdate())
        invoices = (
            invoices_visible_to(fresh)
            .filter(issue_date__gte=start, issue_date__lte=end, status=params["status"])
            .select_related("customer")
            .order_by("-issue_date", "-id")
        )
        page = Paginator(invoices, 25).get_page(params.get("page"))
        list(page.object_list)
        return page.paginator.count

    return run


def list_page_runner(user):
    """GET /invoices/?period=…&status=… through the test client, or None if it is absent."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    if client.get(LIST_URL, LIST_FILTERS[0]).status_code == 404:
        return None

    def run(params: dict) -> None:
        response = client.get(LIST_URL, params)
        if response.status_code != 200:
            raise RuntimeError(f"{LIST_URL} {params}: HTTP {response.status_code}")

    return run


def time_list(requests: int) -> list[Figure]:
    from bench.generate import bench_users
    from bench.timing import measure

    director, reps = bench_users()
    figures = []
    for label, user in (("direction", director), ("commercial", reps[0])):
        run, way = list_page_runner(user), f"page {LIST_URL}"
        if run is None:
            run, way = list_queryset_runner(user), "requêtes de la liste (page absente)"
        times, _ = measure(run, LIST_FILTERS, requests)
        figures.append(Figure(f"liste filtrée période + statut, {label} ({way})", times,
                              TARGET_LIST_MS))  # fmt: skip
    return figures


# --- (c) PDFs with Factur-X ------------------------------------------------------------


def pdf_invoices(count: int) -> list[int]:
    """`count` invoices of 6 lines at two VAT rates, issued by the services (made once,
    recognised by their notes)."""
    from bench.generate import bench_users
    from bench.invoicing_data import CUSTOMER_PREFIX
    from creneau.billing.models import Invoice
    from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
    from creneau.customers.models import Customer

    existing = list(
        Invoice.objects.filter(notes=PDF_MARK).order_by("id").values_list("id", flat=True)
    )
    director, _reps = bench_users()
    customers = list(Customer.objects.filter(code__startswith=CUSTOMER_PREFIX).order_by("id")[:100])
    rates = [vat_rate("20"), vat_rate("10")]
    for index in range(len(existing), count):
        invoice = invoice_create(customer=customers[index % len(customers)], by=director,
                                 notes=PDF_MARK)  # fmt: skip
        for position in range(6):
            invoice_line_add(
                invoice=invoice, by=director, line_type="free",
                description=f"Entretien des bureaux - {position + 4} passages (03, 06, 10…/11)",
                quantity=Decimal(position + 4), unit_price=Decimal("26.50"),
                vat_rate=rates[position % 2],
            )  # fmt: skip
        invoice_issue(invoice=invoice, by=director)
        existing.append(invoice.pk)
    return existing[:count]


def _pdf_worker_init() -> None:
    from django.db import connections

    connections.close_all()


def _render(invoice_id: int) -> int:
    from creneau.billing.documents import invoice_pdf_bytes
    from creneau.billing.models import Invoice

    invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
    return len(invoice_pdf_bytes(invoice=invoice))


def time_pdfs(count: int, workers: int) -> str:
    try:
        from creneau.billing.documents import invoice_pdf_bytes  # noqa: F401
    except ImportError:
        return "(c) PDF Factur-X ignoré : creneau.billing.documents.invoice_pdf_bytes absent"
    from django.db import connections

    ids = pdf_invoices(count)
    connections.close_all()
    with ProcessPoolExecutor(max_workers=workers, initializer=_pdf_worker_init) as pool:
        list(pool.map(_render, ids[: workers * 2]))  # warm-up: fonts, templates, XSD
        started = time.perf_counter()
        sizes = list(pool.map(_render, ids, chunksize=4))
        elapsed = time.perf_counter() - started
    rate = len(sizes) / elapsed
    met = "ok" if rate >= TARGET_PDFS_PER_SECOND else "MANQUÉ"
    return (
        f"(c) PDF Factur-X : {len(sizes)} factures de 6 lignes en {elapsed:.1f} s sur {workers} "
        f"processus : {rate:.1f} PDF/s (cible ≥ {TARGET_PDFS_PER_SECOND:.0f} : {met}), "
        f"{sum(sizes) / len(sizes) / 1024:.0f} Ko en moyenne"
    )


# --- (d) verify_journal ----------------------------------------------------------------


def time_journal() -> str:
    """manage.py verify_journal in a process of its own: its time and its peak memory."""
    import resource

    from django.conf import settings

    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", "verify_journal"],
        cwd=Path(settings.BASE_DIR), env=dict(os.environ), capture_output=True, text=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    said = (completed.stdout + completed.stderr).strip().splitlines()
    return (
        f"(d) verify_journal : {elapsed:.1f} s (processus entier, démarrage de Django compris), "
        f"pic de mémoire {peak_mb:.0f} Mo, code de sortie {completed.returncode} ; il dit : "
        f"{said[-1] if said else ''}"
    )


# --- Main ------------------------------------------------------------------------------


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
    path = RESULTS_DIR / f"invoicing-{stamp}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = configure_environment(os.environ.get("BENCH_INVOICING_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.management import call_command

    from bench import report

    call_command("migrate", verbosity=0, interactive=False)
    if args.child:  # (a) on the small database: its figure as one JSON line
        with _quiet():
            ensure_data(args.invoices, args.regenerate)
        figure = time_issue(args.requests)
        print(json.dumps({"case": figure.case, "times_ms": figure.times_ms}))
        return 0
    print(f"Base : {url}{' (créée)' if created else ''}")
    ensure_data(args.invoices, args.regenerate)
    machine = report.machine()
    print(f"Machine : {machine}", flush=True)
    parts = [args.only] if args.only else ["issue", "list", "pdf", "journal"]
    figures: list[Figure] = []
    lines: list[str] = []
    gc.freeze()  # as a server process does after loading
    if "issue" in parts:
        small = time_issue_small(args)
        (figures.append if isinstance(small, Figure) else lines.append)(small)
        figures.append(time_issue(args.requests))
        figures.append(time_issue(args.requests, whole=True))
    if "list" in parts:
        figures += time_list(args.requests)
    if "pdf" in parts:
        lines.append(time_pdfs(args.pdfs, args.workers))
        print(lines[-1], flush=True)
    if "journal" in parts:
        lines.append(time_journal())
        print(lines[-1], flush=True)
    rows = [[figure.case, str(len(figure.times_ms)), f"{figure.p50:.1f}", f"{figure.p95:.1f}",
             f"{max(figure.times_ms):.1f}", figure.verdict] for figure in figures]  # fmt: skip
    print_grid(["cas", "n", "p50 ms", "p95 ms", "max ms", "cible"], rows, lines)
    print(f"Résultats : {save(lines, figures, machine)}")
    return 0


class _quiet:
    """Send prints elsewhere (the child's stdout carries only its JSON line)."""

    def __enter__(self):
        self.stdout, sys.stdout = sys.stdout, sys.stderr

    def __exit__(self, *exc):
        sys.stdout = self.stdout


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
