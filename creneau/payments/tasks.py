"""Background tasks of payments: the daily dunning run, a chain on the database queue that
`manage.py db_worker` works (core.tasks.daily_run_ensure: a run that already waits is never
queued twice).

- dunning_daily, at DUNNING_DAILY_AT (Europe/Paris, before the office opens): what it does
  is settings.DUNNING_DAILY_TASK, read each day: "preview" prepares the day's preview for
  the office to check and send (Relances), "send" sends it at once, "off" does nothing.
  A day already done (the chain started twice) is not done again. Yesterday's automatic
  preview that nobody sent is abandoned: today's proposes the same reminders, and more.

- the same task first marks expired the SEPA mandates with no collection for 36 months
  (payments.mandates.mandates_expire; also `manage.py mandates_expire`).

Each run queues the next one, even when it failed. The chain is started, if no run is
waiting, after every `migrate` (post_migrate of the payments app), like the planning's.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone
from django_tasks import task

from creneau.core.tasks import daily_run_ensure, next_daily_run, task_queue_migrated
from creneau.payments.dunning import dunning_run_create
from creneau.payments.dunning_send import dunning_run_send
from creneau.payments.mandates import mandates_expire
from creneau.payments.models import DunningRun

logger = logging.getLogger(__name__)

DUNNING_DAILY_AT = time(6, 0)
DAILY_MODES = ("preview", "send", "off")


def dunning_daily_run(*, today=None) -> DunningRun | None:
    """The day's automatic run, as settings.DUNNING_DAILY_TASK says; None when off or
    already done today."""
    mode = settings.DUNNING_DAILY_TASK
    if mode == "off":
        return None
    today = today or timezone.localdate()
    automatic = DunningRun.objects.filter(automatic=True)
    with transaction.atomic():
        # Two workers running the task at once (two chains, a retried task) make one run:
        # the second waits here, then finds today's. SQLite's writers queue anyway
        # (BEGIN IMMEDIATE).
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('dunning_daily_run'))")
        if automatic.filter(as_of=today).exclude(status=DunningRun.Status.CANCELLED).exists():
            return None
        automatic.filter(status=DunningRun.Status.PREVIEW, as_of__lt=today).update(
            status=DunningRun.Status.CANCELLED
        )
        run = dunning_run_create(as_of=today, by=None, automatic=True)
    if mode == "send":
        run = dunning_run_send(run=run, by=None)
    return run


def mandates_expire_daily() -> int:
    """The day's expiry of the SEPA mandates unused for 36 months; a failure is logged and
    does not stop the dunning run."""
    try:
        return mandates_expire(timezone.localdate())
    except Exception:
        logger.exception("SEPA mandates: the daily expiry failed")
        return 0


@task()
def dunning_daily() -> int | None:
    """Expire the SEPA mandates unused for 36 months, prepare (or send) the day's dunning
    run, then queue tomorrow's."""
    try:
        mandates_expire_daily()
        run = dunning_daily_run()
        return run.pk if run is not None else None
    finally:
        dunning_daily_ensure()


def dunning_daily_ensure() -> datetime | None:
    """Queue the next run unless one is already waiting; None when the task backend cannot
    hold a run for later (then run `manage.py dunning_run` daily with cron)."""
    run = daily_run_ensure(dunning_daily, run_after=next_daily_run(DUNNING_DAILY_AT))
    return run.run_after if run else None


def dunning_daily_on_migrate(*, using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """post_migrate of payments: start the daily dunning chain if none is waiting."""
    if task_queue_migrated(using):
        dunning_daily_ensure()
