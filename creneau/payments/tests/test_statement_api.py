"""GET /api/v1/customers/{id}/statement.pdf: the statement's PDF, 404 for a customer the
token's user does not see, 422 in French for a bad period."""

from __future__ import annotations

from datetime import date

import pytest

from creneau.billing.tests.facturx_fixtures import pdf_text
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.tests.test_statement import invoice_on, pay_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    customer = CustomerFactory(name="Syndic Horizon", code="C00042", sales_rep=rep)
    customer.statement_invoice = invoice_on(customer, date(2025, 1, 5), "200")
    pay_on(customer, date(2025, 2, 1), "50", reference="VIR-FEV")
    return customer


def url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/statement.pdf"


def test_the_pdf_of_the_period(customer, api_for, rep):
    response = api_for(rep).get(url(customer), {"start": "2025-01-01", "end": "2025-03-31"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        "releve-c00042-syndic-horizon-2025-01-01-2025-03-31.pdf"
        in (response["Content-Disposition"])
    )
    text = pdf_text(response.content)
    assert f"Facture {customer.statement_invoice.number}" in text and "VIR-FEV" in text
    assert "Solde au 31/03/2025" in text


def test_without_dates_the_year_to_today(customer, api_for, accountant):
    response = api_for(accountant).get(url(customer))
    assert response.status_code == 200
    assert "Relevé de compte du 01/01/" in pdf_text(response.content)


def test_a_customer_not_seen_is_404(customer, api_for, other_rep, planner):
    for user in (other_rep, planner):
        response = api_for(user).get(url(customer), {"start": "2025-01-01"})
        assert response.status_code == 404
        assert response.json() == {"detail": "Introuvable."}
    assert api_for(other_rep).get("/api/v1/customers/999999/statement.pdf").status_code == 404


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2025-02-30"}, "start", "Saisissez une date valide (AAAA-MM-JJ)."),
        ({"end": "demain"}, "end", "Saisissez une date valide (AAAA-MM-JJ)."),
        ({"start": "2025-03-01", "end": "2025-01-01"}, "end", "ne peut précéder son début"),
        ({"start": "1999-01-01", "end": "1999-02-01"}, "start", "de 2000 à 2099"),
        ({"start": "2015-01-01", "end": "2025-01-01"}, "end", "5 ans au plus"),
        ({"start": "2025-01-01", "customer": "3"}, "customer", "Champ inconnu."),
    ],
)
def test_a_bad_period_is_422_in_french(customer, api_for, direction, query, field, message):
    response = api_for(direction).get(url(customer), query)
    assert response.status_code == 422
    errors = {error["field"]: error["msg"] for error in response.json()["detail"]}
    assert message in errors[field]


def test_the_route_is_in_the_openapi_document(api_for, direction):
    document = api_for(direction).get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/customers/{customer_id}/statement.pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"start", "end"}
