"""Quotes benchmark: quote PDFs (speed and memory), and the quote list page with 100,000 quotes.

    .venv/bin/python -m bench.quotes_bench [--only pdf|memory|list] [--pdfs 200]
        [--memory-pdfs 3000] [--workers N] [--quotes 100000] [--rounds 20]

Every benched quote is a draft of 10 service lines, exactly two of which print an image
(the photo of their service), for a company with a logo: the bench's own services (copies
of the demo catalogue's, 4 with a photo and 9 without) and a 600 x 200 PNG logo, set once
when the company has none. Quotes are rendered only through
creneau.quotes.documents.quote_pdf, so that any renderer behind it can be measured.

- pdf: renders `--pdfs` different quotes in one process per core (`--workers`, the way
  web and task workers render them side by side), after a warm-up; prints PDFs per
  second, and per PDF the median wall and CPU time and the mean size.
  Targets: >= 60 PDFs/s with 2 processes, and a median under 25 ms of CPU per PDF.
- memory: renders `--memory-pdfs` different quotes (the pdf part's among them) one after
  another in one fresh process (spawned: Django set up, nothing else), and prints its RSS
  before the first PDF, after 100, every 1,000 and at the end, and its peak.
  Target: a peak under 300 MB for 3,000 PDFs.
- list: times the quote list page (Django's test client, in process: no network, no
  server) over a PostgreSQL database holding `--quotes` quotes, for direction (every
  quote) and a sales rep (its portfolio), across filters, sorts and pages; prints p50 and
  p95. Target: p95 <= 100 ms.

The database is DATABASE_URL, by default postgresql://postgres@127.0.0.1:5432/
creneau_bench_quotes: created and migrated if missing, filled by bulk insert the first
time, then reused (the list's quotes are recognised by their count, the PDF quotes by
PDF_MARK in their notes). Its files (logo, service photos) go under var/bench_quotes_files
and are written again when missing (another work tree on the same database). Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_quotes"
# The notes of the PDF quotes. Quotes of an earlier shape carry another mark beginning
# with "bench-pdf" ("bench-pdf": 10 lines, each with an image, no logo): they are neither
# rendered nor counted as list data. Change the mark whenever the shape changes.
PDF_MARK = "bench-pdf-v2"
PDF_MARK_PREFIX = "bench-pdf"
LINES_PER_PDF = 10
IMAGE_LINES_PER_PDF = 2
# Bench services are the demo catalogue's under this prefix; the first few have a photo.
SERVICE_PREFIX = "BENCH-"
SERVICES_WITH_PHOTO = 4
LOGO_PIXELS = (600, 200)
PHOTO_PIXELS = (800, 600)
CUSTOMERS = 5_000
REPS = 10
# Targets of the issue, printed beside the figures.
TARGET_PDFS_PER_SECOND = 60
TARGET_CPU_MS = 25
TARGET_PEAK_RSS_MB = 300


def configure_django() -> None:
    """Settings and django.setup(), as the bench's processes need them (no migration)."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("PRIVATE_FILES_ROOT", str(ROOT / "var" / "bench_quotes_files"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    # Figures as in production: no query log, no debug pages. The test client's host is
    # allowed; its template instrumentation (setup_test_environment) is left out.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    _create_database(os.environ["DATABASE_URL"])
    configure_django()
    from django.core.management import call_command

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

    existing = Quote.objects.exclude(notes__startswith=PDF_MARK_PREFIX).count()
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
                name_key=name.lower(),
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


# --- The PDF quotes --------------------------------------------------------------------


