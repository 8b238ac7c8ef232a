"""The dashboard page: who sees which, a link behind each figure, a month asked, and a
fixed number of queries however many invoices (fewer once cached)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.tests.test_aged import invoice, pay
from creneau.quotes.models import Quote
from creneau.quotes.tests.factories import QuoteFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def test_direction_and_accounting_see_the_figures_with_a_link_behind_each(
    client_for, direction, accountant
):
    customer = CustomerFactory()
    invoice(customer, "100", due_days_ago=0)
    for user in (direction, accountant):
        response = client_for(user).get("/")
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-figure="revenue"' in page
        assert "100,00\u00a0€" in page
        first = today().replace(day=1)
        assert f"/invoices/?start={first.isoformat()}&amp;end={today().isoformat()}" in page
        assert f"/payments/aged-balance/?as_of={today().isoformat()}" in page
        assert "/invoices/?overdue=1" in page
        assert f"/planning/report/?month={today():%Y-%m}" in page
        for key in ("revenue", "flows", "aged", "hours"):
            assert f'id="chart-{key}-data"' in page
            assert f'data-chart="{key}"' in page
        assert "<details" in page and "<script>" not in page  # no inline script (CSP)


def test_the_lists_behind_the_figures_accept_their_filters(client_for, accountant):
    customer = CustomerFactory()
    invoice(customer, "100", due_days_ago=5)
    client = client_for(accountant)
    first, last = today().replace(day=1).isoformat(), today().isoformat()
    for url in (
        f"/invoices/?start={first}&end={last}",
        f"/payments/?start={first}&end={last}&reversed=with",
        f"/payments/aged-balance/?as_of={last}",
        "/invoices/?overdue=1",
        f"/planning/report/?month={today():%Y-%m}&by=site",
    ):
        assert client.get(url).status_code == 200, url


def test_a_sales_rep_sees_its_own_quotes_to_follow_up_and_overdue_invoices(
    client_for, rep, other_rep
):
    mine = CustomerFactory(name="Client De Claire", sales_rep=rep)
    theirs = CustomerFactory(name="Client D'Olivier", sales_rep=other_rep)
    for customer in (mine, theirs):
        invoice(customer, "100", due_days_ago=10)
        QuoteFactory(customer=customer, status=Quote.Status.SENT, number=f"D-{customer.pk}",
                     validity_date=today() + timedelta(days=5))  # fmt: skip
    QuoteFactory(customer=mine, status=Quote.Status.SENT, number="D-OLD",
                 date=today() - timedelta(days=40),
                 validity_date=today() - timedelta(days=1))  # fmt: skip
    page = client_for(rep).get("/").content.decode()
    assert "Mon tableau de bord" in page
    assert "Client De Claire" in page and "Client D&#x27;Olivier" not in page
    assert f"D-{mine.pk}" in page and "D-OLD" not in page  # expired: not to follow up
    assert "120,00\u00a0€" in page  # its overdue invoice, incl. VAT
    client = client_for(rep)
    for url in ("/quotes/?status=sent", "/invoices/?overdue=1", "/customers/?balance=due"):
        response = client.get(url)  # the lists behind its figures: its customers only
        assert (
            response.status_code == 200 and "Client D&#x27;Olivier" not in response.content.decode()
        )


def test_other_roles_keep_their_home(client_for, planner, field_worker, client):
    assert client_for(planner).get("/").url == "/customers/"
    assert client_for(field_worker).get("/").url == "/planning/day/"
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize("month", ["2026-13", "1999-12", "9999-01", "x" * 5000, "2026-1"])
def test_a_month_that_cannot_be_shown_gives_this_month_with_a_warning(client_for, direction, month):
    response = client_for(direction).get("/", {"month": month})
    assert response.status_code == 200
    assert "Choisissez un mois passé" in response.content.decode()


def test_a_past_month_reads_its_end(client_for, direction):
    first = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    response = client_for(direction).get("/", {"month": f"{first:%Y-%m}"})
    assert response.status_code == 200
    assert "mois clos" in response.content.decode()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_queries_are_fixed_however_many_invoices_and_fewer_once_cached(client_for, direction):
    from django.core.cache import cache

    client = client_for(direction)
    customer = CustomerFactory()
    invoice(customer, "100", due_days_ago=3)
    cold = _queries(client)
    warm = _queries(client)
    for number in range(12):
        other = CustomerFactory()
        made = invoice(other, str(10 + number), due_days_ago=number * 9)
        pay(other, "5.00", days_ago=number * 7, invoices=[(made, "5.00")])
    cache.clear()
    assert _queries(client) == cold
    assert _queries(client) == warm
    assert warm < cold
    # Cached: the session, the user, its groups, the versions, then one read of the cache's
    # table (the whole board, under every version); no figure is recomputed.
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    # On PostgreSQL each read is in a savepoint (cache._cache_get): not a query of its own.
    sqls = [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]]
    reads = [sql for sql in sqls if "creneau_cache" in sql]
    assert len(sqls) - len(reads) <= 5
    assert len(reads) == 1
    assert all(sql.startswith("SELECT") for sql in reads)


def test_a_sales_reps_page_has_a_fixed_number_of_queries(client_for, rep):
    client = client_for(rep)

    def some(count: int) -> None:
        for _number in range(count):
            customer = CustomerFactory(sales_rep=rep)
            invoice(customer, "100", due_days_ago=10)
            QuoteFactory(customer=customer, status=Quote.Status.SENT, number=f"D-{customer.pk}",
                         validity_date=today() + timedelta(days=5))  # fmt: skip

    some(1)
    few = _queries(client)
    some(6)
    assert _queries(client) == few
