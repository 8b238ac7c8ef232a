"""GET /api/v1/reports/aged-balance: rows and totals, a past date, the filters, pages,
who may read it (403 for the others), and 422 in French for what cannot be read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.tests.test_aged import invoice, pay

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/aged-balance"


def errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


@pytest.fixture
def debtors(rep):
    horizon = CustomerFactory(name="Syndic Horizon", code="C00001", sales_rep=rep)
    invoice(horizon, "1000", due_days_ago=45)  # 1 200.00, 31-60
    invoice(horizon, "10", due_days_ago=0)  # 12.00, due today: not due yet
    martin = CustomerFactory(name="Boulangerie Martin", code="C00002")
    paid_later = invoice(martin, "100", due_days_ago=95)  # 120.00, > 90
    pay(martin, "20.00", days_ago=3, invoices=[(paid_later, "20.00")])
    return horizon, martin


def test_rows_and_totals(api_for, accountant, debtors):
    horizon, martin = debtors
    response = api_for(accountant).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == timezone.localdate().isoformat()
    assert body["count"] == 2
    assert body["rows"] == [
        {"customer_id": horizon.pk, "customer_name": "Syndic Horizon", "code": "C00001",
         "not_due": "12.00", "days_0_30": "0.00", "days_31_60": "1200.00",
         "days_61_90": "0.00", "days_over_90": "0.00", "total": "1212.00"},
        {"customer_id": martin.pk, "customer_name": "Boulangerie Martin", "code": "C00002",
         "not_due": "0.00", "days_0_30": "0.00", "days_31_60": "0.00",
         "days_61_90": "0.00", "days_over_90": "100.00", "total": "100.00"},
    ]  # fmt: skip
    assert body["totals"] == {
        "not_due": "12.00", "days_0_30": "0.00", "days_31_60": "1200.00",
        "days_61_90": "0.00", "days_over_90": "100.00", "total": "1312.00",
    }  # fmt: skip


def test_a_past_date_filters_sort_and_pages(api_for, direction, rep, debtors):
    client = api_for(direction)
    as_of = timezone.localdate() - timedelta(days=5)
    body = client.get(URL, {"as_of": as_of.isoformat()}).json()
    # 5 days ago: the 20.00 paid 3 days ago was still due; the invoice due today was not
    # issued yet (issued on its due date).
    assert body["as_of"] == as_of.isoformat()
    assert [(row["code"], row["total"]) for row in body["rows"]] == [
        ("C00001", "1200.00"),
        ("C00002", "120.00"),
    ]
    assert body["totals"]["days_31_60"] == "1200.00"  # 40 days late then
    assert body["totals"]["days_61_90"] == "120.00"  # 90 days late then
    by_name = client.get(URL, {"sort": "name", "limit": 1, "offset": 1}).json()
    assert by_name["count"] == 2 and [row["code"] for row in by_name["rows"]] == ["C00001"]
    mine = client.get(URL, {"sales_rep": rep.username}).json()
    assert [row["code"] for row in mine["rows"]] == ["C00001"]
    nobody = client.get(URL, {"sales_rep": "none", "kind": "individual"}).json()
    assert nobody["count"] == 1  # Boulangerie Martin: no rep; factories make individuals


def test_other_roles_are_refused(api_for, rep, planner, field_worker, debtors):
    for user in (rep, planner, field_worker):
        response = api_for(user).get(URL)
        assert response.status_code == 403, user
        assert response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"as_of": "2026-02-31"}, "as_of", "Saisissez une date valide (AAAA-MM-JJ)."),
        ({"as_of": "demain"}, "as_of", "Saisissez une date valide (AAAA-MM-JJ)."),
        ({"as_of": "1999-12-31"}, "as_of", "Choisissez une date à partir de 2000."),
        ({"kind": "martian"}, "kind", "Valeur non autorisée."),
        ({"sort": "-total"}, "sort", "Valeur non autorisée."),
        ({"limit": 501}, "limit", "Valeur trop grande."),
        ({"family": "x"}, "family", "Saisissez un nombre entier."),
        ({"sales_rep": "personne"}, "sales_rep", "Aucun utilisateur de ce nom."),
        ({"colour": "red"}, "colour", "Champ inconnu."),
    ],
)
def test_what_cannot_be_read_answers_422(api_for, accountant, params, field, message):
    response = api_for(accountant).get(URL, params)
    assert response.status_code == 422
    assert errors(response) == {field: message}


def test_a_future_date_answers_422(api_for, accountant):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = api_for(accountant).get(URL, {"as_of": tomorrow.isoformat()})
    assert response.status_code == 422
    assert "date passée" in errors(response)["as_of"]


def test_the_same_queries_however_many_customers(api_for, accountant):
    client = api_for(accountant)

    def measure() -> int:
        client.get(URL)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    invoice(CustomerFactory(), "10", due_days_ago=3)
    few = measure()
    for days in range(10, 200, 10):
        invoice(CustomerFactory(), "10", due_days_ago=days)
    assert measure() == few
