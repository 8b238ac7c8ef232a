"""Import bench (issue 15): 50,000 customers with 80,000 sites (and a contact each, a
mandate for one in five) from a CSV and from an .xlsx, on PostgreSQL.

    .venv/bin/python -m bench.import_bench [--customers 50000] [--format csv|xlsx|both]

In a database of its own: BENCH_IMPORT_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_imports_bench (created and migrated if
missing). Each format runs in a child process, so that its peak RSS is its own: upload
(a CSV re-encoded; a workbook only stored), conversion (the xlsx read into a CSV once, the
task worker's part), check (the preview), import (one transaction), then
the undo, which leaves the database as it found it. Targets: check <= 60 s, import
<= 120 s. Figures are printed (never asserted) and saved in bench/results/import-<date>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.database import configure_environment, database_create_if_missing

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_imports_bench"
HEADERS = [
    "Code client", "Raison sociale", "Type", "Adresse", "CP", "Ville", "Téléphone", "E-mail",
    "SIRET", "IBAN", "RUM", "Date signature", "Site", "Adresse site", "CP site", "Ville site",
    "Groupe", "Interlocuteur", "Fonction", "Email contact",
]  # fmt: skip
CITIES = [
    ("75011", "Paris"), ("69003", "Lyon"), ("13008", "Marseille"), ("33000", "Bordeaux"),
    ("59000", "Lille"), ("31000", "Toulouse"), ("44000", "Nantes"), ("06000", "Nice"),
]  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _luhn_complete(base: str) -> str:
    """`base` followed by the digit that makes it pass Luhn's check."""
    for check in "0123456789":
        digits = [int(c) for c in reversed(base + check)]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
                    for i, d in enumerate(digits))  # fmt: skip
        if total % 10 == 0:
            return base + check
    raise AssertionError(base)


def _siret(number: int) -> str:
    """A valid SIRET: a valid SIREN, then an establishment number keeping Luhn's check."""
    return _luhn_complete(_luhn_complete(f"{number:08d}") + "0001")


def rows(customers: int):
    """One row per site: 30 % of the customers have two sites (80,000 for 50,000)."""
    from schwifty import IBAN

    for number in range(customers):
        postcode, city = CITIES[number % len(CITIES)]
        business = number % 3 == 0
        mandate = number % 5 == 0
        customer = [
            f"S{number:06d}", f"Client {number} {'SARL' if business else 'Dupont'}",
            "professionnel" if business else "particulier", f"{number % 200 + 1} rue des Lilas",
            postcode, city, f"01{number:08d}", f"client{number}@exemple.fr",
            _siret(number + 1000) if business else "",
            str(IBAN.generate("FR", bank_code="30006", account_code=f"{number:011d}"))
            if mandate else "",
            f"RUM-BENCH-{number}" if mandate else "", "15/03/2024" if mandate else "",
        ]  # fmt: skip
        for site in range(2 if number % 10 < 6 else 1):
            yield [*customer, f"Site {site + 1}", f"{site + 2} avenue Foch", postcode, city,
                   "A" if site == 0 else "B", f"Contact {number}-{site}" if site == 0 else "",
                   "Comptabilité" if site == 0 else "", ""]  # fmt: skip


def write_files(folder: Path, customers: int) -> dict[str, Path]:
    import openpyxl

    csv_path, xlsx_path = folder / "clients.csv", folder / "clients.xlsx"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(rows(customers))
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    for row in rows(customers):
        sheet.append(row)
    workbook.save(xlsx_path)
    return {"csv": csv_path, "xlsx": xlsx_path}


def _timed(function, **kwargs):
    """The call's result and its wall-clock seconds; the process's CPU seconds are kept in
    CPU_SECONDS (the database's work aside), which a busy machine does not inflate."""
    started, cpu = time.perf_counter(), time.process_time()
    result = function(**kwargs)
    CPU_SECONDS[function.__name__] = round(time.process_time() - cpu, 1)
    return result, round(time.perf_counter() - started, 1)


CPU_SECONDS: dict[str, float] = {}


def run_one(path: Path) -> dict:
    """Upload, check, import and undo one file (in this process)."""
    import django

    django.setup()
    from creneau.customers.models import Customer
    from creneau.imports.services import (
        batch_check,
        batch_confirm,
        batch_convert,
        batch_start_check,
        batch_upload,
    )
    from creneau.imports.writer import batch_execute, batch_undo

    figures: dict = {"file": path.name, "bytes": path.stat().st_size}
    figures["load_average_start"] = os.getloadavg()[0]
    before = Customer.objects.count()
    with path.open("rb") as handle:
        size = path.stat().st_size
        batch, figures["upload_seconds"] = _timed(
            batch_upload, by=None, upload=handle, name=path.name, size=size, enqueue=False
        )
    if batch.status == batch.Status.CONVERTING:  # the task worker's part for a workbook
        batch, figures["convert_seconds"] = _timed(batch_convert, batch_id=batch.pk)
    figures["rss_after_upload_mb"] = round(peak_rss_mb())
    batch_start_check(batch=batch, enqueue=False)
    batch, figures["check_seconds"] = _timed(batch_check, batch_id=batch.pk)
    figures["rss_after_check_mb"] = round(peak_rss_mb())
    figures.update(rows=batch.row_count, customers=batch.customer_count, sites=batch.site_count,
                   errors=batch.error_count, duplicates=batch.duplicate_count)  # fmt: skip
    if batch.error_count:
        figures["first_errors"] = list(batch.issues.values_list("row", "message")[:5])
        return figures
    batch_confirm(batch=batch, by=None, enqueue=False)
    batch, figures["import_seconds"] = _timed(batch_execute, batch_id=batch.pk)
    figures["rss_after_import_mb"] = round(peak_rss_mb())
    figures["created_customers"] = Customer.objects.count() - before
    _batch, figures["undo_seconds"] = _timed(batch_undo, batch=batch, by=None)
    figures["customers_after_undo"] = Customer.objects.count() - before
    figures["python_cpu_seconds"] = dict(CPU_SECONDS)
    figures["load_average"] = os.getloadavg()[0]
    return figures


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.import_bench", description=__doc__)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--format", choices=["csv", "xlsx", "both"], default="both")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    url = configure_environment(os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_URL))
    if args.child:
        print(json.dumps(run_one(Path(args.child))))
        return
    if database_create_if_missing(url):
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], check=True)
    today = datetime.now(tz=UTC).date()
    results = {"date": today.isoformat(), "customers": args.customers, "runs": []}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        files = write_files(Path(folder), args.customers)
        results["generate_seconds"] = round(time.perf_counter() - started, 1)
        formats = ["csv", "xlsx"] if args.format == "both" else [args.format]
        for kind in formats:
            child = subprocess.run(
                [sys.executable, "-m", "bench.import_bench", "--child", str(files[kind])],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            results["runs"].append(figures)
            print(json.dumps(figures, ensure_ascii=False))
    target = Path("bench/results") / f"import-{results['date']}.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"saved in {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
