"""Scale-out test (issue 15): two web instances behind a round-robin proxy, two task
workers, PostgreSQL and S3 (moto's server), on loopback; a month's billing run (issued,
PDFs stored on S3, e-mailed to an SMTP sink) while portal customers log in and browse.

    .venv/bin/python -m bench.scale_out [--customers 1000] [--users 50] [--seconds 120]

On PostgreSQL only, in a database of its own: BENCH_SCALE_OUT_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_scaleout_bench, emptied and filled again at
each run (bench/scale_out_data.py). The machines are bench/scale_out_cluster.py's.

Then it checks, and prints what failed:
- no double billing: every done visit of the month on exactly one invoice line, invoice
  numbers without gap, the journal's chain whole;
- no lost e-mail: each invoice has one e-mail, received exactly once by the SMTP sink;
- no missing file: each invoice's PDF is in the S3 bucket, the very bytes (sha256) that
  were attached to its e-mail;
- both web instances answered requests, both workers ran tasks, no task failed, the
  portal users met no error.
Figures (requests per instance, tasks per worker, durations, errors) are printed and
saved (bench/results/scale_out-<date>.json and .md). The test suite runs the same at a
small size (creneau/billing/tests/test_scale_out.py).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_scaleout_bench"


@dataclass
class Outcome:
    """What a scale-out run did, and what its checks found wrong (nothing, hopefully)."""

    run_id: int = 0
    invoices: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    requests_per_instance: dict[str, int] = field(default_factory=dict)
    tasks_per_worker: dict[str, Counter] = field(default_factory=dict)
    portal_stats: object = None
    problems: list[str] = field(default_factory=list)


# --- The billing run, through the proxy ---------------------------------------------------


def _api(cluster, token: str):
    import httpx

    # No keep-alive, as the portal's users (bench/portal_users.py).
    return httpx.Client(
        base_url=cluster.base_url + "/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def billing_run_through_api(cluster, data, outcome: Outcome, timeout: float) -> None:
    """Preview then issue with sending, through the proxy; wait until every invoice is
    issued, its PDF stored and its e-mail received."""
    from creneau.billing.models import Invoice
    from creneau.core.models import OutboxEmail

    started = time.monotonic()
    with _api(cluster, data.token) as api:
        answer = api.post(
            "/billing-runs",
            json={"period_start": str(data.period_start), "period_end": str(data.period_end)},
        )
        answer.raise_for_status()
        outcome.run_id = answer.json()["id"]
        outcome.seconds["aperçu (requête)"] = time.monotonic() - started
        answer = api.post(f"/billing-runs/{outcome.run_id}/issue", json={"send": True})
        answer.raise_for_status()
        issue_started = time.monotonic()
        deadline = issue_started + timeout
        status = answer.json()["status"]
        while status != "issued" and time.monotonic() < deadline:
            time.sleep(1)
            status = api.get(f"/billing-runs/{outcome.run_id}").json()["status"]
    if status != "issued":
        outcome.problems.append(f"la facturation n'est pas émise au bout de {timeout:.0f} s")
        return
    outcome.seconds["émission (workers)"] = time.monotonic() - issue_started
    invoices = Invoice.objects.filter(billing_run_id=outcome.run_id)
    outcome.invoices = invoices.count()
    sent = OutboxEmail.objects.filter(related_type="invoice", status=OutboxEmail.Status.SENT)
    done = {}
    while time.monotonic() < deadline:
        if "PDF" not in done and not invoices.filter(pdf="").exists():
            done["PDF"] = time.monotonic() - issue_started
        all_sent = len(cluster.smtp.messages) >= outcome.invoices
        if "e-mails" not in done and all_sent and sent.count() >= outcome.invoices:
            done["e-mails"] = time.monotonic() - issue_started
        if len(done) == 2:
            break
        time.sleep(0.5)
    outcome.seconds["émission → tous les PDF sur S3"] = done.get("PDF", float("nan"))
    outcome.seconds["émission → tous les e-mails reçus"] = done.get("e-mails", float("nan"))
    outcome.seconds["facturation en tout"] = time.monotonic() - started
    if len(done) < 2:
        outcome.problems.append(f"PDF ou e-mails manquants au bout de {timeout:.0f} s")


# --- The checks -----------------------------------------------------------------------------


def check_billing(outcome: Outcome, data) -> list[str]:
    from creneau.billing.journal import journal_verify
    from creneau.billing.models import BilledIntervention, Invoice
    from creneau.planning.models import Intervention

    problems = []
    numbers: dict[str, list[int]] = {}
    for number in Invoice.objects.exclude(number="").values_list("number", flat=True):
        prefix, sequence = number.rsplit("-", 1)
        numbers.setdefault(prefix, []).append(int(sequence))
    for prefix, sequences in numbers.items():
        if sorted(sequences) != list(range(1, len(sequences) + 1)):
            problems.append(f"numéros {prefix}-… avec des trous ou des doublons")
    done = Intervention.objects.filter(
        status=Intervention.Status.DONE,
        start__date__gte=data.period_start,
        start__date__lte=data.period_end,
    )
    billed = Counter(BilledIntervention.objects.values_list("intervention_id", flat=True))
    twice = [pk for pk, count in billed.items() if count > 1]
    missing = set(done.values_list("pk", flat=True)) - set(billed)
    if twice:
        problems.append(f"{len(twice)} passages facturés deux fois")
    if missing:
        problems.append(f"{len(missing)} passages réalisés non facturés")
    if not journal_verify().ok:
        problems.append("chaîne du journal rompue")
    return problems


def _pdf_attachment(message) -> bytes | None:
    for part in message.iter_attachments():
        if part.get_content_type() == "application/pdf":
            return part.get_content()
    return None


def check_emails_and_files(outcome: Outcome, cluster) -> list[str]:
    """Each invoice: one e-mail, received once, whose PDF is the one stored on S3."""
    from bench.scale_out_cluster import BUCKET
    from creneau.billing.models import Invoice
    from creneau.core.models import OutboxEmail

    problems = []
    received = Counter(message["Message-ID"] for message in cluster.smtp.messages)
    attached = {
        message["Message-ID"]: _pdf_attachment(message) for message in cluster.smtp.messages
    }
    emails: dict[str, list[OutboxEmail]] = {}
    for email in OutboxEmail.objects.filter(related_type="invoice"):
        emails.setdefault(email.related_id, []).append(email)
    s3 = cluster.s3_client()
    faults = Counter()
    for invoice in Invoice.objects.filter(billing_run_id=outcome.run_id).order_by("pk"):
        its = emails.get(str(invoice.pk), [])
        if len(its) != 1:
            faults[f"factures avec {len(its)} e-mails"] += 1
            continue
        message_id = its[0].message_id_header
        if received[message_id] != 1:
            faults[f"e-mails reçus {received[message_id]} fois"] += 1
            continue
        if not invoice.pdf:
            faults["factures sans PDF"] += 1
            continue
        try:
            stored = s3.get_object(Bucket=BUCKET, Key=invoice.pdf.name)["Body"].read()
        except Exception as error:  # a missing key, whatever the client calls it
            faults[f"PDF absents de S3 ({type(error).__name__})"] += 1
            continue
        sent = attached.get(message_id)
        if not stored.startswith(b"%PDF") or sent is None:
            faults["PDF illisibles ou non joints"] += 1
        elif hashlib.sha256(stored).hexdigest() != hashlib.sha256(sent).hexdigest():
            faults["PDF sur S3 différents de la pièce jointe (sha256)"] += 1
    problems += [f"{count} {fault}" for fault, count in faults.items()]
    strangers = len(cluster.smtp.messages) - outcome.invoices
    if strangers:
        problems.append(f"{strangers} e-mails reçus en plus des factures")
    return problems


def tasks_per_worker() -> dict[str, Counter]:
    """Tasks run by each worker, by task name (DBTaskResult.worker_ids)."""
    from django_tasks_db.models import DBTaskResult

    counts: dict[str, Counter] = {}
    for worker_ids, path in DBTaskResult.objects.exclude(worker_ids=[]).values_list(
        "worker_ids", "task_path"
    ):
        for worker_id in worker_ids:
            counts.setdefault(worker_id, Counter())[path.rsplit(".", 1)[-1]] += 1
    return counts


def check_sharing(outcome: Outcome, cluster) -> list[str]:
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from bench.scale_out_cluster import WORKER_IDS

    problems = []
    for instance, count in outcome.requests_per_instance.items():
        if count == 0:
            problems.append(f"{instance} n'a servi aucune requête")
    for worker_id in WORKER_IDS:
        if not sum(outcome.tasks_per_worker.get(worker_id, Counter()).values()):
            problems.append(f"{worker_id} n'a exécuté aucune tâche")
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count()
    if failed:
        problems.append(f"{failed} tâches en échec")
    stats = outcome.portal_stats
    if stats is None or stats.error_count or not stats.logged_in:
        errors = stats.reasons.most_common(3) if stats is not None else "aucune"
        problems.append(f"portail : erreurs {errors}")
    for name, lines in cluster.error_lines().items():
        problems.append(f"journal de {name} : {len(lines)} erreurs, dont {lines[0][:200]}")
    return problems


# --- The whole run --------------------------------------------------------------------------


def scale_out_run(
    cluster, data, *, seconds: float, users: int, ramp: float, timeout: float
) -> Outcome:
    """The billing run and the portal load together, then the checks."""
    from django.utils import timezone

    from bench.portal_users import load_run
    from bench.scale_out_data import PORTAL_PASSWORD

    outcome = Outcome()
    result: dict[str, object] = {}

    def portal() -> None:
        run = load_run(
            base_url=cluster.base_url, emails=data.portal_emails[:users],
            password=PORTAL_PASSWORD, seconds=seconds, ramp=ramp, think=(0.5, 2.0),
            today=timezone.localdate(),
        )  # fmt: skip
        result["stats"], result["elapsed"] = asyncio.run(run)

    load = threading.Thread(target=portal, name="portal-load")
    started = time.monotonic()
    load.start()
    try:
        billing_run_through_api(cluster, data, outcome, timeout)
    finally:
        load.join(timeout=seconds + ramp + 120)
    outcome.seconds["en tout"] = time.monotonic() - started
    outcome.portal_stats = result.get("stats")
    outcome.requests_per_instance = cluster.requests_per_instance()
    outcome.tasks_per_worker = tasks_per_worker()
    if not outcome.problems:
        outcome.problems += check_billing(outcome, data)
        outcome.problems += check_emails_and_files(outcome, cluster)
    outcome.problems += check_sharing(outcome, cluster)
    return outcome


def outcome_lines(outcome: Outcome, *, customers: int, users: int, seconds: float) -> list[str]:
    from bench.portal_users import KINDS, NOT_PAGES

    stats = outcome.portal_stats
    lines = [
        f"Montée en charge : 2 instances gunicorn (gthread) derrière HAProxy (round robin), "
        f"2 workers db_worker, PostgreSQL, S3 (moto) ; {customers} clients, "
        f"{outcome.invoices} factures émises, envoyées et stockées ; {users} utilisateurs "
        f"du portail pendant {seconds:.0f} s en même temps",
        "Durées (s) : "
        + " ; ".join(f"{name} {value:.1f}" for name, value in outcome.seconds.items()),
        "Requêtes par instance : "
        + ", ".join(f"{name} {count}" for name, count in outcome.requests_per_instance.items()),
    ]
    for worker_id, counts in sorted(outcome.tasks_per_worker.items()):
        detail = ", ".join(f"{name} {count}" for name, count in counts.most_common())
        lines.append(f"Tâches de {worker_id} : {sum(counts.values())} ({detail})")
    if stats is not None:
        pages = [kind for kind in KINDS if kind not in NOT_PAGES]
        n, p50, p95, p99, top, _errors = stats.summary(pages)
        lines.append(
            f"Portail : {stats.requests} requêtes, {stats.logged_in}/{users} connectés ; pages "
            f"n={n} p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {top:.0f} ms ; "
            f"erreurs {stats.error_count}"
        )
    lines.append(
        "Vérifications : "
        + ("aucun problème" if not outcome.problems else "; ".join(outcome.problems))
    )
    return lines


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale_out", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50, help="utilisateurs du portail")
    parser.add_argument("--seconds", type=float, default=120.0, help="durée de leur visite")
    parser.add_argument("--timeout", type=float, default=1800.0)
    return parser.parse_args(argv)


def database_reset(url: str) -> None:
    """An empty, migrated database at each run (the numbering starts again at 1)."""
    from urllib.parse import urlsplit

    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    from bench.database import configure_environment

    url = configure_environment(os.environ.get("BENCH_SCALE_OUT_DATABASE_URL", DEFAULT_URL))
    database_reset(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench.report import machine, save_lines
    from bench.scale_out_cluster import BENCH_PORTS, Cluster, haproxy_available
    from bench.scale_out_data import scale_out_generate

    if not haproxy_available():
        raise SystemExit("HAProxy manque (apt-get install haproxy).")
    print(f"Base : {url} (vidée)")
    call_command("migrate", verbosity=0, interactive=False)
    generated = time.monotonic()
    data = scale_out_generate(
        customers=args.customers, portal_users=args.users, today=timezone.localdate()
    )
    print(f"Données : {data.done_visits} passages réalisés à facturer "
          f"({time.monotonic() - generated:.0f} s)")  # fmt: skip
    from django.db import connections

    connections.close_all()
    with Cluster(database_url=url, ports=BENCH_PORTS) as cluster:
        print(f"Machines prêtes : {cluster.base_url} ; facturation et portail…")
        outcome = scale_out_run(
            cluster, data, seconds=args.seconds, users=args.users, ramp=10, timeout=args.timeout
        )
    lines = outcome_lines(outcome, customers=args.customers, users=args.users,
                          seconds=args.seconds)  # fmt: skip
    print("\n".join(lines))
    where = machine()
    print(where)
    paths = save_lines("scale_out", lines, where)
    print("Résultats : " + ", ".join(str(path) for path in paths))
    return 1 if outcome.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
