"""Planning bench (issue 10): generating the visits, the week view, the interventions API.

    .venv/bin/python -m bench.planning_bench [--requests 200] [--regenerate] [--profile]
        [--only generation|week|api] [--week-visits 2000]

On PostgreSQL only, in a database of its own: BENCH_PLANNING_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_planning (created and migrated if
missing). The first run makes 100 employees, 3,334 customers with 5,000 sites, and 10,000
schedules (bench/planning_data.py); later runs reuse them while the counts match.

Each run:
1. starts from nothing generated (no visit, every schedule starting today) and times
   `schedules_extend(until=today + 12 weeks)`: target <= 30 s;
2. times `manage.py extend_planning --until <same day>`, which then has nothing to do:
   target <= 3 s;
3. leaves about 2,000 visits in next week (deleting a random share of the others) and
   times, with a logged-in direction user through Django's test client, the week view by
   employee `GET /planning/?week=<monday>` (target p95 <= 150 ms, at most 15 queries) and,
   with a bearer token, `GET /api/v1/interventions?start=<monday>&end=<sunday>&employee_id=`
   for each employee in turn (target p95 <= 30 ms). A route that answers 404 is skipped
   ("route absente"). The following week, left whole, is asked a few times to show that
   the page's query count does not grow with the number of visits.

Figures are printed and saved in bench/results/planning-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import logging
import os
import pstats
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bench.database import configure_environment, database_create_if_missing
from bench.figures import Percentiles, print_grid

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_planning"
WEEKS = 12
WEEK_VISITS = 2_000
TARGET_GENERATION_S = 30.0
TARGET_NOTHING_TO_DO_S = 3.0
TARGET_WEEK_MS = 150.0
TARGET_WEEK_QUERIES = 15
TARGET_API_MS = 30.0
WEEK_URL = "/planning/"
API_URLS = ["/api/v1/interventions", "/api/v1/interventions/"]


@dataclass
class Figure(Percentiles):
    """One timed case: its times, the rows it answered, its queries per request."""

    case: str
    times_ms: list[float]
    rows: list[int] = field(default_factory=list)
    queries: int | None = None
    target_ms: float | None = None
    target_queries: int | None = None

    @property
    def verdict(self) -> str:
        targets, ok = [], True
        if self.target_ms is not None:
            targets.append(f"p95 ≤ {self.target_ms:.0f} ms")
            ok = self.p95 <= self.target_ms
        if self.target_queries is not None:
            targets.append(f"≤ {self.target_queries} requêtes")
            ok = ok and self.queries is not None and self.queries <= self.target_queries
        if not targets:
            return "—"
        return f"{', '.join(targets)} : {'ok' if ok else 'MANQUÉ'}"


class Skip(Exception):
    """The route does not exist in this build (it answers 404)."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    from bench import planning_data

    parser = argparse.ArgumentParser(
        prog="python -m bench.planning_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--requests", type=int, default=200, help="requêtes par cas")
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--only", choices=["generation", "week", "api"])
    parser.add_argument("--profile", action="store_true", help="cProfile de la génération")
    parser.add_argument("--employees", type=int, default=planning_data.EMPLOYEES)
    parser.add_argument("--sites", type=int, default=planning_data.SITES)
    parser.add_argument("--schedules", type=int, default=planning_data.SCHEDULES)
    parser.add_argument("--weeks", type=int, default=WEEKS)
    parser.add_argument("--week-visits", type=int, default=WEEK_VISITS)
    parser.add_argument("--full-week-requests", type=int, default=3)
    return parser.parse_args(argv)


def ensure_data(args: argparse.Namespace) -> None:
    from bench import generate, planning_data

    customers = round(args.sites / 1.5)
    if args.regenerate or not generate.data_ready(customers, args.sites):
        print(f"Génération de {customers} clients et {args.sites} sites…")
        generate.generate(customers=customers, sites=args.sites, log=print)
    if args.regenerate or not planning_data.data_ready(
        employees=args.employees, schedules=args.schedules
    ):
        started = time.perf_counter()
        planning_data.planning_generate(employees=args.employees, schedules=args.schedules)
        print(
            f"  {args.employees} intervenants et {args.schedules} programmations générés en "
            f"{time.perf_counter() - started:.1f} s"
        )
    else:
        print(
            f"Données présentes : {args.employees} intervenants, {args.sites} sites, "
            f"{args.schedules} programmations."
        )


