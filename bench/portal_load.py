"""Client portal load test (issue 14): 100 customers at once on the portal, for 2 minutes,
against gunicorn (2 workers) and PostgreSQL on 127.0.0.1. Target: p99 <= 100 ms for
pages, 0 errors.

    .venv/bin/python -m bench.portal_load [--seconds 120] [--users 100] [--workers 2]
        [--threads 4] [--ramp 30] [--think 1,5] [--regenerate] [--no-queries]

PORTAL_LOAD_SECONDS and PORTAL_LOAD_USERS set the defaults of --seconds and --users
(a smoke run: PORTAL_LOAD_SECONDS=15 PORTAL_LOAD_USERS=10).

The database is BENCH_PORTAL_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/creneau_bench_portal: created and migrated if
missing, filled once (bench/portal_data.py: 2,000 customers, 350,000 visits, 30,000
invoices with their stored PDFs, 100 portal accesses) and reused. The stored PDFs live
under var/bench_portal_files (PRIVATE_FILES_ROOT of this process and of gunicorn), and
are written again when missing.

gunicorn serves config.wsgi:application with production settings (DEBUG off, HTTPS off
as on a plain http://127.0.0.1, persistent database connections) on a free port of
127.0.0.1. The simulated users are bench/portal_users.py (httpx, asyncio, one client
each). Then, unless --no-queries, one access of each kind opens each page once in this
process (Django's test client) to count its SQL queries.

Figures are printed and saved (bench/results/portal_load-<date>.json and .md); never
asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.database import configure_environment, database_create_if_missing

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench_portal"
FILES_ROOT = ROOT / "var" / "bench_portal_files"
SECRET_KEY = "bench-portal-only-not-a-secret"
TARGET_P99_MS = 100.0
SERVER_TITLE = "Temps du serveur (journal de gunicorn, sans l'attente dans la file) :"
CPU_TITLE = (
    "CPU du fil du worker par requête (ne croît pas avec la charge de la machine ; sans "
    "PostgreSQL, ni les fils d'Argon2) :"
)


# Still 2 workers (processes), each of the gthread class with 4 threads, as the portal is
# deployed (docs/performance.md): a login hashes its password with Argon2 (~200 ms of CPU,
# argon2-cffi releases the GIL) in one thread while the worker's other threads serve
# pages; a sync worker would hold every page behind each login's hash.
DEFAULT_THREADS = 4


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.portal_load", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("PORTAL_LOAD_SECONDS", 120))
    )
    parser.add_argument("--users", type=int, default=int(os.environ.get("PORTAL_LOAD_USERS", 100)))
    parser.add_argument("--workers", type=int, default=2, help="workers gunicorn")
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help="fils par worker (> 1 : gunicorn gthread ; 1 : sync)",
    )
    parser.add_argument("--ramp", type=float, default=30.0, help="connexions étalées sur… s")
    parser.add_argument("--think", default="1,5", help="pause entre deux pages : min,max s")
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--no-queries", action="store_true", help="sans le compte des requêtes")
    return parser.parse_args(argv)


# --- gunicorn ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", DEBUG="false", HTTPS="false",
        SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS="127.0.0.1", DATABASE_URL=database_url,
        PRIVATE_FILES_ROOT=str(FILES_ROOT), DB_CONN_MAX_AGE="600", LOG_LEVEL="WARNING",
    )  # fmt: skip
    return env


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process of this machine so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def database_backends_cpu() -> dict[int, float]:
    """CPU so far of the PostgreSQL backends serving the bench's database (gunicorn's
    workers' connections), by process id: the server runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    return {pid: process_cpu_seconds(pid) for pid in pids}


def page_kind(method: str, path: str, query: str) -> str:
    """The page kind of bench.portal_users that a request of the server's logs was."""
    from bench import portal_users as kinds

    if method == "POST":
        return kinds.LOGIN_POST
    if path.endswith("/pdf/"):
        return kinds.PDF
    if path.startswith("/portail/factures/"):
        return kinds.INVOICES
    if path.startswith("/portail/visites/"):
        if "vue=liste" in query:
            return kinds.VISIT_LIST
        return kinds.CALENDAR_OTHER if "mois=" in query else kinds.CALENDAR
    return kinds.HOME + " ou formulaire"


