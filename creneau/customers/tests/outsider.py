"""The customer record's URLs, for the outsider test (creneau/tests/test_outsider.py)."""

from creneau.customers.tests.factories import ContactFactory, SiteFactory


def build(customer, owner) -> dict:
    return {
        "customer": customer,
        "site": SiteFactory(customer=customer),
        "contact": ContactFactory(customer=customer),
    }


def pages(objects) -> list[tuple[str, str]]:
    return []


def api(objects) -> list[tuple[str, str]]:
    """Every API route that takes the id of customer data (not families: every role reads them)."""
    paths = [
        f"/api/v1/customers/{objects['customer'].pk}",
        f"/api/v1/sites/{objects['site'].pk}",
        f"/api/v1/contacts/{objects['contact'].pk}",
    ]
    return [(method, path) for path in paths for method in ("get", "patch", "delete")]
