"""The health check behind /healthz: the database, the private files' storage and the
task workers' heartbeat, each answering "ok" or "error" with what failed.

An error names the exception's class only: its message may hold a host name, a bucket or
a user, and /healthz answers anyone who asks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection

from creneau.operations.selectors import workers_alive

logger = logging.getLogger(__name__)

PROBE_CONTENT = b"creneau-healthz"
PROBE_FOLDER = "healthz"


def check_database() -> dict:
    """A SELECT 1 on the default database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def check_storage() -> dict:
    """Write, read back and delete a small object of a name of its own in the private files'
    storage (a local folder or an S3 bucket): reachable, writable and readable."""
    storage = storages["default"]
    name = storage.save(f"{PROBE_FOLDER}/probe-{uuid.uuid4().hex}.txt", ContentFile(PROBE_CONTENT))
    try:
        with storage.open(name, "rb") as probe:
            if probe.read() != PROBE_CONTENT:
                return {"status": "error", "error": "probe read back differs"}
    finally:
        storage.delete(name)
    return {"status": "ok"}


def check_worker() -> dict:
    """At least one task worker beat within WORKER_HEARTBEAT_STALE_SECONDS."""
    stale_after = timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    workers = workers_alive(stale_after=stale_after)
    result = {
        "status": "ok" if workers.alive else "error",
        "alive": workers.alive,
        "last_beat_seconds_ago": workers.last_beat_seconds_ago,
        "stale_after_seconds": settings.WORKER_HEARTBEAT_STALE_SECONDS,
    }
    if not workers.alive:
        result["error"] = (
            "no worker heartbeat"
            if workers.last_beat_seconds_ago is None
            else ("worker heartbeat stale")
        )
    return result


CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "storage": check_storage,
    "worker": check_worker,
}


def health_report() -> tuple[bool, dict]:
    """Run every check (the worker's only when HEALTHZ_CHECK_WORKER); (all ok, report)."""
    results = {}
    for name, check in CHECKS.items():
        if name == "worker" and not settings.HEALTHZ_CHECK_WORKER:
            continue
        try:
            results[name] = check()
        except Exception as error:  # a failing part is reported, never a 500
            logger.warning("healthz: %s check failed", name, exc_info=True)
            results[name] = {"status": "error", "error": type(error).__name__}
    healthy = all(result["status"] == "ok" for result in results.values())
    return healthy, {"status": "ok" if healthy else "error", "checks": results}
