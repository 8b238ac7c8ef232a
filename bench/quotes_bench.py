"""Quotes benchmark: PDFs per second, and the quote list page with 100,000 quotes.

    .venv/bin/python -m bench.quotes_bench [--pdfs 200] [--quotes 100000] [--rounds 20]

- Renders `--pdfs` different quotes of 10 catalogue lines (each with its service image)
  with the real renderer, in one process per core (the way web and task workers render
  them side by side), after a warm-up; prints PDFs per second, and the time of one PDF in
  one process. Target: >= 10 PDFs/s on a 2-core machine.
- Times the quote list page (Django's test client, in process: no network, no server)
  over a PostgreSQL database holding `--quotes` quotes, for direction (every quote) and
  a sales rep (its portfolio), across filters, sorts and pages; prints p50 and p95.
  Target: p95 <= 100 ms.

The database is DATABASE_URL, by default postgresql://postgres@127.0.0.1:5432/
creneau_bench_quotes: created and migrated if missing, filled by bulk insert the first
time, then reused (the data are recognised by their count). Its files (service images)
go under var/bench_quotes_files. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_quotes"
PDF_MARK = "bench-pdf"
LINES_PER_PDF = 10
CUSTOMERS = 5_000
REPS = 10


def setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("PRIVATE_FILES_ROOT", str(ROOT / "var" / "bench_quotes_files"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    _create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Figures as in production: no query log, no debug pages. The test client's host is
    # allowed; its template instrumentation (setup_test_environment) is left out.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0, interactive=False)


def _create_database(url: str) -> None:
    """CREATE DATABASE for a PostgreSQL URL whose database does not exist yet."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


# --- Data ------------------------------------------------------------------------------


def bench_users():
    from django.contrib.auth.models import Group, User

    from creneau.core.roles import Role

    def user(username: str, role: str) -> User:
        found, created = User.objects.get_or_create(username=username)
        if created:
            found.set_unusable_password()
            found.save()
            found.groups.add(Group.objects.get(name=role))
        return found

    direction = user("bench-direction", Role.DIRECTION)
    reps = [user(f"bench-rep-{n}", Role.SALES) for n in range(1, REPS + 1)]
    return direction, reps


def ensure_list_data(total: int) -> None:
    """100,000 quotes (by default) over 5,000 customers of 10 reps, bulk inserted once."""
    from creneau.quotes.models import Quote

    existing = Quote.objects.exclude(notes=PDF_MARK).count()
    if existing >= total:
        print(f"list data: {existing} quotes already there, reused")
        return
    started = time.perf_counter()
    _, reps = bench_users()
    customers = _bulk_customers(reps)
    _bulk_quotes(customers, total - existing)
    print(f"list data: {total} quotes generated in {time.perf_counter() - started:.0f} s")


def _bulk_customers(reps) -> list[int]:
    from creneau.customers.models import Customer
    from creneau.customers.selectors import normalise_search_text

    have = Customer.objects.filter(code__startswith="B").count()
    cities = [("69003", "Lyon"), ("75011", "Paris"), ("13006", "Marseille"), ("33000", "Bordeaux")]
    new = []
    for n in range(have + 1, CUSTOMERS + 1):
        postcode, city = cities[n % len(cities)]
        name = f"Client banc d'essai {n:05d}"
        new.append(
            Customer(
                code=f"B{n:05d}", name=name, street=f"{n} rue du Banc", postcode=postcode,
                city=city, sales_rep=reps[n % len(reps)], accounting_code=f"411B{n:05d}",
                search_text=normalise_search_text(f"{name} B{n:05d} {postcode} {city}"),
            )
        )  # fmt: skip
    Customer.objects.bulk_create(new, batch_size=2000)
    return list(
        Customer.objects.filter(code__startswith="B").order_by("id").values_list("id", flat=True)
    )


def _bulk_quotes(customer_ids: list[int], count: int) -> None:
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from creneau.core.models import Counter
    from creneau.core.money import money_round
    from creneau.quotes.models import Quote

    rng = random.Random(42)
    today = timezone.localdate()
    statuses = ["draft"] * 2 + ["sent"] * 3 + ["accepted"] * 3 + ["refused", "expired"]
    counters = {
        int(c.name.split("-")[1]): c.value
        for c in Counter.objects.filter(name__startswith="quote-")
    }
    batch = []
    for _ in range(count):
        date = today - timedelta(days=rng.randint(0, 730))
        status = rng.choice(statuses)
        number = None
        if status != "draft":
            counters[date.year] = counters.get(date.year, 0) + 1
            number = f"D-{date.year}-{counters[date.year]:05d}"
        net = money_round(Decimal(rng.randint(5_000, 500_000)) / 100)
        vat = money_round(net * Decimal("0.2"))
        batch.append(
            Quote(
                customer_id=rng.choice(customer_ids), number=number, status=status, date=date,
                validity_date=date + timedelta(days=30), total_net=net, total_vat=vat,
                total_gross=net + vat,
            )
        )  # fmt: skip
        if len(batch) == 5000:
            Quote.objects.bulk_create(batch)
            batch = []
    Quote.objects.bulk_create(batch)
    for year, value in counters.items():
        Counter.objects.update_or_create(name=f"quote-{year}", defaults={"value": value})
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Fresh statistics and visibility map, as autovacuum would leave them.
            cursor.execute("VACUUM ANALYZE")


