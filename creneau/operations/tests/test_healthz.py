"""/healthz: 200 when the database, the storage and a worker's heartbeat are all ok, 503
naming the part that failed; no login, no session, no CSP or axes in the way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.operations.heartbeat import Heartbeat
from creneau.operations.models import WorkerHeartbeat
from creneau.operations.services import worker_heartbeat_record


def beat(worker_id: str = "worker-1") -> None:
    worker_heartbeat_record(
        worker_id=worker_id, hostname="web-1", pid=1234, started_at=timezone.now()
    )


def healthz(client: Client | None = None, **headers):
    response = (client or Client()).get("/healthz", headers=headers)
    return response, json.loads(response.content)


@pytest.mark.django_db
def test_all_ok_answers_200_with_every_part(private_storage):
    beat()
    response, report = healthz()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert report["status"] == "ok"
    assert set(report["checks"]) == {"database", "storage", "worker"}
    assert {check["status"] for check in report["checks"].values()} == {"ok"}
    assert report["checks"]["worker"]["alive"] == 1
    # The storage probe left nothing behind.
    assert not any(path.is_file() for path in private_storage.rglob("*"))


@pytest.mark.django_db
def test_no_worker_ever_beat_answers_503_naming_the_worker():
    response, report = healthz()
    assert response.status_code == 503
    assert report["status"] == "error"
    assert report["checks"]["worker"] == {
        "status": "error",
        "alive": 0,
        "last_beat_seconds_ago": None,
        "stale_after_seconds": django_settings.WORKER_HEARTBEAT_STALE_SECONDS,
        "error": "no worker heartbeat",
    }
    assert report["checks"]["database"]["status"] == "ok"
    assert report["checks"]["storage"]["status"] == "ok"


@pytest.mark.django_db
def test_a_stale_heartbeat_answers_503(settings):
    beat()
    stale = timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS + 5)
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - stale)
    response, report = healthz()
    assert response.status_code == 503
    assert report["checks"]["worker"]["error"] == "worker heartbeat stale"
    assert report["checks"]["worker"]["last_beat_seconds_ago"] >= stale.total_seconds()
    beat("worker-2")  # another worker alive is enough
    response, report = healthz()
    assert response.status_code == 200
    assert report["checks"]["worker"]["alive"] == 1


@pytest.mark.django_db
def test_the_worker_check_can_be_left_out(settings):
    settings.HEALTHZ_CHECK_WORKER = False
    response, report = healthz()
    assert response.status_code == 200
    assert set(report["checks"]) == {"database", "storage"}


@pytest.mark.django_db
def test_a_storage_that_cannot_be_written_answers_503(settings, tmp_path):
    beat()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage wants a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "private"), "base_url": None},
        },
    }
    response, report = healthz()
    assert response.status_code == 503
    assert report["checks"]["storage"]["status"] == "error"
    assert report["checks"]["storage"]["error"] in {"NotADirectoryError", "FileExistsError"}
    assert str(tmp_path) not in response.content.decode()  # the class, never the message
    assert report["checks"]["database"]["status"] == "ok"


def test_an_unreachable_database_answers_503(tmp_path):
    """In a process of its own, on a SQLite file in a folder that does not exist."""
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/missing-folder/creneau.sqlite3",
        CRENEAU_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'code': r.status_code, 'report': json.loads(r.content)}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["code"] == 503
    checks = answer["report"]["checks"]
    assert checks["database"] == {"status": "error", "error": "OperationalError"}
    assert checks["worker"]["status"] == "error"  # read from the database too
    assert checks["storage"]["status"] == "ok"


@pytest.mark.django_db
def test_no_login_no_session_no_cookie_no_csp():
    beat()
    client = Client()
    response, _report = healthz(client)
    assert response.status_code == 200
    assert not response.cookies
    assert "Content-Security-Policy" not in response
    assert "Vary" not in response  # nothing read the session or the cookies
    assert not Session.objects.exists()
    assert healthz(client)[0].status_code == 200  # trailing slash or not
    assert client.get("/healthz/").status_code == 200


@pytest.mark.django_db
def test_no_redirect_to_https_and_any_host(settings):
    """A load balancer probes the server by its address, over plain HTTP."""
    beat()
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["creneau.example.fr"]
    response = Client().get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    # The rest of the site still redirects and refuses unknown hosts.
    assert Client().get("/login/", HTTP_HOST="creneau.example.fr").status_code == 301
    assert Client().get("/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.mark.django_db
def test_not_throttled_by_a_login_lockout(settings, rep):
    beat()
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/login/", {"username": "commercial1", "password": "wrong"})
    assert client.post("/login/", {"username": "commercial1", "password": "x"}).status_code == 429
    for _probe in range(3):
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_only_get_and_head():
    beat()
    assert Client().head("/healthz").status_code == 200
    response = Client().post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_a_probe_runs_three_queries_and_writes_nothing_but_the_storage_probe():
    beat()
    with CaptureQueriesContext(connection) as queries:
        assert healthz()[0].status_code == 200
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert statements == ["SELECT", "SELECT"]  # SELECT 1, then the heartbeats' aggregate


@pytest.mark.django_db
def test_the_heartbeat_thread_beats_then_forgets_its_row_on_a_clean_stop():
    heartbeat = Heartbeat(worker_id="thread-test", interval=3600)
    heartbeat.start()
    try:
        row = WorkerHeartbeat.objects.get(worker_id="thread-test")
        assert row.pid == os.getpid()
        assert healthz()[0].status_code == 200
    finally:
        heartbeat.stop()
    assert not WorkerHeartbeat.objects.filter(worker_id="thread-test").exists()
    assert healthz()[0].status_code == 503


@pytest.mark.django_db
def test_a_worker_silent_for_a_day_is_forgotten_by_the_next_beat():
    beat("gone")
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(days=2))
    beat("alive")
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]
