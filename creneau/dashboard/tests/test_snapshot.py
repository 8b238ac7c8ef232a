"""The race: the past amount due is the sum of several statements (figures.due_at). A
payment of today committing between two of them would, without one snapshot, count it
twice (the invoice's amount due read before it, its allocation "paid since" read after),
and the sum would stay cached: a payment of today does not bump payments_past, the only
version the past amount due is keyed by. The dashboard reads in one snapshot
(cache.snapshot): the payment is wholly seen or not at all."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from creneau.customers.tests.factories import CustomerFactory
from creneau.dashboard import figures
from creneau.dashboard.tests.test_cache import read
from creneau.payments.tests.test_aged import invoice, pay

pytestmark = pytest.mark.django_db(transaction=True)


def paid_in_another_connection(customer, old) -> None:
    try:
        pay(customer, "120.00", days_ago=0, invoices=[(old, "120.00")])
    finally:
        connections.close_all()  # this thread's connection


@pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:",
    reason="two connections to one in-memory SQLite share its locks, not its snapshots",
)
def test_a_payment_committing_while_the_past_due_is_summed_is_not_half_seen(
    api_for, direction, monkeypatch
):
    api = api_for(direction)
    customer = CustomerFactory()
    old = invoice(customer, "100", due_days_ago=370, issued_days_ago=400)  # 120 incl. VAT
    writer = threading.Thread(target=paid_in_another_connection, args=(customer, old))
    state = {"in_due_at": False, "started": False}

    def after_the_first_sum(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if state["in_due_at"] and not state["started"]:
            state["started"] = True
            writer.start()  # commits now on PostgreSQL; on SQLite waits for our read
            writer.join(timeout=5)
        return result

    due_at = figures.due_at

    def watched_due_at(as_of):
        state["in_due_at"] = True
        try:
            return due_at(as_of)
        finally:
            state["in_due_at"] = False

    monkeypatch.setattr(figures, "due_at", watched_due_at)
    with connection.execute_wrapper(after_the_first_sum):
        during = read(api)["periods"]["month_last_year"]
    writer.join()
    assert state["started"]
    assert during["due"] == "120.00"  # as before the payment: not half of it
    old.refresh_from_db()
    assert old.amount_due == 0  # the payment did commit
    after = read(api)["periods"]  # cached or not, exact
    assert after["month_last_year"]["due"] == "120.00"  # a year ago it was due
    assert after["month"]["due"] == "0.00"
    assert after["month"]["collected"] == "120.00"