def bench_services(by) -> tuple[list, list]:
    """The bench's services (created when missing): (those with a photo, those without)."""
    from decimal import Decimal

    from django.db import transaction

    from creneau.catalog.defaults import default_vat_rates_ensure
    from creneau.catalog.models import Service, VatRate
    from creneau.catalog.services import service_create, service_image_add
    from creneau.quotes.demo import SERVICES

    default_vat_rates_ensure(VatRate)
    rates = {rate.rate: rate for rate in VatRate.objects.filter(is_active=True)}
    with_photo, without_photo = [], []
    for index, (code, label, description, unit, price, rate, personal, account) in enumerate(
        SERVICES
    ):
        bench_code = SERVICE_PREFIX + code
        service = Service.objects.select_related("vat_rate").filter(code=bench_code).first()
        if service is None:
            with transaction.atomic():  # a service is never left without its photo
                service = service_create(
                    by=by, code=bench_code, label=label, description=description, unit=unit,
                    unit_price=Decimal(price), vat_rate=rates[Decimal(rate)],
                    is_personal_service=personal, revenue_account=account,
                )  # fmt: skip
                if index < SERVICES_WITH_PHOTO:
                    service_image_add(service=service, upload=_photo_upload(index), by=by)
        (with_photo if index < SERVICES_WITH_PHOTO else without_photo).append(service)
    return with_photo, without_photo


def _photo_upload(seed: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"photo-{seed}.jpg", _photo(seed), content_type="image/jpeg")


def _photo(seed: int) -> bytes:
    """A photo-like JPEG: colour gradients under grain and blurred shapes, so that it
    compresses like a photograph rather than like flat art. Same seed, same picture."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = PHOTO_PIXELS
    gradient = Image.linear_gradient("L").resize(PHOTO_PIXELS)
    grain = Image.frombytes("L", PHOTO_PIXELS, rng.randbytes(width * height))
    channels = [
        Image.blend(gradient.rotate(rng.choice([0, 90, 180, 270])).resize(PHOTO_PIXELS), grain,
                    0.25)
        for _ in range(3)
    ]  # fmt: skip
    image = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(40, 160)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(2))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=90)
    return output.getvalue()


def _logo() -> bytes:
    """A 600 x 200 PNG logo on a transparent background, as companies upload them."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGBA", LOGO_PIXELS, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 20, 170, 180), radius=30, fill=(37, 99, 235, 255))
    draw.ellipse((50, 60, 130, 140), fill=(255, 255, 255, 230))
    draw.text((195, 55), "Bench & Co", fill=(30, 41, 59, 255), font=ImageFont.load_default(72))
    draw.text((198, 135), "Services", fill=(100, 116, 139, 255), font=ImageFont.load_default(36))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def ensure_bench_files(services_with_photo: list) -> None:
    """The company logo (set when the company has none), and the files of the logo and
    photos written again where the storage lacks them: the database may have been filled
    from another work tree, whose var/ this one does not see."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from creneau.catalog.images import clean_image
    from creneau.catalog.models import ServiceImage
    from creneau.core.models import Company

    company = Company.load()
    if not company.logo:
        company.logo.save("logo.png", ContentFile(_logo()), save=True)
    elif not default_storage.exists(company.logo.name):
        default_storage.save(company.logo.name, ContentFile(_logo()))
    for index, service in enumerate(services_with_photo):
        for image in ServiceImage.objects.filter(service=service):
            if not default_storage.exists(image.image.name):
                # The same picture, cleaned as the upload was.
                photo = clean_image(_photo_upload(index)).content
                default_storage.save(image.image.name, photo)


def ensure_pdf_quotes(count: int) -> list[int]:
    """`count` drafts (the first ones marked PDF_MARK, created when missing) of 10 service
    lines, two of them with a photo, at rows and with photos that vary from quote to quote."""
    from django.db import transaction

    from creneau.core.amounts import line_net
    from creneau.quotes.models import Quote, QuoteLine, quote_lines_totals

    existing = list(
        Quote.objects.filter(notes=PDF_MARK).order_by("id").values_list("id", flat=True)
    )
    direction, reps = bench_users()
    with_photo, without_photo = bench_services(direction)
    ensure_bench_files(with_photo)
    if len(existing) >= count:
        return existing[:count]
    started = time.perf_counter()
    customer_ids = _bulk_customers(reps)
    batch_size = 500
    for first in range(len(existing), count, batch_size):
        quotes, lines = [], []
        for index in range(first, min(first + batch_size, count)):
            quote = Quote(
                customer_id=customer_ids[index % len(customer_ids)], notes=PDF_MARK,
                created_by=direction,
            )  # fmt: skip
            # Rows spread over the quote, photos taken in turn, both moving with the quote.
            photo_rows = {
                (index + n * LINES_PER_PDF // IMAGE_LINES_PER_PDF) % LINES_PER_PDF
                for n in range(IMAGE_LINES_PER_PDF)
            }
            photos = iter(
                with_photo[(index + n) % len(with_photo)] for n in range(IMAGE_LINES_PER_PDF)
            )
            quote_lines = []
            for position in range(LINES_PER_PDF):
                if position in photo_rows:
                    service = next(photos)
                else:
                    service = without_photo[(index + position) % len(without_photo)]
                quantity = 1 + (index + position) % 7
                quote_lines.append(
                    QuoteLine(
                        quote=quote, position=position, line_type="service", service=service,
                        description=f"{service.label}\n{service.description}", quantity=quantity,
                        unit=service.unit, unit_price=service.unit_price,
                        vat_rate=service.vat_rate,
                        net=line_net(quantity=quantity, unit_price=service.unit_price),
                    )
                )  # fmt: skip
            totals = quote_lines_totals(quote_lines)
            quote.total_net, quote.total_vat = totals.net, totals.vat
            quote.total_gross = totals.gross
            quotes.append(quote)
            lines.extend(quote_lines)
        with transaction.atomic():
            Quote.objects.bulk_create(quotes)
            QuoteLine.objects.bulk_create(lines)
    print(
        f"PDF data: {count - len(existing)} quotes generated in "
        f"{time.perf_counter() - started:.0f} s"
    )
    return list(
        Quote.objects.filter(notes=PDF_MARK).order_by("id").values_list("id", flat=True)[:count]
    )


# --- PDFs ------------------------------------------------------------------------------


def _bench_quote(quote_id: int | None):
    """A PDF quote as a view would load it (the first one when `quote_id` is None)."""
    from creneau.quotes.models import Quote

    quotes = Quote.objects.select_related("customer", "site").filter(notes=PDF_MARK)
    return quotes.get(pk=quote_id) if quote_id else quotes.order_by("id").first()


def _cpu_seconds() -> float:
    """CPU time of this process (every thread) and of the child processes it has waited
    for: a renderer that runs a helper program is charged for that program too."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _worker_init() -> None:
    from django.db import connections

    connections.close_all()  # a forked child opens its own connection
    _render_one(None)  # warm-up: fonts, stylesheet, templates