def vacuum_analyze() -> None:
    from django.db import connection

    from creneau.planning.models import Intervention, Schedule

    with connection.cursor() as cursor:
        for model in (Intervention, Schedule):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def time_generation(
    today: date, until: date, *, schedules: int, weeks: int, profile: bool
) -> list[str]:
    """Generate from nothing, then run extend_planning with nothing to do; the lines."""
    from django.core.management import call_command

    from bench import planning_data
    from creneau.planning.generation import schedules_extend

    planning_data.planning_reset(today, weeks=weeks)
    vacuum_analyze()
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    created = schedules_extend(until=until)
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    vacuum_analyze()  # as autovacuum would, before the nightly run
    output = io.StringIO()
    started = time.perf_counter()
    call_command("extend_planning", until=until.isoformat(), stdout=output)
    idle = time.perf_counter() - started
    # The daily run, the day after: one more day for every schedule.
    started = time.perf_counter()
    next_day = schedules_extend(until=until + timedelta(days=1))
    daily = time.perf_counter() - started
    lines = [
        f"Génération de {weeks} semaines pour les {schedules} programmations, à partir de "
        f"rien : {created} interventions en {elapsed:.1f} s "
        f"({created / elapsed:.0f} par seconde, dont {cpu:.1f} s de CPU pour Python ; "
        f"cible ≤ {TARGET_GENERATION_S:.0f} s : {_ok(elapsed <= TARGET_GENERATION_S)})",
        f"extend_planning sans rien à faire : {idle:.2f} s "
        f"(cible ≤ {TARGET_NOTHING_TO_DO_S:.0f} s : {_ok(idle <= TARGET_NOTHING_TO_DO_S)}) ; "
        f"il dit : {output.getvalue().strip()}",
        f"extend_planning le lendemain (un jour de plus) : {next_day} interventions en "
        f"{daily:.2f} s (pour information)",
    ]
    for line in lines:
        print(line, flush=True)
    if profiler:
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(30)
    return lines


def _ok(met: bool) -> str:
    return "ok" if met else "MANQUÉE"


