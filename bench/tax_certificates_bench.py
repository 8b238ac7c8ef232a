"""Tax certificates bench (issue 13): generating a year's certificates for 5,000 individual
customers, their PDFs included: target <= 2 minutes.

    .venv/bin/python -m bench.tax_certificates_bench [--regenerate]

On PostgreSQL only, in a database of its own: BENCH_CERTIFICATES_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_certificates (created and migrated if
missing), filled once (bench/tax_certificates_data.py) and reused.

Each run removes the year's certificates, then times (a) the figures of every customer and
the certificates written (tax_certificates_generate: a few aggregate queries, bulk
writes), (b) their 5,000 PDFs (tax_certificate_pdfs_render, one Typst compiler reused in
each of --jobs processes, by default one a CPU),
(c) generating again with nothing changed (every certificate left as it is), and (d) the
list page for the direction. Figures are printed (never asserted).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench.database import configure_environment, database_create_if_missing

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_certificates"
TARGET_SECONDS = 120.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tax_certificates_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="processus pour les PDF"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    url = configure_environment(os.environ.get("BENCH_CERTIFICATES_DATABASE_URL", DEFAULT_URL))
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import tax_certificates_data as data

    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    if args.regenerate or not data.data_ready():
        print("Génération des données…", flush=True)
        data.certificates_generate_data(log=lambda line: print(line, flush=True))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        print("Données présentes.")
    return run(data.YEAR, args.jobs)


def _queries_during(action) -> tuple[object, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = action()
    return result, len(queries)


def _cpu_seconds() -> float:
    """User and system CPU time of this process and of its finished children (the PDF
    workers): what the work costs whatever the load of a shared machine."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(year: int, jobs: int) -> int:
    from django.contrib.auth.models import User
    from django.core.files.storage import default_storage
    from django.test import Client

    from creneau.accounting.models import TaxCertificate
    from creneau.accounting.tax_certificate_services import (
        tax_certificate_pdfs_render,
        tax_certificates_generate,
    )

    for certificate in TaxCertificate.objects.filter(year=year).exclude(pdf="").iterator():
        default_storage.delete(certificate.pdf.name)
    TaxCertificate.objects.filter(year=year).delete()
    started = time.monotonic()
    summary, generate_queries = _queries_during(
        lambda: tax_certificates_generate(year=year, by=None)
    )
    generated = time.monotonic()
    cpu_before = _cpu_seconds()
    made = tax_certificate_pdfs_render(year=year, jobs=jobs)
    rendered = time.monotonic()
    cpu = _cpu_seconds() - cpu_before
    again = tax_certificates_generate(year=year, by=None)
    unchanged = time.monotonic()
    total = rendered - started
    print(
        f"\nAttestations {year} : {summary.created} générées, {len(summary.excluded)} clients "
        f"sans attestation"
    )
    print(f"(a) chiffres et écriture : {generated - started:.1f} s ({generate_queries} requêtes)")
    print(f"(b) {made} PDF en {jobs} processus : {rendered - generated:.1f} s "
          f"({1000 * (rendered - generated) / max(made, 1):.1f} ms par PDF)")  # fmt: skip
    print(f"    CPU de (b), tous processus : {cpu:.1f} s ({1000 * cpu / max(made, 1):.1f} ms par "
          f"PDF) : sur {jobs} cœurs libres, (b) prendrait {cpu / jobs:.0f} s")  # fmt: skip
    print(f"(a)+(b) : {total:.1f} s, cible ≤ {TARGET_SECONDS:.0f} s : "
          f"{'atteinte' if total <= TARGET_SECONDS else 'MANQUÉE'}")  # fmt: skip
    print(f"(c) régénération sans changement : {unchanged - rendered:.1f} s "
          f"({again.unchanged} inchangées)")  # fmt: skip
    user, _created = User.objects.get_or_create(
        username="bench-certificates", defaults={"is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    client.get("/accounting/tax-certificates/", {"year": year})
    times = []
    for page in (1, 2, 50, 100):
        begin = time.monotonic()
        response = client.get("/accounting/tax-certificates/", {"year": year, "page": page})
        times.append(1000 * (time.monotonic() - begin))
        assert response.status_code == 200, response.status_code
    print(f"(d) page de la liste (pages 1, 2, 50, 100) : {', '.join(f'{t:.0f}' for t in times)} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
