"""Invoices' URLs, for the outsider test (creneau/tests/test_outsider.py)."""

from creneau.billing.tests.sending_helpers import issued_invoice
from creneau.quotes.services import quote_create


def build(customer, owner) -> dict:
    return {
        "invoice": issued_invoice(customer, owner),
        "quote": quote_create(customer=customer, by=owner),
    }


def pages(objects) -> list[tuple[str, str]]:
    invoice = objects["invoice"]
    # Only direction and accounting open the send page: the owner (a sales rep) gets 403,
    # so it is walked by POST (404 for the outsider before any right is checked).
    return [("post", f"/invoices/{invoice.pk}/send/")]


def api(objects) -> list[tuple[str, str]]:
    url = f"/api/v1/invoices/{objects['invoice'].pk}"
    return [
        ("get", url),
        ("patch", url),
        ("delete", url),
        ("post", f"{url}/issue"),
        ("post", f"{url}/credit-note"),
        ("get", f"{url}/pdf"),
        ("get", f"{url}/facturx.xml"),
        ("post", f"{url}/send"),
        ("post", f"/api/v1/quotes/{objects['quote'].pk}/invoice"),
    ]
