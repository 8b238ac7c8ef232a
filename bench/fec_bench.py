"""FEC bench (issue 13): the FEC of a year of about a million lines, written to /dev/null.

    .venv/bin/python -m bench.fec_bench [--regenerate] [--output FILE]

On PostgreSQL only, in a database of its own: BENCH_FEC_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_fec (created and migrated if missing),
filled once (bench/fec_data.py) and reused.

Times the lettering alone, then the whole FEC of the first quarter and of the year (the
lettering included), and reads the process's peak RSS (resource.getrusage) after each: the
year's file is four times the quarter's, its peak RSS should not be. Target: at least
100,000 lines per second. Figures are printed (never asserted) and saved in
bench/results/fec-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import date, datetime
from pathlib import Path

from bench.database import configure_environment, database_create_if_missing

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_fec"
TARGET_LINES_PER_SECOND = 100_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fec_bench", description=__doc__)
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--output", default=os.devnull, help="fichier écrit (/dev/null)")
    return parser.parse_args(argv)


def write_fec(fiscal_year, output: str) -> dict:
    from creneau.accounting.fec import FecWriter

    started, cpu_started = time.perf_counter(), time.process_time()
    writer = FecWriter(fiscal_year)
    size = 0
    with open(output, "wb") as handle:
        for chunk in writer.chunks():
            handle.write(chunk)
            size += len(chunk)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # this process only: PostgreSQL's work aside
    return {
        "python_cpu_seconds": round(cpu, 2),
        "lines": writer.line_count,
        "bytes": size,
        "seconds": round(seconds, 2),
        "lines_per_second": round(writer.line_count / seconds),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "lettering_groups": writer.lettering.groups,
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = configure_environment(os.environ.get("BENCH_FEC_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.management import call_command

    from bench import generate, report
    from bench.fec_data import CUSTOMERS, END, START, data_ready, fec_generate
    from creneau.accounting.lettering import Lettering
    from creneau.accounting.models import FiscalYear

    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    if args.regenerate or not data_ready():
        if not generate.data_ready(CUSTOMERS, CUSTOMERS):
            print(f"Génération de {CUSTOMERS} clients…", flush=True)
            generate.generate(
                customers=CUSTOMERS,
                sites=CUSTOMERS,
                log=lambda line, **kw: print(line, flush=True, **kw),
            )
        print("Génération des factures et des règlements…", flush=True)
        started = time.perf_counter()
        fec_generate(log=lambda line: print(line, flush=True))
        print(f"  données prêtes en {time.perf_counter() - started:.0f} s", flush=True)
    machine = report.machine()
    print(f"Machine : {machine}", flush=True)
    year = FiscalYear.objects.get(end_date=END)
    baseline = round(peak_rss_mb(), 1)
    started = time.perf_counter()
    lettering = Lettering(START, END)
    lettering_seconds = round(time.perf_counter() - started, 2)
    del lettering
    quarter = write_fec(FiscalYear(start_date=START, end_date=date(START.year, 3, 31)), args.output)
    print(f"  trimestre : {quarter}", flush=True)
    full = write_fec(year, args.output)
    print(f"  année : {full}", flush=True)
    met = full["lines_per_second"] >= TARGET_LINES_PER_SECOND
    print(
        f"FEC {START.year} : {full['lines']:,} lignes en {full['seconds']} s, "
        f"{full['lines_per_second']:,} lignes/s (cible ≥ {TARGET_LINES_PER_SECOND:,} : "
        f"{'ok' if met else 'MANQUÉ'}) ; lettrage seul {lettering_seconds} s ; RSS de pointe "
        f"{baseline} Mo avant, {quarter['peak_rss_mb']} Mo après le trimestre "
        f"({quarter['lines']:,} lignes), {full['peak_rss_mb']} Mo après l'année".replace(",", " ")
    )
    results = Path("bench/results")
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"fec-{datetime.now():%Y-%m-%d}.json"  # noqa: DTZ005
    path.write_text(
        json.dumps(
            {
                "machine": machine,
                "baseline_rss_mb": baseline,
                "lettering_seconds": lettering_seconds,
                "quarter": quarter,
                "year": full,
            },
            indent=2,
        )
    )
    print(f"Résultats : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
