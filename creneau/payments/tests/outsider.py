"""Payments' URLs of customer data, for the outsider test (creneau/tests/test_outsider.py).

A sales rep reads its customers' payments and balance but records and cancels none: those
are listed as POSTs (the owner's GETs must answer 200; the owner's POSTs answer 403, the
outsider's 404 before any right is checked).
"""

from decimal import Decimal

from creneau.billing.tests.factories import issued_invoice
from creneau.payments.models import PaymentMethod
from creneau.payments.services import payment_create


def build(customer, owner) -> dict:
    issued_invoice(customer=customer)
    payment = payment_create(
        customer=customer, by=None, amount=Decimal("10.00"), method=PaymentMethod.TRANSFER
    )
    return {"customer": customer, "payment": payment}


def pages(objects) -> list[tuple[str, str]]:
    customer = objects["customer"].pk
    return [
        ("get", f"/payments/customer/{customer}/"),
        ("post", f"/payments/customer/{customer}/new/"),
        ("post", f"/payments/{objects['payment'].pk}/reverse/"),
        ("post", f"/payments/{objects['payment'].pk}/refund/"),
        ("post", f"/payments/{objects['payment'].pk}/allocate/"),
    ]


def api(objects) -> list[tuple[str, str]]:
    payment = f"/api/v1/payments/{objects['payment'].pk}"
    return [
        ("get", payment),
        ("post", f"{payment}/reverse"),
        ("post", f"{payment}/refund"),
        ("post", f"{payment}/allocate"),
        ("get", f"/api/v1/customers/{objects['customer'].pk}/balance"),
    ]
