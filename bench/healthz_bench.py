"""/healthz bench (issue 15): what one probe of a load balancer costs the server.

    .venv/bin/python -m bench.healthz_bench [--probes 500]

On PostgreSQL, in a database of its own: BENCH_HEALTHZ_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_healthz (created and migrated if
missing). Three workers' heartbeats are recorded, then --probes requests go through
Django's whole stack in this process (the test client: no network), with the private
files in a temporary folder. Prints the wall time (p50, p95, max) and the CPU time per
probe, and the queries of one probe; never asserted. Saved in
bench/results/healthz-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.database import configure_environment, database_create_if_missing

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_healthz"
RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def probe_times(probes: int) -> tuple[list[float], list[float]]:
    from django.test import Client

    client = Client()
    walls, cpus = [], []
    for _probe in range(probes):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get("/healthz")
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu_started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"/healthz answered {response.status_code}: {response.content!r}")
    return walls, cpus


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.healthz_bench", description=__doc__)
    parser.add_argument("--probes", type=int, default=500)
    arguments = parser.parse_args(argv)

    url = configure_environment(os.environ.get("BENCH_HEALTHZ_DATABASE_URL", DEFAULT_URL))
    database_create_if_missing(url)
    os.environ["PRIVATE_FILES_ROOT"] = tempfile.mkdtemp(prefix="creneau-healthz-bench-")
    os.environ["STATIC_MANIFEST"] = "false"  # no static file served here
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from creneau.operations.services import worker_heartbeat_record

    call_command("migrate", "--no-input", verbosity=0)
    for number in range(3):
        worker_heartbeat_record(
            worker_id=f"bench-{number}", hostname="bench", pid=number, started_at=timezone.now()
        )
    probe_times(20)  # warm up: connections, imports
    walls, cpus = probe_times(arguments.probes)
    with CaptureQueriesContext(connection) as queries:
        Client().get("/healthz")
    figures = {
        "probes": arguments.probes,
        "wall_ms": {
            "p50": round(statistics.median(walls), 2),
            "p95": round(percentile(walls, 0.95), 2),
            "max": round(max(walls), 2),
        },
        "cpu_ms_mean": round(statistics.mean(cpus), 2),
        "queries": len(queries.captured_queries),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    print("/healthz (database, local storage probe, 3 workers' heartbeats):")
    print(json.dumps(figures, indent=2))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 (a file name)
    (RESULTS / f"healthz-{stamp}.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
