"""The dashboard's cache is exact after a write: each test commits for real (a
transactional test), so that the versions are bumped as in production, after commit. A
back-dated payment and a credit note today on an old invoice show at once; a payment
recomputes the money it touches, not the revenue nor the hours."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.customers.tests.factories import CustomerFactory
from creneau.dashboard.periods import periods_of
from creneau.payments.tests.test_aged import invoice, pay

pytestmark = pytest.mark.django_db(transaction=True)


def today():
    return timezone.localdate()


def last_month_first():
    return (today().replace(day=1) - timedelta(days=1)).replace(day=1)


def issued_on(customer, day, price="100"):
    made = invoice(customer, price, due_days_ago=0)
    Invoice.objects.filter(pk=made.pk).update(issue_date=day, due_date=day + timedelta(days=30))
    made.refresh_from_db()
    return made


def read(api, month=""):
    response = api.get("/api/v1/dashboard", {"month": month} if month else None)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_back_dated_payment_changes_a_closed_month_at_once(api_for, direction):
    api = api_for(direction)
    customer = CustomerFactory()
    first = last_month_first()
    old = issued_on(customer, first)
    month = f"{first:%Y-%m}"
    before = read(api, month)["periods"]["month"]
    assert (before["due"], before["collected"]) == ("120.00", "0.00")
    assert read(api, month)["periods"]["month"]["due"] == "120.00"  # now cached

    days_ago = (today() - (first + timedelta(days=9))).days
    pay(customer, "120.00", days_ago=days_ago, invoices=[(old, "120.00")])  # the 10th
    after = read(api, month)["periods"]["month"]
    assert (after["due"], after["collected"]) == ("0.00", "120.00")


def test_a_credit_note_today_on_an_old_invoice_shows_at_once(api_for, accountant):
    api = api_for(accountant)
    customer = CustomerFactory()
    first = last_month_first()
    old = issued_on(customer, first)
    now = read(api)["periods"]["month"]
    assert (now["revenue"], now["due"]) == ("0.00", "120.00")
    closed = read(api, f"{first:%Y-%m}")["periods"]["month"]
    assert (closed["revenue"], closed["due"]) == ("100.00", "120.00")

    credit_note_create(invoice=old, by=None, amount=Decimal("60.00"))  # 60 incl. VAT, today
    now = read(api)["periods"]["month"]
    assert (now["revenue"], now["due"]) == ("-50.00", "60.00")
    assert sum(Decimal(amount) for amount in read(api)["aged"].values()) == Decimal("60.00")
    # The closed month stays as it was at its end: billed then, due then.
    closed = read(api, f"{first:%Y-%m}")["periods"]["month"]
    assert (closed["revenue"], closed["due"]) == ("100.00", "120.00")


def test_a_payment_recomputes_the_money_not_the_revenue_nor_the_hours(client_for, direction):
    client = client_for(direction)
    customer = CustomerFactory()
    made = invoice(customer, "100", due_days_ago=0)
    assert client.get("/").status_code == 200  # computes and caches every series
    pay(customer, "50.00", days_ago=0, invoices=[(made, "50.00")])
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    sqls = [query["sql"] for query in queries]
    assert not any("total_net" in sql for sql in sqls)  # the revenue: cached
    assert not any("planning_intervention" in sql for sql in sqls)  # the hours: cached
    assert any("payments_payment" in sql for sql in sqls)  # the collections: recomputed
    assert "50,00\u00a0€" in page  # collected, at once


def test_a_visit_of_last_year_marked_done_shows_at_once(api_for, direction):
    from creneau.customers.tests.factories import SiteFactory
    from creneau.planning.tests.factories import InterventionFactory

    api = api_for(direction)
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    old = start.replace(year=start.year - 1, day=1)  # in the history, last year's month
    visit = InterventionFactory(site=SiteFactory(), status="planned", start=old,
                                end=old + timedelta(hours=2))  # fmt: skip
    before = read(api)["periods"]["month_last_year"]
    assert (before["hours"]["done"], before["sites"]) == ("0.00", 0)
    visit.status = "done"
    visit.save()
    after = read(api)["periods"]["month_last_year"]
    assert (after["hours"]["done"], after["sites"], after["customers"]) == ("2.00", 1, 1)
    # Moved out of the history (to today): the history and this month both change.
    visit.start, visit.end = start, start + timedelta(hours=2)
    visit.save()
    answer = read(api)["periods"]
    assert answer["month_last_year"]["sites"] == 0 and answer["month"]["sites"] == 1


def test_an_old_credit_allocated_today_changes_a_closed_month_at_once(api_for, direction):
    from creneau.payments.services import payment_allocate

    api = api_for(direction)
    customer = CustomerFactory()
    first = last_month_first()
    old = issued_on(customer, first)
    days_ago = (today() - (first + timedelta(days=9))).days
    credit = pay(customer, "120.00", days_ago=days_ago, invoices=[])  # unallocated
    month = f"{first:%Y-%m}"
    assert read(api, month)["periods"]["month"]["due"] == "120.00"
    pay(customer, "10.00", days_ago=0, invoices=[(old, "10.00")])  # today: not then
    assert read(api, month)["periods"]["month"]["due"] == "120.00"
    payment_allocate(
        payment=credit, by=None, allocations=[{"invoice_id": old.pk, "amount": Decimal("110.00")}]
    )
    assert read(api, month)["periods"]["month"]["due"] == "10.00"  # dated the 10th


def test_what_was_due_a_year_ago_moves_only_with_payments_dated_then(api_for, direction):
    api = api_for(direction)
    customer = CustomerFactory()
    old = invoice(customer, "100", due_days_ago=370, issued_days_ago=400)  # 120 incl. VAT
    year_ago = f"'{periods_of(None, today())[0].end_last_year:%Y-%m-%d}'"
    with CaptureQueriesContext(connection) as queries:
        assert read(api)["periods"]["month_last_year"]["due"] == "120.00"
    assert any(year_ago in query["sql"] for query in queries)  # computed
    # Back-dated a month: a year ago it was still due, and the sum is not recomputed.
    pay(customer, "20.00", days_ago=30, invoices=[(old, "20.00")])
    with CaptureQueriesContext(connection) as queries:
        answer = read(api)["periods"]
    assert not any(year_ago in query["sql"] for query in queries)  # due a year ago: cached
    assert (answer["month_last_year"]["due"], answer["month"]["due"]) == ("120.00", "100.00")
    # Dated 380 days ago (before a year ago): what was due then changes at once.
    pay(customer, "30.00", days_ago=380, invoices=[(old, "30.00")])
    answer = read(api)["periods"]
    assert (answer["month_last_year"]["due"], answer["month"]["due"]) == ("90.00", "70.00")


def test_expired_entries_are_computed_again(api_for, direction):
    """The cache is a table of the database, read in the dashboard's read-only snapshot:
    reading an expired entry (which the database cache deletes) costs a recomputation,
    never an error."""
    api = api_for(direction)
    issued_on(CustomerFactory(), today() - timedelta(days=40))
    first = read(api)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE creneau_cache SET expires = %s", [timezone.now() - timedelta(hours=1)]
        )
    assert read(api) == first
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM creneau_cache WHERE expires > %s", [timezone.now()])
        assert cursor.fetchone()[0] > 0  # written again once the snapshot ended