def _render_one(quote_id: int | None) -> tuple[float, float, int]:
    """Render one quote's PDF: (wall seconds, CPU seconds, bytes)."""
    from creneau.quotes.documents import quote_pdf

    quote = _bench_quote(quote_id)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    pdf = quote_pdf(quote=quote)
    return time.perf_counter() - started, _cpu_seconds() - cpu_started, len(pdf)


def _target(met: bool) -> str:
    return "met" if met else "NOT met"


def bench_pdfs(quote_ids: list[int], workers: int) -> None:
    from django.db import connections

    connections.close_all()
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
        list(pool.map(_render_one, quote_ids[:workers]))  # every worker warmed up
        started = time.perf_counter()
        results = list(pool.map(_render_one, quote_ids, chunksize=4))
        elapsed = time.perf_counter() - started
    walls = sorted(wall for wall, _cpu, _size in results)
    cpu = statistics.median(cpu for _wall, cpu, _size in results)
    sizes = [size for _wall, _cpu, size in results]
    rate = len(results) / elapsed
    print(
        f"PDF: {len(results)} quotes of {LINES_PER_PDF} lines ({IMAGE_LINES_PER_PDF} with an "
        f"image) and a logo in {elapsed:.1f} s with {workers} process(es): {rate:.1f} PDFs/s "
        f"(target >= {TARGET_PDFS_PER_SECOND} with 2 processes: "
        f"{_target(rate >= TARGET_PDFS_PER_SECOND)})"
    )
    print(
        f"     per PDF: median {statistics.median(walls) * 1000:.1f} ms wall "
        f"(p95 {walls[int(len(walls) * 0.95) - 1] * 1000:.1f} ms), median "
        f"{cpu * 1000:.1f} ms CPU (target < {TARGET_CPU_MS}: "
        f"{_target(cpu * 1000 < TARGET_CPU_MS)}), i.e. {workers / cpu:.1f} PDFs/s on "
        f"{workers} idle core(s); {statistics.mean(sizes) / 1024:.0f} KB each"
    )


