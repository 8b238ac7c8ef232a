"""Reads of operations: are the task workers alive?"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.db.models import Count, Max, Q
from django.db.models.functions import Now
from django.utils import timezone

from creneau.operations.models import WorkerHeartbeat


class WorkersAlive(NamedTuple):
    """How many workers beat within the stale delay, and how long ago the last beat was."""

    alive: int
    last_beat_seconds_ago: float | None  # None: no worker has beaten (or all were forgotten)


def workers_alive(*, stale_after: timedelta) -> WorkersAlive:
    """The workers whose last beat is younger than `stale_after`, by the database's clock
    (the one the beats are written with). One query."""
    figures = WorkerHeartbeat.objects.aggregate(
        latest=Max("beat_at"),
        alive=Count("pk", filter=Q(beat_at__gte=Now() - stale_after)),
    )
    latest = figures["latest"]
    age = None if latest is None else max(0.0, round((timezone.now() - latest).total_seconds(), 1))
    return WorkersAlive(alive=figures["alive"] or 0, last_beat_seconds_ago=age)
