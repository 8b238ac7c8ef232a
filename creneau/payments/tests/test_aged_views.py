"""The Balance âgée page and its CSV: who may open them, the filters in the URL, the
totals, the links to the customers' "Factures et règlements" tab, the chart's data, the
menu entry, and a fixed number of queries however many customers."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.tests.test_aged import invoice, pay

pytestmark = pytest.mark.django_db

URL = "/payments/aged-balance/"
EXPORT = "/payments/aged-balance/export.csv"


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff")), delimiter=";"))


@pytest.fixture
def debtors(rep):
    horizon = CustomerFactory(name="Syndic Horizon", code="C00001", sales_rep=rep)
    invoice(horizon, "1000", due_days_ago=45)  # 1 200,00 in 31-60
    invoice(horizon, "10", due_days_ago=-3)  # 12,00 not due
    formula = CustomerFactory(name="=HYPERLINK(1)", code="C00002")
    invoice(formula, "100", due_days_ago=100)  # 120,00 over 90
    paid = CustomerFactory(name="Tout payé", code="C00003")
    settled = invoice(paid, "10", due_days_ago=5)
    pay(paid, "12.00", invoices=[(settled, "12.00")])
    return horizon, formula


def test_the_page_shows_each_debtor_its_buckets_and_the_totals(client_for, accountant, debtors):
    horizon, _formula = debtors
    response = client_for(accountant).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 clients doivent un montant" in html
    assert f'href="/payments/customer/{horizon.pk}/"' in html
    assert "Tout payé" not in html
    # The largest total first, then the totals' line.
    assert html.index("Syndic Horizon") < html.index("=HYPERLINK(1)")
    assert "1\u202f332,00\xa0€" in html  # the grand total
    chart = json.loads(
        html.split('id="aged-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert chart["values"] == [12.0, 0.0, 1200.0, 0.0, 120.0]
    assert chart["texts"][2] == "1\u202f200,00\xa0€"
    assert chart["labels"][0] == "Non échu"
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    assert "<script>" not in html  # nothing inline (CSP): the data is JSON, not a script


def test_the_filters_are_read_from_the_url(client_for, direction, rep, debtors):
    response = client_for(direction).get(URL, {"sales_rep": rep.pk, "sort": "name"})
    html = response.content.decode()
    assert "1 client doit un montant" in html and "HYPERLINK" not in html
    assert 'name="sort"' in html and 'value="name" selected' in html


def test_a_date_in_the_past_and_an_unreadable_or_future_one(client_for, direction, debtors):
    client = client_for(direction)
    past = timezone.localdate() - timedelta(days=50)
    response = client.get(URL, {"as_of": past.isoformat()})
    html = response.content.decode()
    assert f"au {past:%d/%m/%Y}" in html
    assert "1 client doit un montant" in html  # only the invoice due 100 days ago was issued
    for typed in ("31/02/2026", "2026-02-31", "x" * 300):
        response = client.get(URL, {"as_of": typed})
        assert response.status_code == 200
        assert "Voici la balance à ce jour." in response.content.decode()
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.get(URL, {"as_of": tomorrow.isoformat()})
    assert "aujourd&#x27;hui ou à une date passée" in response.content.decode()


def test_the_csv_has_every_debtor_with_french_numbers_and_the_total(
    client_for, accountant, debtors
):
    response = client_for(accountant).get(EXPORT)
    assert response.status_code == 200
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="balance-agee-{today:%Y-%m-%d}.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == [
        "Code client", "Client", "Non échu (€)", "0\u201330 jours (€)", "31\u201360 jours (€)",
        "61\u201390 jours (€)", "Plus de 90 jours (€)", "Total (€)",
    ]  # fmt: skip
    assert rows[1] == ["C00001", "Syndic Horizon", "12,00", "0,00", "1200,00", "0,00", "0,00",
                       "1212,00"]  # fmt: skip
    # A name that a spreadsheet would run as a formula is neutralised.
    assert rows[2][:2] == ["C00002", "'=HYPERLINK(1)"]
    assert rows[3] == ["", "Total", "12,00", "0,00", "1200,00", "0,00", "120,00", "1332,00"]
    assert len(rows) == 4


def test_only_direction_and_accounting_open_it(client_for, rep, planner, field_worker, debtors):
    for user in (rep, planner):
        assert client_for(user).get(URL).status_code == 403
        assert client_for(user).get(EXPORT).status_code == 403
    # An intervenant's login opens its day and its planning only: sent back there.
    response = client_for(field_worker).get(URL)
    assert response.status_code in (302, 403)
    assert client_for(field_worker).get(EXPORT).status_code in (302, 403)


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_menu_entry_for_the_roles_that_may_open_it(client_for, accountant, rep):
    entry = 'href="/payments/aged-balance/"'
    assert entry in client_for(accountant).get("/customers/").content.decode()
    assert entry not in client_for(rep).get("/customers/").content.decode()


def test_a_page_takes_the_same_queries_with_more_customers(client_for, direction):
    client = client_for(direction)

    def measure(**params) -> int:
        client.get(URL, params)  # warm: the session, the user's role
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, params).status_code == 200
        return len(queries)

    for number in range(2):
        invoice(CustomerFactory(name=f"Client {number}"), "10", due_days_ago=number * 40)
    few = measure(), measure(as_of=(timezone.localdate() - timedelta(days=2)).isoformat())
    for number in range(2, 60):
        invoice(CustomerFactory(name=f"Client {number}"), "10", due_days_ago=number * 3)
    many = measure(), measure(as_of=(timezone.localdate() - timedelta(days=2)).isoformat())
    assert many == few