class Gunicorn:
    """gunicorn in a process of its own, its log in a temporary file."""

    def __init__(self, *, database_url: str, workers: int, threads: int = 1) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        handle, log_path = tempfile.mkstemp(prefix="portal-load-gunicorn-", suffix=".log")
        self.log_path = Path(log_path)
        access, access_path = tempfile.mkstemp(prefix="portal-load-access-", suffix=".log")
        os.close(access)
        self.access_path = Path(access_path)
        self.cpu_dir = Path(tempfile.mkdtemp(prefix="portal-load-cpu-"))
        env = gunicorn_environment(database_url)
        env["PORTAL_LOAD_CPU_DIR"] = str(self.cpu_dir)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application",
             "--config", "python:bench.portal_gunicorn",
             "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "60", "--log-level", "warning",
             # The server's own time of each request, from the worker's accept to its
             # last byte written: the client's figure minus the wait in the queue.
             "--access-logfile", str(self.access_path),
             "--access-logformat", "%(m)s %(U)s %(q)s %(s)s %(L)s"],
            cwd=ROOT, env=env, stdout=handle,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        os.close(handle)  # gunicorn holds its own copy

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.base_url + "/portail/", timeout=5).status_code < 500:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn ne répond pas ; son journal :\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def workers_cpu_seconds(self) -> float:
        """User + system CPU of the workers so far (from /proc; 0 where it is missing)."""
        return sum(process_cpu_seconds(pid) for pid in self.worker_pids())

    def access_lines(self) -> int:
        return len(self.access_path.read_text().splitlines())

    def server_times(self, skip: int) -> dict[str, list[float]]:
        """The server's times (ms) by page kind, from the access log's lines after `skip`."""
        times: dict[str, list[float]] = {}
        for line in self.access_path.read_text().splitlines()[skip:]:
            method, path, query, _status, seconds = line.split(" ")
            times.setdefault(page_kind(method, path, query), []).append(float(seconds) * 1000)
        return times

    def cpu_reset(self) -> None:
        for log in self.cpu_dir.glob("cpu-*.log"):
            log.unlink()

    def cpu_times(self) -> dict[str, list[float]]:
        """Each request's CPU time in its worker (ms) by page kind (bench.portal_gunicorn)."""
        times: dict[str, list[float]] = {}
        for log in self.cpu_dir.glob("cpu-*.log"):
            for line in log.read_text().splitlines():
                method, path, query, milliseconds = line.split(" ")
                kind = page_kind(method, path, "" if query == "-" else query)
                times.setdefault(kind, []).append(float(milliseconds))
        return times

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- Report -----------------------------------------------------------------------------


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def figure_lines(
    stats, elapsed: float, *, users: int, seconds: float, workers: int, threads: int, ramp: float
) -> list[str]:
    from bench.portal_users import KINDS, NOT_PAGES, PDF

    def line(label: str, kinds: list[str], target: bool = False, since: float = -math.inf) -> str:
        n, p50, p95, p99, top, errors = stats.summary(kinds, since)
        text = (f"{label:<30} {n:>6} {p50:>7.1f} {p95:>7.1f} {p99:>7.1f} {top:>7.1f} "
                f"{errors:>7}")  # fmt: skip
        if target:
            verdict = "atteinte" if n and p99 <= TARGET_P99_MS else "MANQUÉE"
            text += f"   cible p99 ≤ {TARGET_P99_MS:.0f} ms : {verdict}"
        return text

    pages = [kind for kind in KINDS if kind not in NOT_PAGES]
    steady_label = f"PAGES dès t={stats.steady_from - stats.started:.0f} s"
    pdf_count = len(stats.times_ms.get(PDF, []))
    lines = [
        f"Portail client : {users} utilisateurs simultanés, {seconds:.0f} s chacun après sa "
        f"connexion, pause de 1 à 5 s entre deux pages, connexions étalées sur {ramp:.0f} s ; "
        f"gunicorn {workers} workers "
        f"({f'gthread, {threads} fils chacun' if threads > 1 else 'sync'}) et PostgreSQL sur "
        "127.0.0.1",
        f"{'page':<30} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'erreurs':>7}   (ms)",
        *(line(kind, [kind]) for kind in KINDS),
        line("PAGES (hors envoi connexion)", pages, target=True),
        line(steady_label, pages, target=True, since=stats.steady_from),
        line("PDF", [PDF]),
        f"{stats.requests} requêtes en {elapsed:.0f} s : {stats.requests / elapsed:.1f} req/s "
        f"({sum(len(stats.times_ms.get(kind, [])) for kind in pages) / elapsed:.1f} pages/s, "
        f"{pdf_count / elapsed:.1f} PDF/s, "
        f"{stats.pdf_bytes / max(1, pdf_count) / 1024:.1f} Ko par PDF) ; "
        f"{stats.logged_in}/{users} connectés",
        f"erreurs : {stats.error_count} (cible 0 : "
        f"{'atteinte' if stats.error_count == 0 else 'MANQUÉE'})",
        *(f"  {count} fois : {reason}" for reason, count in stats.reasons.most_common(10)),
    ]
    return lines


