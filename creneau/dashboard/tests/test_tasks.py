"""The night's task computes the day's dashboard into the cache, a table of the database
that every process shares: the morning's first reader reads it and computes nothing."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from creneau.customers.tests.factories import CustomerFactory
from creneau.dashboard.tasks import (
    dashboard_warm,
    dashboard_warm_daily,
    dashboard_warm_daily_ensure,
)
from creneau.payments.tests.test_aged import invoice

pytestmark = pytest.mark.django_db
FIGURE_TABLES = ("billing_invoice", "payments_payment", "payments_paymentallocation", "planning_")


def figure_queries(response_of) -> list[str]:
    """The queries that read the business's data (not the session, the user, the
    versions nor the cache) while answering."""
    with CaptureQueriesContext(connection) as queries:
        assert response_of().status_code == 200
    return [q["sql"] for q in queries if any(table in q["sql"] for table in FIGURE_TABLES)]


def test_the_first_reader_reads_what_the_night_task_computed(client_for, direction):
    invoice(CustomerFactory(), "100", due_days_ago=3)
    client = client_for(direction)
    assert figure_queries(lambda: client.get("/"))  # nothing cached: computed by the page
    cache.clear()

    assert dashboard_warm() is True

    assert figure_queries(lambda: client.get("/")) == []
    body = client.get("/").content.decode()
    assert "120,00" in body  # the invoice's 120.00 due, from the task's figures


def test_with_nobody_to_read_it_the_task_computes_nothing(django_user_model):
    django_user_model.objects.create_user(username="ancien", password="x", is_active=False)
    assert dashboard_warm() is False
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM creneau_cache")
        assert cursor.fetchone()[0] == 0


def test_the_chain_waits_for_five_past_midnight_once(direction):
    DBTaskResult.objects.all().delete()
    first = dashboard_warm_daily_ensure()
    assert first is not None and dashboard_warm_daily_ensure() == first
    assert timezone.localtime(first).time() == time(0, 5)
    dashboard_warm_daily.call()
    waiting = DBTaskResult.objects.filter(
        task_path=dashboard_warm_daily.module_path, status="READY"
    )
    assert waiting.count() == 1
