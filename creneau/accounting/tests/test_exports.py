"""The CSV exports (BOM, `;`, decimal comma, JJ/MM/AAAA; two years at most) and the
Exports page and API: who may download, and the answers to bad input."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from creneau.accounting.exports import INVOICE_COLUMNS, PAYMENT_COLUMNS
from creneau.accounting.tests.fec_checker import fec_check
from creneau.accounting.tests.fec_data import year_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return year_data()


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def period(data) -> dict:
    return {"start": f"{data.fiscal_year.start_date:%Y-%m-%d}",
            "end": f"{data.fiscal_year.end_date:%Y-%m-%d}"}  # fmt: skip


def test_the_invoices_csv(api_for, accountant, data):
    response = api_for(accountant).get("/api/v1/accounting/invoices.csv", period(data))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0] == [str(title) for title in INVOICE_COLUMNS]
    paid = next(row for row in rows if row[1] == data.paid.number)
    assert paid[0] == f"{data.paid.issue_date:%d/%m/%Y}"
    assert paid[10] == "201,00" and paid[11] == "140,00" and paid[12] == "28,00"
    note = next(row for row in rows if row[1] == data.credit_note.number)
    assert note[2] == "Avoir" and note[3] == data.credited.number and note[10] == "-240,00"


def test_the_payments_csv(client_for, accountant, data):
    response = client_for(accountant).get("/accounting/exports/payments.csv", period(data))
    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[0] == [str(title) for title in PAYMENT_COLUMNS]
    kinds = [row[2] for row in rows[1:]]
    assert {"Règlement", "Annulation", "Remboursement"} <= set(kinds)
    reversal = next(row for row in rows if row[2] == "Annulation")
    assert reversal[12] == "-82,50" and reversal[11] == "511200"
    dates = [row[0][6:] + row[0][3:5] + row[0][:2] for row in rows[1:]]
    assert dates == sorted(dates)


def test_two_years_at_most(api_for, client_for, accountant, data):
    start = data.fiscal_year.start_date
    too_long = {"start": f"{start:%Y-%m-%d}", "end": f"{start + timedelta(days=731):%Y-%m-%d}"}
    response = api_for(accountant).get("/api/v1/accounting/payments.csv", too_long)
    assert response.status_code == 422
    assert "deux ans au plus" in response.json()["detail"][0]["msg"]
    page = client_for(accountant).get("/accounting/exports/invoices.csv", too_long)
    assert page.status_code == 422
    assert "deux ans au plus" in page.content.decode()
    two_years = {"start": too_long["start"], "end": f"{start + timedelta(days=730):%Y-%m-%d}"}
    assert api_for(accountant).get("/api/v1/accounting/invoices.csv", two_years).status_code == 200


def test_bad_input_answers_422_in_french(api_for, accountant):
    client = api_for(accountant)
    assert client.get("/api/v1/accounting/fec", {"year": "abc"}).status_code == 422
    assert client.get("/api/v1/accounting/fec", {"year": 99999}).status_code == 422
    assert client.get("/api/v1/accounting/fec", {"year": 2026, "x": 1}).status_code == 422
    response = client.get("/api/v1/accounting/invoices.csv", {"start": "2026-13-01", "end": "x"})
    assert response.status_code == 422
    reversed_ = client.get("/api/v1/accounting/invoices.csv",
                           {"start": "2026-05-01", "end": "2026-04-01"})  # fmt: skip
    assert reversed_.status_code == 422
    assert "ne peut précéder" in reversed_.json()["detail"][0]["msg"]


@pytest.mark.parametrize("role", ["rep", "planner"])
def test_other_roles_get_404(role, request, api_for, client_for, data):
    user = request.getfixturevalue(role)
    year = data.fiscal_year.end_date.year
    api = api_for(user)
    assert api.get("/api/v1/accounting/fec", {"year": year}).status_code == 404
    assert api.get("/api/v1/accounting/invoices.csv", period(data)).status_code == 404
    assert api.get("/api/v1/accounting/payments.csv", period(data)).status_code == 404
    client = client_for(user)
    for url in ("/accounting/exports/", "/accounting/settings/",
                f"/accounting/exports/fec/?fiscal_year={data.fiscal_year.pk}"):  # fmt: skip
        assert client.get(url).status_code == 404
    assert client.post("/accounting/settings/close/", {"until": "2026-01-01"}).status_code == 404
    menu = client.get("/customers/").content.decode()
    assert "/accounting/exports/" not in menu and "/accounting/settings/" not in menu


def test_anonymous_is_sent_to_login(client):
    response = client.get("/accounting/exports/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", ["direction", "accountant"])
def test_the_exports_page_and_the_fec_download(role, request, client_for, data):
    client = client_for(request.getfixturevalue(role))
    page = client.get("/accounting/exports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Exports comptables" in html and 'href="/accounting/exports/"' in html
    assert 'href="/accounting/settings/"' in html
    response = client.get("/accounting/exports/fec/", {"fiscal_year": data.fiscal_year.pk})
    assert response.status_code == 200
    fec_check(b"".join(response.streaming_content))
    assert client.get("/accounting/exports/fec/", {"fiscal_year": 999999}).status_code == 422


PAYLOADS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]


def test_no_export_writes_a_live_formula(accountant, client_for):
    from decimal import Decimal

    from creneau.accounting.tests.fec_data import issue
    from creneau.customers.tests.factories import CustomerFactory
    from creneau.payments.services import payment_create

    for payload in PAYLOADS:
        customer = CustomerFactory(name=payload, accounting_code="")
        issue(customer, [(None, "1", "10", "20")], 2)
        payment_create(customer=customer, by=None, amount=Decimal("1"), method="cash",
                       reference=payload, allocations=[])  # fmt: skip
    client = client_for(accountant)
    today = timezone.localdate()
    dates = {"start": f"{today - timedelta(days=30):%Y-%m-%d}", "end": f"{today:%Y-%m-%d}"}
    for url in ("/accounting/exports/invoices.csv", "/accounting/exports/payments.csv"):
        cells = [cell for row in read_csv(client.get(url, dates))[1:] for cell in row]
        for payload in PAYLOADS:
            assert f"'{payload}" in cells and payload not in cells


def test_the_page_says_when_no_year_closes_then(accountant, client_for):
    client = client_for(accountant)
    response = client.get("/accounting/exports/fec/", {"year": "2019"})
    assert response.status_code == 422
    assert "Aucun exercice ne se clôt en 2019" in response.content.decode()
    assert client.get("/accounting/exports/fec/", {"year": "deux"}).status_code == 422
