"""Request ids (X-Request-ID taken when sane, else made; echoed) and the JSON log lines
that carry them (LOG_FORMAT=json); the task worker's lines carry their task's id."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import signal
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from creneau.operations.models import WorkerHeartbeat
from creneau.operations.request_id import SANE_REQUEST_ID, request_id_from

logger = logging.getLogger("creneau.operations.tests")


@contextmanager
def json_logs(*, requests: bool = True):
    """The project's LOGGING with LOG_FORMAT=json, its console handler writing to a buffer."""
    config = json.loads(json.dumps(django_settings.LOGGING))  # a deep copy
    config["handlers"]["console"]["formatter"] = "json"
    config["loggers"]["creneau.request"]["level"] = "INFO" if requests else "WARNING"
    buffer = io.StringIO()
    logging.config.dictConfig(config)
    handler = logging.getLogger().handlers[0]
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        logging.config.dictConfig(django_settings.LOGGING)


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_a_sane_request_id_is_kept_and_anything_else_replaced():
    assert request_id_from("3f2a9c1d-0b7e-4c55-9a1e-5d6f7a8b9c0d") == (
        "3f2a9c1d-0b7e-4c55-9a1e-5d6f7a8b9c0d"
    )
    assert request_id_from("Root=1-67891233-abcdef012345678912345678") == (
        "Root=1-67891233-abcdef012345678912345678"
    )
    for bad in (None, "", "a" * 129, "two words", "line\nbreak", "é", "<script>"):
        made = request_id_from(bad)
        assert made != bad
        assert SANE_REQUEST_ID.fullmatch(made) and len(made) == 32


@pytest.mark.django_db
def test_the_response_echoes_the_request_id(rep):
    client = Client()
    response = client.get("/login/", headers={"X-Request-ID": "lb-0001"})
    assert response["X-Request-ID"] == "lb-0001"
    response = client.get("/login/", headers={"X-Request-ID": "x" * 500})
    assert len(response["X-Request-ID"]) == 32
    assert client.get("/api/v1/customers")["X-Request-ID"]  # the API's 401 too
    assert client.get("/healthz")["X-Request-ID"]


@pytest.mark.django_db
def test_json_log_lines_carry_the_request_id(client, settings):
    settings.LOG_REQUESTS = True
    with json_logs() as buffer:
        client.get("/healthz", headers={"X-Request-ID": "probe-42"})
        client.get("/no-such-page/", headers={"X-Request-ID": "lost-7"})
    records = lines(buffer)
    access = [record for record in records if record["logger"] == "creneau.request"]
    assert [(r["request_id"], r["path"], r["status"]) for r in access] == [
        ("probe-42", "/healthz", 503),
        ("lost-7", "/no-such-page/", 404),
    ]
    assert {"time", "level", "message", "method", "duration_ms", "user_id"} <= set(access[0])
    # Django's own lines of those requests (the 503, the 404) carry their ids too.
    django_lines = [r for r in records if r["logger"] == "django.request"]
    assert [(r["request_id"], r["level"]) for r in django_lines] == [
        ("probe-42", "ERROR"),
        ("lost-7", "WARNING"),
    ]


@pytest.mark.django_db
def test_a_logged_in_request_names_its_user(client, direction, settings):
    settings.LOG_REQUESTS = True
    client.force_login(direction)
    with json_logs() as buffer:
        client.get("/customers/")
    access = [r for r in lines(buffer) if r["logger"] == "creneau.request"]
    assert access[-1]["user_id"] == direction.pk
    assert access[-1]["status"] == 200


@pytest.mark.django_db
def test_an_api_request_names_the_tokens_user(api_for, direction, settings):
    settings.LOG_REQUESTS = True
    with json_logs() as buffer:
        assert api_for(direction).get("/api/v1/customers").status_code == 200
    access = [r for r in lines(buffer) if r["logger"] == "creneau.request"]
    assert access[-1]["user_id"] == direction.pk


def test_without_log_requests_no_access_lines():
    with json_logs(requests=False) as buffer:
        logging.getLogger("creneau.request").info("not shown")
        logger.warning("shown", extra={"order": 3})
    assert [(r["message"], r["request_id"], r["order"]) for r in lines(buffer)] == [
        ("shown", None, 3)
    ]


@task()
def log_and_count_heartbeats() -> int:
    """A task of this test: logs a line, and says how many workers were beating."""
    logger.warning("inside the task")
    return WorkerHeartbeat.objects.count()


@contextmanager
def signals_kept():
    """db_worker installs its own SIGINT/SIGTERM handlers: give pytest its own back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@pytest.mark.django_db(transaction=True)
def test_db_worker_beats_while_it_works_and_its_task_lines_carry_the_task_id(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    DBTaskResult.objects.all().delete()  # the daily chains queued by migrate
    result = log_and_count_heartbeats.enqueue()
    with json_logs() as buffer, signals_kept():
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    done = DBTaskResult.objects.get(id=result.id)
    assert done.status == "SUCCESSFUL"
    assert done.return_value == 1  # this worker's row, while it ran
    assert not WorkerHeartbeat.objects.exists()  # a clean stop takes it away
    inside = [r for r in lines(buffer) if r["message"] == "inside the task"]
    assert [r["request_id"] for r in inside] == [f"task-{result.id}"]
