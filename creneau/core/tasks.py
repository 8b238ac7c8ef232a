"""Background tasks of core: sending the outbox's e-mails; and the daily chains' helpers.

Tasks run on the django-tasks backend set in settings.TASKS (the database queue, worked
by `manage.py db_worker`). They stay thin: the work is in services.

django-tasks has no periodic scheduler, so a daily job is a chain: each run does its work,
then queues the next run for the next day (run_after) with `daily_run_ensure`, which never
queues a second run while one waits. The planning's daily runs are built on it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.base import Task

from creneau.core.services import email_send


@task()
def send_outbox_email(email_id: int) -> str | None:
    """Send one outbox e-mail over SMTP if it is still due (see email_send)."""
    return email_send(email_id=email_id)


class DailyRun(NamedTuple):
    """The run of a daily task that waits in the queue."""

    run_after: datetime
    queued: bool  # False: it was already waiting


def next_daily_run(at: time, now: datetime | None = None) -> datetime:
    """The first `at` o'clock, local time (Europe/Paris), strictly after `now`. On the day
    the clocks go forward, a time that does not exist runs an hour later (02:00 at 03:00);
    on the day they go back, a time that happens twice runs at the first."""
    local = timezone.localtime(now or timezone.now())
    run = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    if run <= local:
        run = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=local.tzinfo)
    return run


def task_queue_migrated(using: str) -> bool:
    """For a post_migrate handler starting a daily chain: the migrated database is the
    default one and the task queue's table exists already."""
    from django_tasks_db.models import DBTaskResult

    if using != DEFAULT_DB_ALIAS:
        return False
    return DBTaskResult._meta.db_table in connection.introspection.table_names()


def daily_run_ensure(daily_task: Task, *, run_after: datetime) -> DailyRun | None:
    """Queue `daily_task` (no arguments) for `run_after` unless a run of it already waits
    on the database queue; returns the waiting run. None when the task's backend is not
    the database queue, the one that holds a run for later: the immediate backend would
    run the chain in a loop (then run the job daily some other way, cron)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = daily_task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    waiting = DBTaskResult.objects.filter(
        task_path=daily_task.module_path,
        backend_name=backend.alias,
        status=TaskResultStatus.READY,
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two processes starting the chain at once (two workers, a migrate): one waits.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))", [daily_task.module_path]
                )
        waiting_after = waiting.order_by("run_after").values_list("run_after", flat=True).first()
        if waiting_after is not None:
            return DailyRun(waiting_after, queued=False)
        daily_task.using(run_after=run_after).enqueue()
        return DailyRun(run_after, queued=True)