def _rss_kb() -> tuple[int, int]:
    """(current, peak) resident set size of this process, in KB.

    Read from /proc (VmRSS, VmHWM) rather than getrusage's ru_maxrss: a spawned process's
    ru_maxrss starts at its parent's peak (Linux keeps it across fork and exec), which
    would report the bench's own parent rather than the renderer.
    """
    status = Path("/proc/self/status")
    if not status.exists():
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak, peak
    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def _render_in_turn(quote_ids: list[int]) -> tuple[list[tuple[int, int]], int, float]:
    """Render the quotes one after another: ([(PDFs done, RSS KB)...], peak RSS KB, s)."""
    from creneau.quotes.documents import quote_pdf

    samples = [(0, _rss_kb()[0])]
    started = time.perf_counter()
    for done, quote_id in enumerate(quote_ids, start=1):
        quote_pdf(quote=_bench_quote(quote_id))
        if done in (1, 100) or done % 1000 == 0 or done == len(quote_ids):
            samples.append((done, _rss_kb()[0]))
    return samples, _rss_kb()[1], time.perf_counter() - started


def bench_memory(quote_ids: list[int]) -> None:
    # A fresh interpreter (spawn, not fork): it holds Django and what rendering leaves,
    # nothing of this process's data generation.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=configure_django
    ) as pool:
        samples, peak, elapsed = pool.submit(_render_in_turn, quote_ids).result()
    print(
        f"memory: {len(quote_ids)} different PDFs one after another in one fresh process "
        f"({elapsed:.0f} s, {len(quote_ids) / elapsed:.1f} PDFs/s): peak RSS "
        f"{peak / 1024:.0f} MB (target < {TARGET_PEAK_RSS_MB} MB: "
        f"{_target(peak / 1024 < TARGET_PEAK_RSS_MB)})"
    )
    print(
        "        RSS "
        + ", ".join(
            f"{kb / 1024:.0f} MB {'before the first PDF' if done == 0 else f'after {done}'}"
            for done, kb in samples
        )
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
    parser.add_argument("--pdfs", type=int, default=200, help="PDFs of the speed run")
    parser.add_argument(
        "--memory-pdfs", type=int, default=3000, help="PDFs of the memory run, in one process"
    )
    parser.add_argument("--quotes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--only", choices=["pdf", "memory", "list"], help="run one part only (default: all)"
    )
    args = parser.parse_args(argv)
    parts = [args.only] if args.only else ["pdf", "memory", "list"]
    setup_django()
    from django.db import connection

    print(f"quotes bench on {connection.vendor} ({connection.settings_dict['NAME']})")
    if "list" in parts:
        ensure_list_data(args.quotes)
    pdf_quotes = max(
        args.pdfs if "pdf" in parts else 0, args.memory_pdfs if "memory" in parts else 0
    )
    quote_ids = ensure_pdf_quotes(pdf_quotes) if pdf_quotes else []
    if "pdf" in parts:
        bench_pdfs(quote_ids[: args.pdfs], args.workers)
    if "memory" in parts:
        bench_memory(quote_ids[: args.memory_pdfs])
    if "list" in parts:
        bench_list(args.rounds)


if __name__ == "__main__":
    main()
