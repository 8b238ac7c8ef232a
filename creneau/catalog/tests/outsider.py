"""A site's prices (customer data), for the outsider test (creneau/tests/test_outsider.py).
The catalogue itself is company data: its routes are in NOT_CUSTOMER_DATA there."""

from creneau.catalog.tests.factories import SitePriceFactory
from creneau.customers.tests.factories import SiteFactory


def build(customer, owner) -> dict:
    site = SiteFactory(customer=customer)
    return {"site": site, "price": SitePriceFactory(site=site)}


def pages(objects) -> list[tuple[str, str]]:
    site, price = objects["site"], objects["price"]
    return [
        ("get", f"/customers/sites/{site.pk}/prices/"),
        ("post", f"/customers/sites/{site.pk}/prices/"),
        ("post", f"/customers/sites/{site.pk}/prices/{price.pk}/delete/"),
    ]


def api(objects) -> list[tuple[str, str]]:
    price = objects["price"]
    return [
        ("get", f"/api/v1/site-prices/{price.pk}"),
        ("patch", f"/api/v1/site-prices/{price.pk}"),
        ("delete", f"/api/v1/site-prices/{price.pk}"),
    ]
