"""The daily dunning task (DUNNING_DAILY_TASK: preview, send, off) and the `dunning_run`
command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import DunningRun
from creneau.payments.tasks import dunning_daily, dunning_daily_ensure, dunning_daily_run
from creneau.payments.tests import dunning_helpers
from creneau.payments.tests.dunning_helpers import TODAY, days_ago, overdue

company = dunning_helpers.company
pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_invoices(company):
    return [overdue(CustomerFactory(email=f"c{n}@example.fr"), due=days_ago(10)) for n in range(2)]


def test_the_daily_preview_waits_for_the_office(settings, overdue_invoices):
    settings.DUNNING_DAILY_TASK = "preview"
    run = dunning_daily_run()
    assert run.automatic and run.status == "preview" and run.created_by is None
    assert run.reminders.count() == 2
    assert not OutboxEmail.objects.exists()
    assert dunning_daily_run() is None  # the same day: once
    tomorrow = dunning_daily_run(today=TODAY + timedelta(days=1))
    run.refresh_from_db()
    assert run.status == "cancelled"  # yesterday's preview, left unsent, gives way
    assert tomorrow.status == "preview"


def test_the_daily_task_may_send_or_do_nothing(settings, overdue_invoices):
    settings.DUNNING_DAILY_TASK = "off"
    assert dunning_daily_run() is None
    assert not DunningRun.objects.exists()
    settings.DUNNING_DAILY_TASK = "send"
    run = dunning_daily_run()
    assert run.status == "sent"
    assert OutboxEmail.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_daily_task_at_once_make_one_run(settings, overdue_invoices):
    """PostgreSQL: the day's run is made once when two workers start it together."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("two connections at once need PostgreSQL")
    settings.DUNNING_DAILY_TASK = "preview"
    barrier = threading.Barrier(2)
    made, errors = [], []

    def worker() -> None:
        try:
            barrier.wait()
            made.append(dunning_daily_run(today=TODAY))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(run is not None for run in made) == 1
    assert DunningRun.objects.filter(automatic=True, as_of=TODAY).count() == 1


def test_the_chain_queues_one_run_for_tomorrow(settings, company):
    settings.DUNNING_DAILY_TASK = "off"
    DBTaskResult.objects.all().delete()
    first = dunning_daily_ensure()
    assert first is not None and dunning_daily_ensure() == first
    dunning_daily.call()
    waiting = DBTaskResult.objects.filter(task_path=dunning_daily.module_path, status="READY")
    assert waiting.count() == 1


def test_the_command_previews_then_sends(direction, overdue_invoices):
    out = StringIO()
    call_command("dunning_run", "--as-of", TODAY.isoformat(), stdout=out)
    assert "2 relance(s) proposée(s)" in out.getvalue()
    assert DunningRun.objects.get().status == "preview"
    out = StringIO()
    call_command("dunning_run", "--send", stdout=out)
    assert "2 relance(s) envoyée(s), 0 abandonnée(s), 2 e-mail(s), 0 courrier(s)." in out.getvalue()
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("dunning_run", "--as-of", "31/01/2027")
    with pytest.raises(CommandError, match="2000 à 2099"):
        call_command("dunning_run", "--as-of", "1999-01-01")
