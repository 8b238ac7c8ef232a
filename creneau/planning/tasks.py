"""Background tasks of the planning: the daily extension of the planning horizon.

django-tasks has no periodic scheduler, so the daily run is a chain: each run makes the
schedules' visits up to the horizon (schedules_extend), then queues the next run for the
next 02:00 Europe/Paris (run_after) on the database queue that `manage.py db_worker`
works. The chain is started, if no run is waiting, after every `migrate` (post_migrate of
the planning app) and by `manage.py extend_planning --schedule-daily`. A run that is
already waiting is never queued twice, so two chains never start.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from creneau.planning.generation import schedules_extend

# Night time: nobody plans then, and the horizon has moved by a day.
DAILY_RUN_TIME = time(2, 0)


@task()
def extend_planning_daily() -> int:
    """Make the visits up to the horizon, then queue tomorrow's run (even if this one
    failed: a chain that stops would leave the planning to run dry)."""
    try:
        return schedules_extend()
    finally:
        daily_run_ensure()


def next_daily_run(now: datetime | None = None) -> datetime:
    """The first 02:00 Europe/Paris after `now`."""
    local = timezone.localtime(now or timezone.now())
    zone = timezone.get_current_timezone()
    run = datetime.combine(local.date(), DAILY_RUN_TIME, tzinfo=zone)
    if run <= local:
        run = datetime.combine(local.date() + timedelta(days=1), DAILY_RUN_TIME, tzinfo=zone)
    return run


def daily_run_ensure() -> datetime | None:
    """Queue the next daily run unless one is already waiting. Returns when the waiting
    run is due, or None when the task backend cannot hold a run for later (it is not the
    database queue): then run `extend_planning` daily some other way (cron)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = extend_planning_daily.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    waiting = DBTaskResult.objects.filter(
        task_path=extend_planning_daily.module_path,
        backend_name=backend.alias,
        status=TaskResultStatus.READY,
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two processes starting the chain at once (two workers, a migrate): one waits.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('extend_planning_daily'))")
        run_after = waiting.order_by("run_after").values_list("run_after", flat=True).first()
        if run_after is not None:
            return run_after
        run_after = next_daily_run()
        extend_planning_daily.using(run_after=run_after).enqueue()
        return run_after


def daily_run_on_migrate(*, using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """post_migrate of the planning app: start the daily chains (the horizon's extension,
    the visit reminders) if none is waiting, so that a deployment needs no extra step."""
    from django_tasks_db.models import DBTaskResult

    from creneau.planning.tasks_reminders import visit_reminders_daily_ensure

    if using != DEFAULT_DB_ALIAS:
        return
    if DBTaskResult._meta.db_table not in connection.introspection.table_names():
        return  # the task queue's own tables are not migrated yet
    daily_run_ensure()
    visit_reminders_daily_ensure()