def queries_of(run, params: list[dict]) -> int:
    """The most queries one request made, over a few of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    most = 0
    for query in params[:5]:
        with CaptureQueriesContext(connection) as captured:
            run(query)
        most = max(most, len(captured.captured_queries))
    return most


def week_runner(user):
    from django.test import Client

    client = Client()
    client.force_login(user)

    def run(params: dict) -> None:
        response = client.get(WEEK_URL, params)
        if response.status_code == 404:
            raise Skip(f"route absente : {WEEK_URL} répond 404")
        if response.status_code != 200:
            raise RuntimeError(f"{WEEK_URL} {params}: HTTP {response.status_code}")

    return run


def api_runner(user, probe: dict):
    from django.test import Client

    from creneau.core.services import api_token_create

    client = Client()
    headers = {"Authorization": f"Bearer {api_token_create(user=user, name='bench planning')}"}
    for url in API_URLS:
        response = client.get(url, probe, headers=headers)
        if response.status_code != 404:
            break
    else:
        raise Skip(f"route absente : {API_URLS[0]} répond 404")
    if response.status_code != 200:
        answer = response.content[:300].decode(errors="replace")
        raise Skip(f"{url} {probe} répond HTTP {response.status_code} : {answer}")

    def run(params: dict) -> int:
        response = client.get(url, params, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params}: HTTP {response.status_code}")
        data = response.json()
        items = data["items"] if isinstance(data, dict) else data
        return len(items)

    return run


def time_routes(
    monday: date, full_monday: date, *, parts: list[str], requests: int, full_requests: int
) -> tuple[list[Figure], list[str]]:
    from bench.generate import bench_users
    from bench.timing import measure
    from creneau.planning.models import Intervention

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the probes' "Not Found"
    director, _reps = bench_users()
    # As config/wsgi.py does in a server process: what is loaded lives as long as the
    # process, and the garbage collector's full walks leave it alone.
    gc.freeze()
    figures: list[Figure] = []
    notes: list[str] = []
    sunday = monday + timedelta(days=6)
    if "week" in parts:
        run = week_runner(director)
        try:
            week = [{"week": monday.isoformat()}]
            times, _ = measure(run, week, requests)
            figures.append(
                Figure(f"semaine du {monday:%d/%m} par intervenant", times, [_visits(monday)],
                       queries_of(run, week), TARGET_WEEK_MS, TARGET_WEEK_QUERIES)
            )  # fmt: skip
            full = [{"week": full_monday.isoformat()}]
            times, _ = measure(run, full, full_requests)
            figures.append(
                Figure(f"semaine du {full_monday:%d/%m}, entière", times, [_visits(full_monday)],
                       queries_of(run, full), target_queries=TARGET_WEEK_QUERIES)
            )  # fmt: skip
        except Skip as skip:
            notes.append(f"vue semaine ignorée : {skip}")
    if "api" in parts:
        employees = list(
            Intervention.objects.filter(
                occurrence_date__gte=monday, occurrence_date__lte=sunday, employee__isnull=False
            )
            .order_by("employee_id")
            .values_list("employee_id", flat=True)
            .distinct()
        )
        params = [
            {"start": monday.isoformat(), "end": sunday.isoformat(), "employee_id": str(pk)}
            for pk in employees
        ]
        try:
            run = api_runner(director, params[0])
            times, rows = measure(run, params, requests)
            figures.append(
                Figure("API interventions, une semaine, un intervenant", times, rows,
                       queries=queries_of(run, params), target_ms=TARGET_API_MS)
            )  # fmt: skip
        except Skip as skip:
            notes.append(f"API ignorée : {skip}")
    return figures, notes


def _visits(monday: date) -> int:
    from creneau.planning.models import Intervention

    return Intervention.objects.filter(
        occurrence_date__gte=monday, occurrence_date__lt=monday + timedelta(days=7)
    ).count()


HEADERS = ["cas", "n", "lignes", "requêtes SQL", "p50 ms", "p95 ms", "max ms", "cible"]


def table_rows(figures: list[Figure]) -> list[list[str]]:
    return [
        [
            figure.case,
            str(len(figure.times_ms)),
            str(round(statistics.median(figure.rows))) if figure.rows else "",
            "" if figure.queries is None else str(figure.queries),
            f"{figure.p50:.1f}",
            f"{figure.p95:.1f}",
            f"{max(figure.times_ms):.1f}",
            figure.verdict,
        ]
        for figure in figures
    ]


def save(lines: list[str], figures: list[Figure], notes: list[str], machine: str) -> list:
    from bench.report import RESULTS_DIR

    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    data = {
        "date": stamp,
        "machine": machine,
        "lines": lines,
        "notes": notes,
        "figures": [
            {
                "case": figure.case,
                "n": len(figure.times_ms),
                "queries": figure.queries,
                "p50_ms": round(figure.p50, 2),
                "p95_ms": round(figure.p95, 2),
                "max_ms": round(max(figure.times_ms), 2),
                "target_ms": figure.target_ms,
            }
            for figure in figures
        ],
    }
    json_path = RESULTS_DIR / f"planning-{stamp}.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    markdown = [*lines, "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    markdown += ["| " + " | ".join(line) + " |" for line in table_rows(figures)]
    markdown += ["", machine, *notes]
    markdown_path = RESULTS_DIR / f"planning-{stamp}.md"
    markdown_path.write_text("\n".join(markdown) + "\n", encoding="utf-8")
    return [json_path, markdown_path]


def main(argv: list[str]) -> int:
    url = configure_environment(os.environ.get("BENCH_PLANNING_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench import planning_data, report

    args = parse_args(argv)
    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    ensure_data(args)
    machine = report.machine()
    print(f"Machine : {machine}")
    today = timezone.localdate()
    until = today + timedelta(weeks=args.weeks)
    monday = today + timedelta(days=7 - today.weekday())  # next week's
    parts = [args.only] if args.only else ["generation", "week", "api"]
    lines = []
    if "generation" in parts or not _generated(until):
        lines += time_generation(
            today, until, schedules=args.schedules, weeks=args.weeks, profile=args.profile
        )
    before, after = planning_data.week_thin(monday, args.week_visits)
    if before != after:
        vacuum_analyze()
    lines.append(
        f"Semaine du {monday:%d/%m/%Y} : {after} interventions (sur {before} générées ; "
        f"les autres supprimées au hasard)"
    )
    print(lines[-1])
    figures, notes = time_routes(
        monday, monday + timedelta(days=7), parts=parts, requests=args.requests,
        full_requests=args.full_week_requests,
    )  # fmt: skip
    print_grid(HEADERS, table_rows(figures), notes)
    paths = save(lines, figures, notes, machine)
    print("Résultats : " + ", ".join(str(path) for path in paths))
    return 0


def _generated(until: date) -> bool:
    """True if this run's visits are there (the figures of the pages need them)."""
    from creneau.planning.models import Schedule

    return not Schedule.objects.filter(generated_until__lt=until).exists()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
