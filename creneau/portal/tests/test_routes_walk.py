"""One test walks every portal route: each address that takes an id is tried with the id
of another customer's object, and, by a site-level access, with the ids of the other
sites' objects: 404 every time, for GET and POST alike. A new route with an id fails
test_every_route_with_an_id_is_walked until it is added to ROUTE_OBJECTS."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import URLPattern, get_resolver, reverse

from creneau.portal.tests.conftest import portal_client
from creneau.portal.tests.pages_data import CustomerData, customer_data, portal_access


def _on_site(objects, site) -> object:
    return next(obj for obj in objects if obj.site_id == site.pk)


def _invoice_of_group(data: CustomerData, group: str):
    return next(invoice for invoice in data.invoices if invoice.billing_group == group)


# Route name -> the object whose id the route takes, in a customer's data, for a site.
ROUTE_OBJECTS: dict[str, Callable] = {
    "visit": lambda data, site: _on_site(data.visits, site),
    "quote": lambda data, site: _on_site(data.quotes, site),
    "quote_pdf": lambda data, site: _on_site(data.quotes, site),
    "document": lambda data, site: _on_site(data.documents, site),
    "invoice_pdf": lambda data, site: _invoice_of_group(data, site.billing_group),
    "certificate_pdf": lambda data, site: data.certificate,
}
# Routes keyed by a secret rather than an id: a wrong secret finds nothing.
TOKEN_ROUTES = {"invitation", "reset", "ical"}


def portal_patterns() -> list[URLPattern]:
    _prefix, resolver = get_resolver().namespace_dict["portal"]
    return [pattern for pattern in resolver.url_patterns if isinstance(pattern, URLPattern)]


def test_every_route_with_an_id_is_walked():
    with_arguments = {pattern.name for pattern in portal_patterns() if pattern.pattern.converters}
    assert with_arguments == set(ROUTE_OBJECTS) | TOKEN_ROUTES


@pytest.fixture
def two_customers(db):
    return customer_data(), customer_data()


def _url(name: str, obj) -> str:
    return reverse(f"portal:{name}", kwargs={"pk": obj.pk})


@pytest.mark.parametrize("name", sorted(ROUTE_OBJECTS))
def test_an_account_access_opens_its_own_objects_and_no_one_elses(two_customers, name):
    mine, theirs = two_customers
    client = portal_client(portal_access(mine.customer))
    site = mine.sites[0]
    own = client.get(_url(name, ROUTE_OBJECTS[name](mine, site)))
    assert own.status_code == 200, name
    for other_site in theirs.sites:
        url = _url(name, ROUTE_OBJECTS[name](theirs, other_site))
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "accept", "name": "X Y"}).status_code in (404, 405)


@pytest.mark.parametrize("name", sorted(ROUTE_OBJECTS))
def test_a_site_access_opens_nothing_of_the_other_sites(two_customers, name):
    """Site 0 shares billing group A with site 1; site 2 is alone in group B."""
    mine, theirs = two_customers
    own_site, shared_group_site, lone_site = mine.sites
    client = portal_client(portal_access(mine.customer, own_site))
    refused = [ROUTE_OBJECTS[name](theirs, site) for site in theirs.sites]
    if name != "invoice_pdf":
        refused += [ROUTE_OBJECTS[name](mine, site) for site in (shared_group_site, lone_site)]
    else:
        # Its group's invoice covers another site too: not in its scope either.
        refused += [_invoice_of_group(mine, "A"), _invoice_of_group(mine, "B")]
    if name == "certificate_pdf":
        refused.append(mine.certificate)  # the customer's own, not a caretaker's
    for obj in refused:
        url = _url(name, obj)
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "accept", "name": "X Y"}).status_code in (404, 405)


def test_a_site_alone_in_its_group_sees_its_group_invoices_only(two_customers):
    mine, _theirs = two_customers
    client = portal_client(portal_access(mine.customer, mine.sites[2]))
    assert client.get(_url("invoice_pdf", _invoice_of_group(mine, "B"))).status_code == 200
    assert client.get(_url("invoice_pdf", _invoice_of_group(mine, "A"))).status_code == 404


@pytest.mark.parametrize("name", sorted(TOKEN_ROUTES))
def test_a_wrong_secret_opens_nothing(two_customers, name):
    mine, _theirs = two_customers
    client = portal_client(portal_access(mine.customer))
    token = "x" * 43
    response = client.get(reverse(f"portal:{name}", kwargs={"token": token}))
    assert response.status_code in (404, 410)
    assert mine.customer.name not in response.content.decode(errors="replace")
