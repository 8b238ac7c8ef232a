"""Production as `make serve` and the image run it: collectstatic (hashed, compressed),
gunicorn with config/gunicorn.conf.py, whitenoise serving the static files, /healthz
going from 503 to 200 when a real `db_worker` beats, and back when it stops."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(django_settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(var_dir: Path, port: int) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "AWS_", "STATIC_", "LOG_"))
        and key not in {"DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        HTTPS="false",  # plain HTTP on the loopback, as behind a TLS proxy
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        PUBLIC_BASE_URL="https://creneau.example.fr",
        CRENEAU_VAR_DIR=str(var_dir),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        LOG_FORMAT="json",
        WORKER_HEARTBEAT_SECONDS="1",
        WORKER_HEARTBEAT_STALE_SECONDS="30",
    )
    return environment


def get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_for(condition, *, attempts: int = 120) -> None:
    """Poll until condition() is true (no time asserted: a slow machine only waits)."""
    for _attempt in range(attempts):
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError("condition never met")


def healthz_status(base: str) -> int | None:
    try:
        return get(f"{base}/healthz")[0]
    except OSError:
        return None  # not listening yet


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def manage(*arguments: str, environment: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=600,
    )


@pytest.mark.slow
def test_gunicorn_serves_the_app_its_static_files_and_healthz_follows_the_worker(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = production_environment(tmp_path, port)
    manage("migrate", "--no-input", "-v", "0", environment=environment)
    manage("collectstatic", "--no-input", "-v", "0", environment=environment)
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    server = subprocess.Popen(
        [VENV_BIN / "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    worker = None
    try:
        wait_for(lambda: healthz_status(base) is not None)
        status, headers, body = get(f"{base}/healthz", **{"X-Request-ID": "probe-1"})
        assert status == 503
        assert json.loads(body)["checks"]["worker"]["error"] == "no worker heartbeat"
        assert headers["X-Request-ID"] == "probe-1"

        # The login page names the static files by their hashes; whitenoise serves them
        # compressed and cached for good.
        status, _headers, body = get(f"{base}/login/")
        assert status == 200
        css = re.search(r"/static/css/creneau\.[0-9a-f]{12}\.css", body.decode())
        assert css, "no hashed stylesheet on the login page"
        status, headers, body = get(f"{base}{css.group(0)}", **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]

        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: healthz_status(base) == 200)
        report = json.loads(get(f"{base}/healthz")[2])
        assert report["checks"]["worker"]["alive"] == 1

        stop(worker)  # a clean stop takes its heartbeat away
        assert healthz_status(base) == 503
    finally:
        if worker is not None:
            stop(worker)
        stop(server)
    log = server.stdout.read().decode()
    access = [json.loads(line) for line in log.splitlines() if '"creneau.request"' in line]
    probe = [line for line in access if line["request_id"] == "probe-1"]
    assert [(line["path"], line["status"]) for line in probe] == [("/healthz", 503)]