def ensure_pdf_quotes(count: int) -> list[int]:
    """`count` drafts of 10 catalogue lines each (the demo catalogue, with its images)."""
    from django.db import transaction

    from creneau.core.amounts import line_net
    from creneau.customers.models import Customer
    from creneau.quotes.demo import demo_catalogue
    from creneau.quotes.models import Quote, QuoteLine
    from creneau.quotes.services import quote_recompute

    existing = list(
        Quote.objects.filter(notes=PDF_MARK).order_by("id").values_list("id", flat=True)
    )
    if len(existing) >= count:
        return existing[:count]
    direction, _ = bench_users()
    services = list(demo_catalogue(by=direction).values())
    customers = list(Customer.objects.filter(code__startswith="B").order_by("id")[:count])
    with transaction.atomic():
        for index in range(len(existing), count):
            quote = Quote.objects.create(
                customer=customers[index % len(customers)], notes=PDF_MARK, created_by=direction
            )
            lines = []
            for position in range(LINES_PER_PDF):
                service = services[(index + position) % len(services)]
                quantity = 1 + (index + position) % 7
                lines.append(
                    QuoteLine(
                        quote=quote, position=position, line_type="service", service=service,
                        description=f"{service.label}\n{service.description}", quantity=quantity,
                        unit=service.unit, unit_price=service.unit_price,
                        vat_rate=service.vat_rate,
                        net=line_net(quantity=quantity, unit_price=service.unit_price),
                    )
                )  # fmt: skip
            QuoteLine.objects.bulk_create(lines)
            quote_recompute(quote=quote)
    return list(
        Quote.objects.filter(notes=PDF_MARK).order_by("id").values_list("id", flat=True)[:count]
    )


# --- PDFs ------------------------------------------------------------------------------


def _worker_init() -> None:
    from django.db import connections

    connections.close_all()  # a forked child opens its own connection
    _render_one(None)  # warm-up: fonts, stylesheet, templates


def _render_one(quote_id: int | None) -> tuple[float, float, int]:
    """Render one quote's PDF: (wall seconds, CPU seconds of this process, bytes)."""
    from creneau.quotes.documents import quote_pdf
    from creneau.quotes.models import Quote

    quote = Quote.objects.select_related("customer", "site").filter(notes=PDF_MARK)
    quote = quote.get(pk=quote_id) if quote_id else quote.first()
    started, cpu_started = time.perf_counter(), time.process_time()
    pdf = quote_pdf(quote=quote)
    return time.perf_counter() - started, time.process_time() - cpu_started, len(pdf)


def bench_pdfs(quote_ids: list[int], workers: int) -> None:
    from django.db import connections

    connections.close_all()
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
        list(pool.map(_render_one, quote_ids[:workers]))  # every worker warmed up
        started = time.perf_counter()
        results = list(pool.map(_render_one, quote_ids, chunksize=4))
        elapsed = time.perf_counter() - started
    times = sorted(wall for wall, _cpu, _size in results)
    cpu = statistics.median(cpu for _wall, cpu, _size in results)
    sizes = [size for _wall, _cpu, size in results]
    print(
        f"PDF: {len(results)} quotes of {LINES_PER_PDF} lines in {elapsed:.1f} s with "
        f"{workers} process(es): {len(results) / elapsed:.1f} PDFs/s (target >= 10)"
    )
    print(
        f"     one PDF: median {statistics.median(times) * 1000:.0f} ms "
        f"(p95 {times[int(len(times) * 0.95) - 1] * 1000:.0f} ms), of which CPU "
        f"{cpu * 1000:.0f} ms: {workers / cpu:.1f} PDFs/s on {workers} idle core(s); "
        f"{statistics.mean(sizes) / 1024:.0f} KB each"
    )


# --- The list page ---------------------------------------------------------------------

LIST_QUERIES = [
    {},
    {"page": "2"},
    {"page": "150"},
    {"status": "sent"},
    {"status": "expired"},
    {"status": "accepted", "sort": "-total"},
    {"sort": "customer"},
    {"sort": "number"},
    {"q": "D-2026-0001"},
    {"q": "banc d'essai 0123"},
    {"date_from": "2026-01-01", "date_to": "2026-03-31"},
]


def bench_list(rounds: int) -> None:
    from django.test import Client
    from django.urls import reverse

    direction, reps = bench_users()
    url = reverse("quotes:list")
    for label, user in (("direction (every quote)", direction), ("sales rep", reps[0])):
        client = Client()
        client.force_login(user)
        for query in LIST_QUERIES:  # warm-up: caches, prepared plans, templates
            assert client.get(url, query).status_code == 200
        timings = []
        slowest = (0.0, {})
        for _ in range(rounds):
            for query in LIST_QUERIES:
                started = time.perf_counter()
                response = client.get(url, query)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200
                timings.append(elapsed)
                slowest = max(slowest, (elapsed, query), key=lambda item: item[0])
        timings.sort()
        p50 = statistics.median(timings) * 1000
        p95 = timings[int(len(timings) * 0.95) - 1] * 1000
        print(
            f"list page, {label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(timings)} "
            f"requests (target p95 <= 100 ms); slowest {slowest[0] * 1000:.0f} ms {slowest[1]}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--quotes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", choices=["pdf", "list"], help="run one half only")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    print(f"quotes bench on {connection.vendor} ({connection.settings_dict['NAME']})")
    ensure_list_data(args.quotes)
    if args.only != "list":
        bench_pdfs(ensure_pdf_quotes(args.pdfs), args.workers)
    if args.only != "pdf":
        bench_list(args.rounds)


if __name__ == "__main__":
    main()
