"""The scale-out test's machines, on loopback (bench/scale_out.py, and its small size in
creneau/billing/tests/test_scale_out.py): S3, a mail server, two web instances behind a
round-robin proxy, two task workers, all on one PostgreSQL database.

- S3: moto's S3 server (`python -m moto.server`, from moto[s3]), as S3-compatible as
  MinIO for what django-storages asks of it; MinIO cannot be installed here.
- The mail server: aiosmtpd in this process (creneau.core.tests.smtp), which keeps every
  message it accepts.
- Two gunicorn instances (gthread), each with its own CRENEAU_VAR_DIR (so nothing is
  shared through a local folder), DEBUG off, a connection pool (DB_POOL), the files on
  S3; no static files (nothing here fetches them). Each writes its access log.
- HAProxy (Debian's /usr/sbin/haproxy) in front of them, round robin, in HTTP mode.
- Two `manage.py db_worker`, named worker-a and worker-b (their ids are recorded on each
  task they run: DBTaskResult.worker_ids).

Every process is started by Cluster and stopped by it (terminate, then kill after 20 s);
their logs stay in its temporary folder until then.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
SECRET_KEY = "scale-out-only-not-a-secret"  # the same on both instances: shared sessions
BUCKET = "creneau-scale-out"
WORKER_IDS = ("worker-a", "worker-b")


@dataclass(frozen=True)
class Ports:
    proxy: int
    web: tuple[int, int]
    s3: int
    smtp: int


# The helper's own ranges (8141-8149, 9141-9149): the test and the bench apart.
TEST_PORTS = Ports(proxy=8141, web=(8142, 8143), s3=9141, smtp=9142)
BENCH_PORTS = Ports(proxy=8145, web=(8146, 8147), s3=9145, smtp=9146)


def haproxy_available() -> bool:
    return Path(HAPROXY).exists()


def haproxy_config(ports: Ports) -> str:
    servers = "\n".join(
        f"    server web{number} 127.0.0.1:{port} check inter 1s"
        for number, port in enumerate(ports.web, start=1)
    )
    return f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    option forwardfor
    # A new connection to gunicorn for each request: a gthread worker closes an idle kept
    # connection after 2 s (--keep-alive), and a request sent on it at that moment would
    # be lost. A connection that fails to open is tried again on the other instance (never
    # a request already sent: a POST must not run twice).
    option http-server-close
    retries 2
    option redispatch
frontend creneau
    bind 127.0.0.1:{ports.proxy}
    default_backend instances
backend instances
    balance roundrobin
{servers}
"""


