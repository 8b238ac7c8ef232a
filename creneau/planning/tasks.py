"""Background tasks of the planning: two daily chains on the database queue that
`manage.py db_worker` works (core.tasks.daily_run_ensure: a run that already waits is
never queued twice, so two chains never start).

- extend_planning_daily, at 02:00 Europe/Paris: makes the schedules' visits up to the
  horizon (schedules_extend). Started by hand with `extend_planning --schedule-daily`.
- send_visit_reminders_daily, at VISIT_REMINDERS_HOUR (Europe/Paris): queues tomorrow's
  visit reminders (planning.reminders). Started by hand with `send_visit_reminders
  --daily`. A run that comes late (the worker was down) still sends: the visits of
  tomorrow that have no reminder yet get one, and a visit never gets two.

Each run queues the next one, even when it failed: a chain that stops would leave the
planning to run dry, or the reminders stopped for good. Both chains are started, if no
run is waiting, after every `migrate` (post_migrate of the planning app).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django_tasks import task

from creneau.core.tasks import daily_run_ensure, next_daily_run, task_queue_migrated
from creneau.planning.generation import schedules_extend
from creneau.planning.reminders import visit_reminders_send

# Night time: nobody plans then, and the horizon has moved by a day.
EXTEND_PLANNING_AT = time(2, 0)


@task()
def extend_planning_daily() -> int:
    """Make the visits up to the horizon, then queue tomorrow's run."""
    try:
        return schedules_extend()
    finally:
        extend_planning_daily_ensure()


def extend_planning_daily_ensure() -> datetime | None:
    """Queue the next 02:00 run unless one is already waiting. Returns when the waiting
    run is due, or None when the task backend cannot hold a run for later (it is not the
    database queue): then run `extend_planning` daily some other way (cron)."""
    run = daily_run_ensure(extend_planning_daily, run_after=next_daily_run(EXTEND_PLANNING_AT))
    return run.run_after if run else None


def visit_reminders_at() -> time:
    """The time of day the reminders leave (settings.VISIT_REMINDERS_HOUR)."""
    return time(settings.VISIT_REMINDERS_HOUR)


@task()
def send_visit_reminders_daily() -> int:
    """Queue tomorrow's visit reminders; then wait in the queue for the next day."""
    try:
        return visit_reminders_send(day=timezone.localdate() + timedelta(days=1))
    finally:
        daily_run_ensure(send_visit_reminders_daily, run_after=next_daily_run(visit_reminders_at()))


def visit_reminders_daily_ensure(*, now: datetime | None = None) -> bool:
    """Start the reminders' chain unless a run already waits in the queue. When today's
    hour is past, the first run is at once (today's reminders may not have left); otherwise
    at that hour. Returns True if a run was queued."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today_run = datetime.combine(local.date(), visit_reminders_at(), tzinfo=local.tzinfo)
    run = daily_run_ensure(
        send_visit_reminders_daily, run_after=today_run if today_run > now else now
    )
    return run is not None and run.queued


def daily_run_on_migrate(*, using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """post_migrate of the planning app: start the daily chains (the horizon's extension,
    the visit reminders) if none is waiting, so that a deployment needs no extra step."""
    if task_queue_migrated(using):
        extend_planning_daily_ensure()
        visit_reminders_daily_ensure()
