"""The portal load test (bench/portal_load.py): its simulated customers against the live
server, on the pages of this branch, and the PDF its data stores for each invoice."""

from __future__ import annotations

import asyncio
import io

import pytest
from django.utils import timezone

from bench import portal_data, portal_users
from creneau.portal.tests.factories import PORTAL_PASSWORD
from creneau.portal.tests.pages_data import customer_data, portal_access


@pytest.mark.django_db(transaction=True)
def test_simulated_users_log_in_and_go_round_every_page_without_error(live_server):
    data = customer_data(quotes=False)
    portal_access(data.customer, email="compte@example.com")
    # The third site is alone in its billing group: this access sees its invoices.
    portal_access(data.customer, data.sites[2], email="site@example.com")
    run = portal_users.load_run(
        base_url=live_server.url,
        emails=["compte@example.com", "site@example.com"],
        password=PORTAL_PASSWORD,
        seconds=2,
        ramp=0,
        think=(0, 0.01),
        today=timezone.localdate(),
    )
    stats, _elapsed = asyncio.run(run)
    assert stats.error_count == 0, stats.reasons
    assert stats.logged_in == 2
    for kind in portal_users.KINDS:
        assert stats.times_ms[kind], f"no request of kind {kind!r}"
    assert stats.pdf_bytes > 0


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_and_a_lost_session_are_errors(live_server):
    data = customer_data(quotes=False)
    portal_access(data.customer, email="compte@example.com")
    run = portal_users.load_run(
        base_url=live_server.url,
        emails=["compte@example.com"],
        password="not-the-password",
        seconds=1,
        ramp=0,
        think=(0, 0.01),
        today=timezone.localdate(),
    )
    stats, _elapsed = asyncio.run(run)
    assert stats.logged_in == 0
    assert stats.errors[portal_users.LOGIN_POST] == 1
    assert not stats.times_ms[portal_users.CALENDAR]


def test_the_stored_pdf_is_a_pdf_that_a_reader_opens():
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(portal_data.minimal_pdf("Facture F-2026-00001")))
    assert len(reader.pages) == 1
    assert "F-2026-00001" in reader.pages[0].extract_text()


def test_percentile_is_the_nearest_rank():
    values = [float(value) for value in range(1, 101)]
    assert portal_users.percentile(values, 0.50) == 50
    assert portal_users.percentile(values, 0.99) == 99
    assert portal_users.percentile([7.0], 0.99) == 7


def test_the_load_test_runs_two_gthread_workers_by_default(monkeypatch):
    """Still 2 workers, each with threads: a login's Argon2 hash holds one thread, not
    every page behind it (docs/performance.md)."""
    from bench import portal_load

    monkeypatch.delenv("PORTAL_LOAD_SECONDS", raising=False)
    monkeypatch.delenv("PORTAL_LOAD_USERS", raising=False)
    args = portal_load.parse_args([])
    assert (args.workers, args.threads, args.users, args.seconds) == (2, 4, 100, 120)
    assert portal_load.parse_args(["--threads", "1"]).threads == 1
