"""The daily visit reminders, in the task worker (`manage.py db_worker`).

`send_visit_reminders_daily` queues tomorrow's reminders (planning.reminders), then puts
itself back in the queue for the next day at VISIT_REMINDERS_HOUR (Europe/Paris). The chain
is started once by `visit_reminders_daily_ensure()` (`manage.py send_visit_reminders
--daily`, and every `migrate`), and starting it again adds nothing while a run waits.
A run that comes late (the worker was down) still sends: the visits of tomorrow that have
no reminder yet get one, and a visit never gets two.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from creneau.planning.reminders import visit_reminders_send


@task()
def send_visit_reminders_daily() -> int:
    """Queue tomorrow's visit reminders; then wait in the queue for the next day."""
    try:
        return visit_reminders_send(day=timezone.localdate() + timedelta(days=1))
    finally:
        # Even after a failure: one bad day must not stop the reminders for good.
        _enqueue(next_daily_run(timezone.now()))


def next_daily_run(now: datetime) -> datetime:
    """The first VISIT_REMINDERS_HOUR o'clock (local time) strictly after `now`."""
    local = timezone.localtime(now)
    at = time(settings.VISIT_REMINDERS_HOUR)
    run = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    if run <= local:
        run = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=local.tzinfo)
    return run


def _waiting() -> bool:
    return DBTaskResult.objects.filter(
        task_path=send_visit_reminders_daily.module_path,
        status=TaskResultStatus.READY,
    ).exists()


def _enqueue(run_after: datetime) -> bool:
    # A backend that cannot defer (the immediate one) would run the chain in a loop.
    if not send_visit_reminders_daily.get_backend().supports_defer or _waiting():
        return False
    send_visit_reminders_daily.using(run_after=run_after).enqueue()
    return True


def visit_reminders_daily_ensure(*, now: datetime | None = None) -> bool:
    """Start the daily chain unless a run already waits in the queue. When today's hour is
    past, the first run is at once (today's reminders may not have left); otherwise at that
    hour. Returns True if a run was queued."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today_run = datetime.combine(
        local.date(), time(settings.VISIT_REMINDERS_HOUR), tzinfo=local.tzinfo
    )
    return _enqueue(today_run if today_run > now else now)
