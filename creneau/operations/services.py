"""Writes of operations: the task workers' heartbeat."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models.functions import Now

from creneau.operations.models import WORKER_ID_MAX_LENGTH, WorkerHeartbeat

# A stopped worker's row is deleted by the others after this long.
HEARTBEAT_KEPT = timedelta(days=1)


def worker_heartbeat_record(
    *, worker_id: str, hostname: str, pid: int, started_at: datetime
) -> None:
    """Say that this worker is alive now, by the database's clock (so that workers and web
    servers on machines whose clocks differ agree), and forget workers silent for a day.

    Not audited and not validated by full_clean: it is written by the worker itself, every
    few seconds, from values it holds (bounded here), never from what a user typed."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id[:WORKER_ID_MAX_LENGTH],
        defaults={
            "hostname": hostname[:255],
            "pid": pid,
            "started_at": started_at,
            "beat_at": Now(),
        },
    )
    WorkerHeartbeat.objects.filter(beat_at__lt=Now() - HEARTBEAT_KEPT).delete()


def worker_heartbeat_forget(*, worker_id: str) -> None:
    """A worker that stops cleanly takes its row away: it is no longer alive."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id[:WORKER_ID_MAX_LENGTH]).delete()