class Cluster:
    """Start everything (`start()`), then `stop()`; usable as a context manager."""

    def __init__(
        self,
        *,
        database_url: str,
        ports: Ports,
        web_threads: int = 4,
        web_workers: int = 1,
        batch_size: int = 100,
    ) -> None:
        self.database_url = database_url
        # BILLING_RUN_BATCH_SIZE: the invoices of one PDF task and of one sending task.
        self.batch_size = batch_size
        self.ports = ports
        self.web_threads, self.web_workers = web_threads, web_workers
        self.folder = Path(tempfile.mkdtemp(prefix="creneau-scale-out-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.smtp = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.proxy}"

    @property
    def s3_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.s3}"

    def s3_environment(self) -> dict[str, str]:
        return {
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.s3_url,
            "AWS_S3_REGION_NAME": "eu-west-3",
            "AWS_ACCESS_KEY_ID": "scale-out",
            "AWS_SECRET_ACCESS_KEY": "scale-out-secret",
        }

    def environment(self, name: str) -> dict[str, str]:
        """A process's settings: production's, on loopback, with its own var folder."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings", DEBUG="false", HTTPS="false",
            SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS="127.0.0.1", DATABASE_URL=self.database_url,
            DB_POOL="true", DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE=str(self.web_threads + 1),
            CRENEAU_VAR_DIR=str(self.folder / name), EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.ports.smtp), EMAIL_BACKEND="", EMAIL_TIMEOUT="10",
            PUBLIC_BASE_URL=self.base_url, PYTHONUNBUFFERED="1",
            BILLING_RUN_BATCH_SIZE=str(self.batch_size),
            # The static files as they are (no collectstatic in each instance's folder):
            # operations/tests/test_serve.py covers the hashed, compressed ones.
            STATIC_MANIFEST="false",
            **self.s3_environment(),
        )  # fmt: skip
        (self.folder / name).mkdir(exist_ok=True)
        return env

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env or self.environment(name), stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()  # the child holds its own copy

    def start(self) -> Cluster:
        from creneau.core.tests.smtp import SmtpServer

        self.smtp = SmtpServer()
        self.smtp.port = self.ports.smtp
        self.smtp.start()
        self._spawn("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                           "-p", str(self.ports.s3)])  # fmt: skip
        for number, port in enumerate(self.ports.web, start=1):
            name = f"web{number}"
            self._spawn(name, [
                sys.executable, "-m", "gunicorn", "config.wsgi:application",
                "--workers", str(self.web_workers), "--threads", str(self.web_threads),
                "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
                # Two instances on one machine would share ~/.gunicorn/gunicorn.ctl.
                "--no-control-socket",
                "--access-logfile", str(self.folder / f"{name}-access.log"),
                "--access-logformat", "%(m)s %(U)s %(s)s %(L)s",
            ])  # fmt: skip
        config = self.folder / "haproxy.cfg"
        config.write_text(haproxy_config(self.ports))
        self._spawn("proxy", [HAPROXY, "-db", "-f", str(config)], env=dict(os.environ))
        self._wait_for(self.s3_url + "/", "S3")
        self._bucket_create()
        for worker_id in WORKER_IDS:
            self._spawn(worker_id, [
                sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2",
                "--no-startup-delay", "--worker-id", worker_id, "-v", "1",
            ])  # fmt: skip
        for port in self.ports.web:
            self._wait_for(f"http://127.0.0.1:{port}/portail/", "gunicorn")
        self._wait_for(self.base_url + "/portail/", "haproxy")
        return self

    def _wait_for(self, url: str, what: str, timeout: float = 120.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            dead = [name for name, process in self.processes.items() if process.poll() is not None]
            if dead:
                raise RuntimeError(f"{dead} stopped:\n{self.log_tail(dead[0])}")
            try:
                status = httpx.get(url, timeout=5).status_code
                if status < 500:
                    return
                last = f"status {status}"
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.3)
        logs = "\n".join(f"--- {name}\n{self.log_tail(name)}" for name in self.processes)
        raise RuntimeError(f"{what} does not answer at {url} ({last})\n{logs}")

    def s3_client(self):
        import boto3

        env = self.s3_environment()
        return boto3.client(
            "s3", endpoint_url=self.s3_url, region_name=env["AWS_S3_REGION_NAME"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )  # fmt: skip

    def _bucket_create(self) -> None:
        self.s3_client().create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.folder / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def requests_per_instance(self) -> dict[str, int]:
        """Requests each web instance answered (its access log's lines)."""
        counts = {}
        for number in range(1, len(self.ports.web) + 1):
            path = self.folder / f"web{number}-access.log"
            counts[f"web{number}"] = len(path.read_text().splitlines()) if path.exists() else 0
        return counts

    def error_lines(self) -> dict[str, list[str]]:
        """Tracebacks and errors in the logs of the web instances and the workers."""
        found = {}
        for name in [f"web{n}" for n in range(1, len(self.ports.web) + 1)] + list(WORKER_IDS):
            path = self.folder / f"{name}.log"
            text = path.read_text(errors="replace") if path.exists() else ""
            lines = [line for line in text.splitlines() if "Traceback" in line or "ERROR" in line]
            if lines:
                found[name] = lines
        return found

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.smtp is not None:
            self.smtp.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info) -> None:
        self.stop()