def server_lines(times: dict[str, list[float]], title: str) -> list[str]:
    """The same requests as timed by gunicorn (its access log: without the queue) or by
    bench.portal_gunicorn (CPU time)."""
    from bench.portal_users import LOGIN_POST, PDF, percentile

    def line(label: str, values: list[float]) -> str:
        ordered = sorted(values)
        return (f"  {label:<28} {len(ordered):>6} {percentile(ordered, 0.5):>7.1f} "
                f"{percentile(ordered, 0.95):>7.1f} {percentile(ordered, 0.99):>7.1f} "
                f"{ordered[-1] if ordered else 0:>7.1f}")  # fmt: skip

    pages = [value for kind, values in times.items() if kind not in (LOGIN_POST, PDF)
             for value in values]  # fmt: skip
    return [
        title,
        *(line(kind, values) for kind, values in sorted(times.items())),
        line("PAGES (hors envoi connexion)", pages),
    ]


def run_load(args: argparse.Namespace, database_url: str) -> list[str]:
    from django.utils import timezone

    from bench.portal_data import PORTAL_PASSWORD, portal_emails
    from bench.portal_users import load_run, percentile

    think = tuple(float(value) for value in args.think.split(","))
    server = Gunicorn(database_url=database_url, workers=args.workers, threads=args.threads)
    try:
        server.wait_ready()
        print(f"gunicorn : {server.base_url}, {args.workers} workers {server.worker_pids()}")
        # Untimed: a few users go round every page once, so that each worker has loaded
        # its modules, templates and database connection before the figures start.
        warm_up = load_run(
            base_url=server.base_url, emails=portal_emails(min(4, args.users)),
            password=PORTAL_PASSWORD, seconds=3, ramp=0, think=(0, 0.05),
            today=timezone.localdate(),
        )  # fmt: skip
        asyncio.run(warm_up)
        load_before = load_average()
        cpu_before = server.workers_cpu_seconds()
        database_before = database_backends_cpu()
        print(f"Charge avant : {load_before} ; {args.users} utilisateurs pendant "
              f"{args.seconds:.0f} s…", flush=True)  # fmt: skip
        run = load_run(
            base_url=server.base_url, emails=portal_emails(args.users), password=PORTAL_PASSWORD,
            seconds=args.seconds, ramp=args.ramp, think=think, today=timezone.localdate(),
        )  # fmt: skip
        access_skip = server.access_lines()
        server.cpu_reset()
        client_cpu_before = time.process_time()
        stats, elapsed = asyncio.run(run)
        client_cpu = time.process_time() - client_cpu_before
        cpu = server.workers_cpu_seconds() - cpu_before
        database_cpu = sum(
            seconds - database_before.get(pid, 0.0)
            for pid, seconds in database_backends_cpu().items()
        )
        load_after = load_average()
        server_times = server.server_times(access_skip)
        cpu_times = server.cpu_times()
        log = server.log_tail(200).splitlines()
        errors_in_log = [line for line in log if "Traceback" in line or "ERROR" in line]
    finally:
        server.stop()
    lines = figure_lines(stats, elapsed, users=args.users, seconds=args.seconds,
                         workers=args.workers, threads=args.threads, ramp=args.ramp)  # fmt: skip
    lines.append(
        f"CPU des workers gunicorn : {cpu:.1f} s pour {stats.requests} requêtes, "
        f"{1000 * cpu / max(1, stats.requests):.1f} ms par requête (connexions Argon2 "
        f"comprises) ; {100 * cpu / elapsed / (os.cpu_count() or 1):.0f} % des "
        f"{os.cpu_count()} cœurs"
    )
    lines.append(
        f"CPU de PostgreSQL (ses processus servant les workers) : {database_cpu:.1f} s, "
        f"{1000 * database_cpu / max(1, stats.requests):.1f} ms par requête"
    )
    lines += server_lines(server_times, SERVER_TITLE)
    lines += server_lines(cpu_times, CPU_TITLE)
    lag = sorted(stats.loop_lag_ms)
    lines.append(
        f"client (ce processus, asyncio) : {client_cpu:.1f} s de CPU ; retard de sa boucle "
        f"p50 {percentile(lag, 0.5):.1f} ms, p99 {percentile(lag, 0.99):.1f} ms, max "
        f"{lag[-1] if lag else 0:.1f} ms (compté dans chaque temps mesuré)"
    )
    lines.append(f"charge de la machine (1 / 5 / 15 min) : avant {load_before}, "
                 f"après {load_after}")  # fmt: skip
    if errors_in_log:
        lines.append(f"journal de gunicorn : {len(errors_in_log)} lignes d'erreur, "
                     f"dont : {errors_in_log[0][:150]}")  # fmt: skip
    return lines


