"""The visibility rule, walked over every URL of customer data, pages and API alike.

Each app lists its URLs in `creneau/<app>/tests/outsider.py`:
- build(customer, owner) -> dict: creates the app's objects for a customer of `owner`;
- pages(objects) -> [(method, path)] and api(objects) -> [(method, path)].

An outsider sales rep must get 404 on every one of them, an anonymous user a redirect to
the login page (pages) or 401 (API). A URL with a parameter that no app lists fails the
completeness test below, so a new module cannot forget to add its URLs here.
"""

from __future__ import annotations

import importlib

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from creneau.customers.tests.factories import CustomerFactory

# core: not customer data, but a user's own API tokens follow the same rule (404 to others).
APPS_WITH_CUSTOMER_DATA = [
    "customers",
    "catalog",
    "quotes",
    "core",
    "planning",
    "billing",
    "payments",
    "portal",
]

# Parameterised routes that are not customer data (company settings, staff, families):
# they are checked by their own permission tests.
NOT_CUSTOMER_DATA = (
    "admin/",
    "settings/",
    "customers/families/",
    "static/",
    "i18n/",
    "api/v1/families/",
)
# The services catalogue and the VAT rates (a site's prices are customer data).
NOT_CUSTOMER_DATA += ("catalog/", "vat-rates/", "api/v1/services/")
# The employees (intervenants): read by the office, written by direction and planning.
NOT_CUSTOMER_DATA += ("planning/employees/", "api/v1/employees/")
# An employee's calendar feed needs no login: it is guarded by its secret token (404 for an
# unknown or renewed one); planning/tests/test_ical.py checks it.
NOT_CUSTOMER_DATA += ("planning/ical/",)
# The client portal is another door, with its own login and its own scope: a staff login
# opens none of its pages. portal/tests/test_routes_walk.py walks every portal route with
# another customer's and another site's ids; its secret links and calendar feed are
# tested in test_portal_security.py and test_views_account.py.
NOT_CUSTOMER_DATA += ("portail/",)
# A billing run spans every customer: direction and accounting only, who see them all; any
# other role is refused before anything is read (billing/tests/test_views_runs.py,
# test_api_runs.py).
NOT_CUSTOMER_DATA += ("invoices/runs/", "api/v1/billing-runs")
# The dunning levels (Paramètres > Relances): direction only (payments/tests/test_levels.py).
NOT_CUSTOMER_DATA += ("payments/levels/",)
# A cheque deposit holds many customers' cheques: direction and accounting only, any other
# role refused before anything is read (payments/tests/test_deposits.py).
NOT_CUSTOMER_DATA += ("payments/deposits/",)
# A dunning run likewise (payments/tests/test_dunning_views.py, test_dunning_api.py).
NOT_CUSTOMER_DATA += ("payments/dunning/", "api/v1/dunning-runs")
# SEPA collection batches hold many customers' debits: direction and accounting only, 404
# for every other role (payments/tests/test_sepa_views.py and test_sepa_api.py).
NOT_CUSTOMER_DATA += ("payments/sepa/", "api/v1/sepa-batches")
# Fiscal years (Paramètres > Comptabilité): company-wide, direction and accounting only
# (accounting/tests/test_exports.py, test_settings.py).
NOT_CUSTOMER_DATA += ("accounting/settings/",)
# The tax certificates: direction and accounting only, any other role refused (404) before
# anything is read (accounting/tests/test_tax_certificates_web.py).
NOT_CUSTOMER_DATA += ("accounting/tax-certificates/", "api/v1/tax-certificates")
# Imports (Paramètres > Import) write customers by the thousand: direction only, any other
# role refused (403) before anything is read (imports/tests/test_views.py, test_api.py).
NOT_CUSTOMER_DATA += ("api/v1/imports", "api/v1/import-templates")


def outsider_modules():
    return [
        importlib.import_module(f"creneau.{app}.tests.outsider") for app in APPS_WITH_CUSTOMER_DATA
    ]


@pytest.fixture
def cases(rep):
    customer = CustomerFactory(sales_rep=rep)
    pages, api = [], []
    for module in outsider_modules():
        objects = module.build(customer, rep)
        pages += module.pages(objects)
        api += module.api(objects)
    return {"pages": pages, "api": api}


def all_parameterised_routes(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    routes = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes |= all_parameterised_routes(pattern, route)
        elif isinstance(pattern, URLPattern) and "<" in route:
            routes.add(route)
    return routes


def route_of(path: str) -> str:
    return resolve(path.split("?")[0]).route


@pytest.mark.django_db
def test_every_parameterised_route_is_walked(cases):
    covered = {route_of(path) for _method, path in cases["pages"] + cases["api"]}
    expected = {
        route for route in all_parameterised_routes() if not route.startswith(NOT_CUSTOMER_DATA)
    }
    assert expected - covered == set(), "add these routes to an app's tests/outsider.py"


@pytest.mark.django_db
def test_outsider_rep_gets_404_everywhere(cases, other_rep, client_for, api_for):
    client = client_for(other_rep)
    for method, path in cases["pages"]:
        response = getattr(client, method)(path)
        assert response.status_code == 404, (method, path, response.status_code)
    api = api_for(other_rep)
    for method, path in cases["api"]:
        # Uploads are read as multipart (any other type answers 415 whatever the id).
        upload = {"multipart": True} if method == "post" and path.endswith("/documents") else {}
        response = getattr(api, method)(path, {} if method != "get" else None, **upload)
        assert response.status_code == 404, (method, path, response.status_code)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_or_gets_401(cases):
    client = Client()
    for method, path in cases["pages"]:
        response = getattr(client, method)(path)
        assert response.status_code == 302, (method, path, response.status_code)
        assert response["Location"].startswith("/login/"), (method, path)
    for method, path in cases["api"]:
        response = getattr(client, method)(path)
        assert response.status_code == 401, (method, path, response.status_code)


@pytest.mark.django_db
def test_owner_reaches_every_page(cases, rep, client_for):
    """The same URLs work for the owner: the 404s above come from visibility, not typos."""
    client = client_for(rep)
    for method, path in cases["pages"]:
        if method == "get":
            assert client.get(path).status_code == 200, path
