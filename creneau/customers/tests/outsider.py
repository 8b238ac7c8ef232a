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
    return []
