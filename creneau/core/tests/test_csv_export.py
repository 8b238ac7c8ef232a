"""Every CSV export neutralises formulas: each one is found by walking the URLs, then run
with customers, sites and services named like spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from creneau.billing.tests.factories import InvoiceFactory, issued_invoice
from creneau.catalog.tests.factories import ServiceFactory
from creneau.core.csv_export import csv_cell
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.payments.services import payment_create
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory
from creneau.quotes.tests.factories import QuoteFactory

# What a spreadsheet runs (or shifts into another cell) when a cell starts with it.
PAYLOADS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tX", "\rX"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Each export with the filter that shows every row (inactive customers too).
EXPORTS = {
    "customers/export.csv": "?active=all",
    "quotes/export.csv": "",
    "invoices/export.csv": "",
    "catalog/export.csv": "",
    "planning/employees/export.csv": "?active=all",
    # Planned vs done, by site (the customers' and sites' names), this month.
    "planning/report/export.csv": "?by=site",
    "payments/export.csv": "",
    # The aged balance: the customers that owe something (an issued invoice each below).
    "payments/aged-balance/export.csv": "",
}
# Exports of one object, behind its id: each has its own formula test.
ONE_OBJECT_EXPORTS = [
    "payments/deposits/<int:pk>/slip.csv",  # payments/tests/test_deposits.py
]
SKIPPED_PREFIXES = ("admin/", "api/", "static/", "i18n/", "logout/")


def all_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    routes = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += all_routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def takes_a_parameter(route: str) -> bool:
    return "<" in route or "^" in route


def rows_of(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.mark.django_db
def test_every_csv_answer_is_an_export_listed_here(direction, client_for):
    """A new export must join EXPORTS, and so the formula test below."""
    client = client_for(direction)
    found = set()
    for route in all_routes():
        if takes_a_parameter(route) or route.startswith(SKIPPED_PREFIXES):
            continue
        response = client.get(f"/{route}")
        if response.get("Content-Type", "").startswith("text/csv"):
            found.add(route)
    assert found == set(EXPORTS)
    # A CSV behind a parameter is not opened above: each is listed, with its own test.
    assert [r for r in all_routes() if takes_a_parameter(r) and "csv" in r] == ONE_OBJECT_EXPORTS


@pytest.fixture
def formula_names(direction):
    for payload in PAYLOADS:
        customer = CustomerFactory(name=payload, street=payload, city=payload, email="")
        site = SiteFactory(customer=customer, name=payload)
        QuoteFactory(customer=customer, site=site, created_by=direction)
        InvoiceFactory(customer=customer)
        issued_invoice(customer=customer)
        ServiceFactory(label=payload)
        EmployeeFactory(first_name=payload, last_name=payload, email="")
        now = timezone.now()
        InterventionFactory(site=site, start=now, end=now + timedelta(hours=1))
        payment_create(
            customer=customer, by=None, amount=Decimal("1"), method="cash", allocations=[]
        )


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(EXPORTS))
def test_no_export_writes_a_live_formula(route, direction, client_for, formula_names):
    response = client_for(direction).get(f"/{route}{EXPORTS[route]}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = rows_of(response)
    cells = [cell for row in rows[1:] for cell in row]
    for payload in PAYLOADS:
        assert f"'{payload}" in cells, f"{payload!r} missing from {route}"
    assert [cell for cell in cells if cell.startswith(FORMULA_START)] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route, name",
    [
        ("customers", "clients"),
        ("quotes", "devis"),
        ("invoices", "factures"),
        ("catalog", "catalogue"),
        ("planning/employees", "intervenants"),
        ("payments", "reglements"),
        ("payments/aged-balance", "balance-agee"),
    ],
)
def test_every_export_is_named_after_its_list_and_the_day(route, name, direction, client_for):
    """Two exports of one list on two days do not become "devis (1).csv" in Downloads."""
    from django.utils import timezone

    response = client_for(direction).get(f"/{route}/export.csv")
    today = timezone.localdate()
    assert response["Content-Disposition"] == f'attachment; filename="{name}-{today:%Y-%m-%d}.csv"'


def test_cells_are_formatted_the_french_way():
    assert csv_cell(Decimal("-2.00")) == "-2,00"  # a number, not a formula
    assert csv_cell(Decimal("32.5000")) == "32,5000"
    assert csv_cell(date(2026, 3, 9)) == "09/03/2026"
    # Late on 31 January in UTC is already 1 February in Paris: the local day is written.
    assert csv_cell(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == "01/02/2026"
    assert csv_cell(None) == "" and csv_cell(12) == "12"
    assert csv_cell("-2") == "'-2" and csv_cell("Dupont") == "Dupont"
