"""A real task worker (manage.py db_worker) killed with SIGKILL in the middle of a billing
run: no half-made invoice, and the run resumed then issues only what is left.
PostgreSQL only (the worker is another process on the test database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from creneau.billing.models import BillingRun, Invoice
from creneau.billing.runs import billing_run_create, billing_run_execute, billing_run_issue
from creneau.billing.tests.runs_helpers import MONTH_END, MONTH_START, at, visit_service
from creneau.billing.tests.test_runs import assert_complete_and_once
from creneau.customers.models import Customer, Site
from creneau.planning.models import Intervention

ROOT = Path(settings.BASE_DIR)
CUSTOMERS = 400


def bulk_data() -> None:
    service = visit_service()
    customers = Customer.objects.bulk_create(
        [
            Customer(
                code=f"K{index:05d}",
                name=f"Client {index}",
                street="1 rue Haute",
                postcode="75011",
                city="Paris",
                email=f"k{index}@example.fr",
            )
            for index in range(CUSTOMERS)
        ]
    )
    sites = Site.objects.bulk_create(
        [
            Site(
                customer=customer,
                name=f"Site {group}",
                billing_group=group,
                street="2 rue",
                postcode="75011",
                city="Paris",
            )
            for customer in customers
            for group in "AB"
        ]
    )
    day = date(2026, 3, 3)
    Intervention.objects.bulk_create(
        [
            Intervention(
                site=site,
                service=service,
                start=at(day, 9),
                end=at(day, 11),
                status=Intervention.Status.DONE,
            )
            for site in sites
        ]
    )


WORKER_APPLICATION = "creneau-test-worker"


def start_worker() -> subprocess.Popen:
    database = connection.settings_dict
    url = (
        f"postgresql://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "creneau.billing.tests.worker_settings",
        # libpq names the worker's sessions, so that only they are ended after the kill.
        "PGAPPNAME": WORKER_APPLICATION,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
         "--interval", "0.1", "-v", "0"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_killed_worker_leaves_no_half_invoice_and_the_run_resumes(direction):
    if connection.vendor != "postgresql":
        pytest.skip("the worker is another process on the test database: PostgreSQL")
    bulk_data()
    run = billing_run_create(by=direction, period_start=MONTH_START, period_end=MONTH_END)
    assert run.items.count() == 2 * CUSTOMERS
    worker = start_worker()
    try:
        billing_run_issue(run=run, by=direction)  # queued for the worker, on commit
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = BillingRun.objects.values_list("progress_done", flat=True).get(pk=run.pk)
            if done >= 100:
                break
            assert worker.poll() is None, worker.stderr.read().decode()
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        # The killed worker's server session may linger a moment: end it (only it: the
        # browser tests' live server keeps its own), so that the database can be dropped.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [WORKER_APPLICATION],
            )
    run.refresh_from_db()
    made = Invoice.objects.count()
    assert run.status == BillingRun.Status.ISSUING, "the worker finished before the kill"
    assert 100 <= made < 2 * CUSTOMERS
    assert made % 25 == 0  # whole batches only: nothing of the one being made
    for invoice in Invoice.objects.prefetch_related("lines", "journal_entries"):
        assert invoice.number and len(invoice.lines.all()) == 1
        assert len(invoice.journal_entries.all()) == 1
    billing_run_execute(run_id=run.pk)  # resumed (by hand, or billing_run_resume)
    run.refresh_from_db()
    assert run.status == BillingRun.Status.ISSUED
    assert Invoice.objects.count() == 2 * CUSTOMERS
    assert_complete_and_once()
