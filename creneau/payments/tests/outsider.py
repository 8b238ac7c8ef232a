"""Payments' URLs of customer data, for the outsider test (creneau/tests/test_outsider.py).

A sales rep reads its customers' payments and balance but records none: the writes are
listed as POSTs (404 for the outsider before any right is checked). No page yet.
"""

from creneau.billing.tests.factories import issued_invoice
from creneau.payments.services import payment_create


def build(customer, owner) -> dict:
    issued_invoice(customer=customer)
    payment = payment_create(customer=customer, by=None, amount="10.00", method="cash")
    return {"customer": customer, "payment": payment}


def pages(objects) -> list[tuple[str, str]]:
    return []


def api(objects) -> list[tuple[str, str]]:
    payment = f"/api/v1/payments/{objects['payment'].pk}"
    return [
        ("get", payment),
        ("post", f"{payment}/reverse"),
        ("get", f"/api/v1/customers/{objects['customer'].pk}/balance"),
    ]