# --- SQL queries per page -----------------------------------------------------------------


def query_lines() -> list[str]:
    """Each page once, in process, for an account-level and a site-level access: its SQL
    queries and its server time (no network; after one untimed visit)."""
    import random

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.portal_data import ACCOUNT_LEVEL_USERS, PORTAL_PASSWORD, portal_emails
    from bench.portal_users import INVOICES_URL, PDF_LINK, VISITS_URL, neighbour_month

    month = neighbour_month(timezone.localdate(), random.Random(1))
    lines = ["Requêtes SQL par page (une visite, dans le processus, après une visite à blanc) :"]
    for label, email in (("compte", portal_emails()[0]),
                         ("site", portal_emails()[ACCOUNT_LEVEL_USERS])):  # fmt: skip
        client = Client()
        answer = client.post("/portail/", {"email": email, "password": PORTAL_PASSWORD})
        if answer.status_code != 302:
            lines.append(f"  accès {label} : connexion impossible (HTTP {answer.status_code})")
            continue
        invoices = client.get(INVOICES_URL)
        ids = PDF_LINK.findall(invoices.content.decode()) if invoices.status_code == 200 else []
        pages = [
            ("calendrier", VISITS_URL, {}),
            ("autre mois", VISITS_URL, {"mois": month}),
            ("liste", VISITS_URL, {"vue": "liste"}),
            ("factures", INVOICES_URL, {}),
        ]
        if ids:
            pages.append(("PDF", f"/portail/factures/{ids[0]}/pdf/", {}))
        parts = []
        for name, url, params in pages:
            client.get(url, params)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, params)
                elapsed = (time.perf_counter() - started) * 1000
            status = response.status_code
            parts.append(f"{name} {len(queries)} req. {elapsed:.0f} ms (HTTP {status})")
        lines.append(f"  accès {label} : " + ", ".join(parts))
    return lines


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    os.environ["SECRET_KEY"] = SECRET_KEY  # gunicorn's: the same sessions on both sides
    url = configure_environment(os.environ.get("BENCH_PORTAL_DATABASE_URL", DEFAULT_URL))
    os.environ["HTTPS"] = "false"
    os.environ["PRIVATE_FILES_ROOT"] = str(FILES_ROOT)
    created = database_create_if_missing(url)
    import django

    django.setup()
    from django.core.management import call_command

    from bench import portal_data
    from bench.report import machine, save_lines

    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    generation = ""
    if args.regenerate or not portal_data.data_ready():
        print("Génération des données…")
        seconds = portal_data.portal_generate(log=print)
        generation = f"données générées en {seconds:.0f} s"
    else:
        written = portal_data.invoice_pdfs_store()
        print(f"Données présentes{f' ({written} PDF réécrits)' if written else ''}.")
    if args.users > portal_data.PORTAL_USERS:
        raise SystemExit(f"--users : au plus {portal_data.PORTAL_USERS}")
    lines = run_load(args, url)
    if generation:
        lines.append(generation)
    if not args.no_queries:
        lines += query_lines()
    print()
    print("\n".join(lines))
    where = machine()
    print(where)
    paths = save_lines("portal_load", lines, where)
    print("Résultats : " + ", ".join(str(path) for path in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
