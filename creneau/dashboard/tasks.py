"""The dashboard's night task: dashboard_warm_daily, at 00:05 Europe/Paris, computes the
day's figures into the cache (dashboard.cache), so that the first reader of the morning
does not wait for the history's sums (what was due a year ago reads every allocation
since then: seconds on years of data). A daily chain on the database queue, started after
every `migrate` like the planning's (core.tasks.daily_run_ensure)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from creneau.core.tasks import daily_run_ensure, next_daily_run, task_queue_migrated
from creneau.dashboard.periods import periods_of
from creneau.dashboard.rules import DASHBOARD_READERS
from creneau.dashboard.selectors import dashboard_figures

# Just after midnight: the cached history is keyed by the day.
DASHBOARD_WARM_AT = time(0, 5)


def dashboard_warm() -> bool:
    """Compute today's dashboard (the current month) into the cache. False when nobody
    reads it (no active direction or accounting user): nothing to compute for."""
    readers = Q(is_superuser=True) | Q(groups__name__in=[role.value for role in DASHBOARD_READERS])
    reader = get_user_model().objects.filter(readers, is_active=True).order_by("pk").first()
    if reader is None:
        return False
    periods, _refused = periods_of(None, timezone.localdate())
    dashboard_figures(user=reader, periods=periods)
    return True


@task()
def dashboard_warm_daily() -> bool:
    """Compute the day's dashboard, then queue tomorrow's run."""
    try:
        return dashboard_warm()
    finally:
        dashboard_warm_daily_ensure()


def dashboard_warm_daily_ensure() -> datetime | None:
    """Queue the next run unless one waits; None when the task backend cannot hold a run
    for later (the dashboard is then computed by its first reader of the day)."""
    run = daily_run_ensure(dashboard_warm_daily, run_after=next_daily_run(DASHBOARD_WARM_AT))
    return run.run_after if run else None


def dashboard_warm_on_migrate(*, using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """post_migrate of the dashboard: start the night's chain if none is waiting."""
    if task_queue_migrated(using):
        dashboard_warm_daily_ensure()
