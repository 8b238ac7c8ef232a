"""Billing run bench (issue 11): the preview and the issuing of a month's invoices.

    .venv/bin/python -m bench.billing_run_bench [--regenerate] [--profile preview|issue]
        [--customers 5000] [--sites 10000] [--visits-per-site 4]

On PostgreSQL only, in a database of its own: BENCH_BILLING_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_billing (created and migrated if
missing). The first run makes 5,000 customers with 10,000 sites (bench/generate.py), each
site in a billing group of its own (so 10,000 invoices), one schedule per site (80 % per
unit, 10 % monthly flat fees, 5 % not billed, 5 % one-off visits instead) and about
40,000 done visits last month, a quarter of them with real times, a fifth of the sites
with their own price; later runs reuse them while the counts match.

Each run empties the invoices, runs and journal, then times:
1. the preview, `billing_run_create` over last month: target <= 10 s;
2. the issuing, `billing_run_issue` then `billing_run_execute` (what the task worker
   runs), one transaction per invoice: target <= 20 s. The PDFs are made after, by the
   workers (their tasks are queued, not run).
Figures are printed and saved in bench/results/billing-run-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from bench.database import configure_environment, database_create_if_missing

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_billing"
CUSTOMERS = 5_000
SITES = 10_000
VISITS_PER_SITE = 4
TARGET_PREVIEW_S = 10.0
TARGET_ISSUE_S = 20.0
SEED = 11_2026
SERVICE_PREFIX = "FACT-"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.billing_run_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--sites", type=int, default=SITES)
    parser.add_argument("--visits-per-site", type=int, default=VISITS_PER_SITE)
    parser.add_argument("--profile", choices=["preview", "issue"])
    return parser.parse_args(argv)


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _services():
    from creneau.catalog.models import Service, VatRate

    rate = VatRate.objects.filter(is_active=True).order_by("-rate").first()
    specs = [
        ("MEN", "Entretien des bureaux", Service.Unit.HOUR, "26.50"),
        ("VIT", "Lavage des vitres", Service.Unit.VISIT, "45.00"),
        ("SOL", "Décapage des sols", Service.Unit.SQUARE_METRE, "2.20"),
    ]
    return [
        Service.objects.update_or_create(
            code=SERVICE_PREFIX + code,
            defaults={"label": label, "unit": unit, "unit_price": Decimal(price), "vat_rate": rate},
        )[0]
        for code, label, unit, price in specs
    ]


def data_ready(args: argparse.Namespace, start: date) -> bool:
    from creneau.customers.models import Customer, Site
    from creneau.planning.models import Intervention

    return (
        Customer.objects.count() == args.customers
        and Site.objects.count() == args.sites
        and Intervention.objects.filter(start__date__gte=start).exists()
    )


def generate(args: argparse.Namespace, start: date, end: date) -> None:
    """Customers and sites (bench.generate), then one schedule per site and its visits."""
    from django.db import connection, transaction

    from bench import generate as customers_generate
    from creneau.catalog.models import SitePrice
    from creneau.customers.models import Site
    from creneau.planning.models import BillingMode, Intervention, Schedule

    started = time.perf_counter()
    customers_generate.generate(customers=args.customers, sites=args.sites, log=print)
    rng = random.Random(SEED)
    services = _services()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE planning_intervention, planning_schedule CASCADE")
        # Each site its own billing group (A, B, C... per customer): one invoice per site.
        cursor.execute(
            "UPDATE customers_site SET billing_group = chr(65 + ((row_number - 1) % 26)::int) "
            "FROM (SELECT id AS site_id, row_number() OVER (PARTITION BY customer_id "
            "ORDER BY id) FROM customers_site) numbered WHERE numbered.site_id = id"
        )
    sites = list(Site.objects.order_by("id").values_list("id", flat=True))
    zone_now = datetime.now().astimezone()
    with transaction.atomic():
        SitePrice.objects.bulk_create(
            [
                SitePrice(site_id=site, service=services[0], unit_price=Decimal("24.00"))
                for site in sites
                if rng.random() < 0.2
            ],
            batch_size=5000,
        )
        schedules, visits = [], []
        for site in sites:
            draw = rng.random()
            service = rng.choice(services)
            if draw < 0.95:
                mode = (
                    BillingMode.PER_UNIT
                    if draw < 0.8
                    else BillingMode.MONTHLY_FLAT
                    if draw < 0.9
                    else BillingMode.NOT_BILLED
                )
                schedules.append(
                    Schedule(
                        site_id=site, service=service, rrule="FREQ=WEEKLY;BYDAY=MO",
                        start_date=start - timedelta(days=60), start_time=zone_now.time(),
                        duration_minutes=120, billing_mode=mode,
                        flat_amount=Decimal("350.00") if mode == BillingMode.MONTHLY_FLAT else None,
                        generated_until=end,
                    )
                )  # fmt: skip
            else:
                schedules.append(None)
        Schedule.objects.bulk_create([s for s in schedules if s is not None], batch_size=5000)
        for site, schedule in zip(sites, schedules, strict=True):
            for number in range(args.visits_per_site):
                day = start + timedelta(days=7 * number + rng.randrange(7))
                if day > end:
                    day = end - timedelta(days=number)
                begin = datetime(day.year, day.month, day.day, 8, 0).astimezone()
                visit = Intervention(
                    site_id=site,
                    schedule=schedule,
                    occurrence_date=day if schedule is not None else None,
                    service=schedule.service if schedule is not None else rng.choice(services),
                    start=begin,
                    end=begin + timedelta(hours=2),
                    status=Intervention.Status.DONE,
                )
                if rng.random() < 0.25:
                    visit.actual_start = begin + timedelta(minutes=5)
                    visit.actual_end = begin + timedelta(minutes=rng.choice([95, 120, 150]))
                visits.append(visit)
        Intervention.objects.bulk_create(visits, batch_size=5000)
    with connection.cursor() as cursor:
        for table in ("planning_intervention", "planning_schedule", "catalog_siteprice"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"  {len(visits)} interventions réalisées du {start:%d/%m} au {end:%d/%m} générées "
        f"en {time.perf_counter() - started:.0f} s"
    )


def reset_billing() -> None:
    """No invoice, run or journal entry: each bench run bills the same month from nothing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE billing_billedintervention, billing_invoiceline, billing_invoice_sites, "
            "billing_billingrunitem, billing_billingrun, billing_journalentry, billing_invoice, "
            "core_auditevent CASCADE"
        )
        cursor.execute("DELETE FROM core_counter WHERE name LIKE 'invoice-%' OR name = 'journal'")
        cursor.execute("DELETE FROM django_tasks_database_dbtaskresult")
        for table in ("billing_invoice", "billing_invoiceline", "billing_billedintervention"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _timed(function, profile: bool):
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = function()
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return result, time.perf_counter() - started


def _ok(met: bool) -> str:
    return "ok" if met else "MANQUÉE"


def run_bench(args: argparse.Namespace, start: date, end: date) -> list[str]:
    from django.db import connection
    from django.db.models import Count

    from bench.generate import bench_users
    from creneau.billing.models import BilledIntervention, BillingRun, Invoice, InvoiceLine
    from creneau.billing.runs import billing_run_create, billing_run_execute, billing_run_issue

    director, _reps = bench_users()
    reset_billing()
    run, preview = _timed(
        lambda: billing_run_create(by=director, period_start=start, period_end=end),
        args.profile == "preview",
    )
    items = run.items.count()
    lines = [
        f"Aperçu du {start:%d/%m/%Y} au {end:%d/%m/%Y} : {items} factures proposées en "
        f"{preview:.1f} s (cible ≤ {TARGET_PREVIEW_S:.0f} s : {_ok(preview <= TARGET_PREVIEW_S)})"
    ]
    print(lines[-1], flush=True)

    def issue() -> BillingRun:
        billing_run_issue(run=run, by=director, enqueue=False)
        return billing_run_execute(run_id=run.pk)

    run, issuing = _timed(issue, args.profile == "issue")
    invoices = Invoice.objects.filter(billing_run=run, status=Invoice.Status.ISSUED).count()
    figures = {
        "lines": InvoiceLine.objects.filter(invoice__billing_run=run).count(),
        "visits": BilledIntervention.objects.count(),
        "numbers": Invoice.objects.filter(billing_run=run).aggregate(n=Count("number"))["n"],
    }
    lines.append(
        f"Émission : {invoices} factures ({figures['lines']} lignes, {figures['visits']} "
        f"interventions liées) en {issuing:.1f} s, soit {invoices / issuing:.0f} par seconde "
        f"(cible ≤ {TARGET_ISSUE_S:.0f} s : {_ok(issuing <= TARGET_ISSUE_S)}) ; statut "
        f"{run.status}, {run.progress_done}/{run.progress_total}"
    )
    print(lines[-1], flush=True)
    again, second = _timed(
        lambda: billing_run_create(by=director, period_start=start, period_end=end), False
    )
    lines.append(
        f"Seconde facturation du même mois : {again.items.count()} facture proposée "
        f"({second:.1f} s)"
    )
    print(lines[-1], flush=True)
    lines.append(f"PostgreSQL {connection.pg_version // 10000}")
    return lines


def main(argv: list[str]) -> int:
    url = configure_environment(os.environ.get("BENCH_BILLING_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench import report

    args = parse_args(argv)
    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    start, end = last_month(timezone.localdate())
    if args.regenerate or not data_ready(args, start):
        print(f"Génération de {args.customers} clients et {args.sites} sites…")
        generate(args, start, end)
    machine = report.machine()
    print(f"Machine : {machine}")
    lines = run_bench(args, start, end)
    paths = report.save_lines("billing-run", lines, machine)
    print("Résultats : " + ", ".join(str(path) for path in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
