"""The daily run of extend_planning in the task worker: a chain of tasks on the database
queue, each queuing the next for 02:00 Europe/Paris, started by migrate and by
`extend_planning --schedule-daily`, never twice."""

from __future__ import annotations

import io
import signal
from datetime import date, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from creneau.core.tasks import next_daily_run
from creneau.customers.tests.factories import SiteFactory
from creneau.planning import tasks
from creneau.planning.generation import planning_horizon
from creneau.planning.models import Schedule
from creneau.planning.services import schedule_create
from creneau.planning.tasks import (
    EXTEND_PLANNING_AT,
    extend_planning_daily,
    extend_planning_daily_ensure,
)
from creneau.planning.tests.clock import freeze_now, paris

pytestmark = pytest.mark.django_db

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
UTC = timezone.get_fixed_timezone(0)


@pytest.fixture
def queue(settings):
    """The database queue, emptied: migrate has already started the chain in the test
    database, and each test starts it again as it needs."""
    settings.TASKS = DATABASE
    DBTaskResult.objects.all().delete()
    return DBTaskResult.objects.filter(task_path=extend_planning_daily.module_path)


def waiting(queue) -> list:
    return list(queue.filter(status=TaskResultStatus.READY).values_list("run_after", flat=True))


@pytest.mark.parametrize(
    ("now", "next_run"),
    [
        ("2027-04-14 12:00", "2027-04-15 02:00"),
        ("2027-04-14 01:30", "2027-04-14 02:00"),
        ("2027-04-14 02:00", "2027-04-15 02:00"),  # the run itself queues tomorrow's
        ("2027-04-14 02:00:03", "2027-04-15 02:00"),
        ("2027-12-31 23:00", "2028-01-01 02:00"),
    ],
)
def test_the_next_run_is_the_next_two_oclock_in_paris(monkeypatch, now, next_run):
    freeze_now(monkeypatch, now)
    assert next_daily_run(EXTEND_PLANNING_AT) == paris(next_run)


def test_the_next_run_across_the_clock_changes(monkeypatch):
    # 02:00 does not exist on 2027-03-28 (the clocks jump to 03:00): it runs at 03:00.
    freeze_now(monkeypatch, "2027-03-27 12:00")
    assert next_daily_run(EXTEND_PLANNING_AT).astimezone(UTC).hour == 1
    assert timezone.localtime(next_daily_run(EXTEND_PLANNING_AT).astimezone(UTC)).hour == 3
    freeze_now(monkeypatch, "2027-10-30 12:00")  # 02:00 happens twice: the first one
    assert next_daily_run(EXTEND_PLANNING_AT).astimezone(UTC).hour == 0
    freeze_now(monkeypatch, "2027-11-02 12:00")
    assert next_daily_run(EXTEND_PLANNING_AT).astimezone(UTC).hour == 1


def test_the_daily_run_is_queued_once(queue, monkeypatch):
    freeze_now(monkeypatch, "2027-04-14 12:00")
    assert extend_planning_daily_ensure() == paris("2027-04-15 02:00")
    assert extend_planning_daily_ensure() == paris("2027-04-15 02:00")
    freeze_now(monkeypatch, "2027-04-20 12:00")  # a worker that was stopped for days
    assert extend_planning_daily_ensure() == paris("2027-04-15 02:00")
    assert waiting(queue) == [paris("2027-04-15 02:00")]
    [row] = queue
    assert row.args_kwargs == {"args": [], "kwargs": {}}


def test_a_run_extends_the_planning_then_queues_the_next_one_once(queue, settings, monkeypatch):
    settings.PLANNING_HORIZON_WEEKS = 4
    freeze_now(monkeypatch, "2027-04-05 07:00")
    schedule = schedule_create(
        site=SiteFactory(),
        by=None,
        rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH",
        start_date=date(2027, 4, 5),
        start_time=time(8, 30),
        duration_minutes=60,
    )
    visits = schedule.interventions.count()
    extend_planning_daily.enqueue()  # started by hand, to run now
    assert len(waiting(queue)) == 1

    freeze_now(monkeypatch, "2027-04-15 02:00")
    assert extend_planning_daily.call() == 2  # May 10th and 13th (6th: Ascension Day)
    assert Schedule.objects.get().generated_until == planning_horizon() == date(2027, 5, 13)
    assert schedule.interventions.count() == visits + 2
    # The one queued by hand was still waiting: no second chain.
    assert len(waiting(queue)) == 1

    queue.update(status=TaskResultStatus.SUCCESSFUL)  # as the worker marks the one it ran
    assert extend_planning_daily.call() == 0
    assert waiting(queue) == [paris("2027-04-16 02:00")]
    assert extend_planning_daily.call() == 0
    assert waiting(queue) == [paris("2027-04-16 02:00")]


def test_a_failed_run_still_queues_the_next_one(queue, monkeypatch):
    freeze_now(monkeypatch, "2027-04-14 02:00")

    def broken(**_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(tasks, "schedules_extend", broken)
    with pytest.raises(RuntimeError):
        extend_planning_daily.call()
    assert waiting(queue) == [paris("2027-04-15 02:00")]


def test_migrate_starts_the_chain_once(queue, monkeypatch):
    freeze_now(monkeypatch, "2027-04-14 12:00")
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    assert waiting(queue) == [paris("2027-04-15 02:00")]


def test_extend_planning_schedule_daily(queue, monkeypatch):
    freeze_now(monkeypatch, "2027-04-14 12:00")
    for _ in range(2):
        out = io.StringIO()
        call_command("extend_planning", schedule_daily=True, stdout=out)
        assert "Prochaine exécution quotidienne : 15/04/2027 02:00." in out.getvalue()
    assert len(waiting(queue)) == 1
    call_command("extend_planning", stdout=io.StringIO())  # without the flag: no queue
    assert len(waiting(queue)) == 1


def test_without_the_database_queue_nothing_is_chained(settings, monkeypatch):
    """The immediate backend would run the next run at once, forever: no chain there."""
    DBTaskResult.objects.all().delete()
    settings.TASKS = IMMEDIATE
    freeze_now(monkeypatch, "2027-04-14 12:00")
    assert extend_planning_daily_ensure() is None
    assert extend_planning_daily.call() == 0
    err = io.StringIO()
    call_command("extend_planning", schedule_daily=True, stdout=io.StringIO(), stderr=err)
    assert "lancez extend_planning chaque jour autrement (cron)" in err.getvalue()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_chain(settings, monkeypatch):
    """Through `manage.py db_worker --batch`, as in production: the due run runs, and the
    next one waits for tomorrow."""
    settings.TASKS = DATABASE
    queue = DBTaskResult.objects.filter(task_path=extend_planning_daily.module_path)
    queue.delete()
    freeze_now(monkeypatch, "2027-04-14 12:00")
    extend_planning_daily_ensure()
    queue.update(run_after=timezone.now() - timedelta(hours=1))  # it is due

    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    statuses = sorted(queue.values_list("status", "run_after"))
    assert statuses == [
        (TaskResultStatus.READY, paris("2027-04-15 02:00")),
        (TaskResultStatus.SUCCESSFUL, paris("2027-04-14 11:00")),
    ]
