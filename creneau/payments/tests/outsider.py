"""Payments' URLs of customer data, for the outsider test (creneau/tests/test_outsider.py).

A sales rep reads its customers' payments, balance and statement but records, cancels
and e-mails none: those are listed as POSTs (the owner's GETs must answer 200; the owner's
POSTs answer 403, the outsider's 404 before any right is checked).
"""

from decimal import Decimal

from creneau.billing.tests.factories import issued_invoice
from creneau.payments.mandates import mandate_create
from creneau.payments.models import PaymentMethod
from creneau.payments.services import payment_create
from creneau.payments.tests.dunning_data import sent_reminder


def build(customer, owner) -> dict:
    invoice = issued_invoice(customer=customer)
    payment = payment_create(
        customer=customer, by=None, amount=Decimal("10.00"), method=PaymentMethod.TRANSFER
    )
    reminder = sent_reminder(customer, [invoice])
    mandate = mandate_create(customer=customer, by=None, iban="FR1420041010050500013M02606")
    return {
        "customer": customer,
        "payment": payment,
        "invoice": invoice,
        "reminder": reminder,
        "mandate": mandate,
    }


def pages(objects) -> list[tuple[str, str]]:
    customer = objects["customer"].pk
    invoice = objects["invoice"].pk
    return [
        ("get", f"/payments/customer/{customer}/"),
        ("post", f"/payments/customer/{customer}/new/"),
        ("post", f"/payments/{objects['payment'].pk}/reverse/"),
        ("get", f"/payments/customer/{customer}/statement/"),
        ("get", f"/payments/customer/{customer}/statement.pdf?start=2026-01-01&end=2026-01-31"),
        ("post", f"/payments/customer/{customer}/statement/send/"),
        # The dunning: the invoice page's card, holds, a reminder sent.
        ("get", f"/payments/invoice/{invoice}/dunning/"),
        ("post", f"/payments/invoice/{invoice}/hold/"),
        ("post", f"/payments/invoice/{invoice}/release/"),
        ("post", f"/payments/customer/{customer}/hold/"),
        ("post", f"/payments/customer/{customer}/release/"),
        ("get", f"/payments/reminders/{objects['reminder'].pk}/"),
        ("post", f"/payments/{objects['payment'].pk}/refund/"),
        ("post", f"/payments/{objects['payment'].pk}/allocate/"),
        # SEPA mandates: the tab, the form to sign; writes are the office's.
        ("get", f"/payments/customer/{customer}/mandates/"),
        ("post", f"/payments/customer/{customer}/mandates/new/"),
        ("post", f"/payments/customer/{customer}/mandates/{objects['mandate'].pk}/edit/"),
        ("post", f"/payments/customer/{customer}/mandates/{objects['mandate'].pk}/revoke/"),
        ("get", f"/payments/customer/{customer}/mandates/{objects['mandate'].pk}/form.pdf"),
    ]


def api(objects) -> list[tuple[str, str]]:
    payment = f"/api/v1/payments/{objects['payment'].pk}"
    return [
        ("get", payment),
        ("post", f"{payment}/reverse"),
        ("post", f"{payment}/refund"),
        ("post", f"{payment}/allocate"),
        ("get", f"/api/v1/customers/{objects['customer'].pk}/balance"),
        ("get", f"/api/v1/customers/{objects['customer'].pk}/statement.pdf"),
        ("post", f"/api/v1/invoices/{objects['invoice'].pk}/hold"),
        ("post", f"/api/v1/invoices/{objects['invoice'].pk}/release"),
        ("get", f"/api/v1/invoices/{objects['invoice'].pk}/reminders"),
        ("post", f"/api/v1/customers/{objects['customer'].pk}/hold"),
        ("post", f"/api/v1/customers/{objects['customer'].pk}/release"),
        ("get", f"/api/v1/customers/{objects['customer'].pk}/reminders"),
        ("get", f"/api/v1/mandates/{objects['mandate'].pk}"),
        ("patch", f"/api/v1/mandates/{objects['mandate'].pk}"),
        ("post", f"/api/v1/mandates/{objects['mandate'].pk}/revoke"),
        ("get", f"/api/v1/mandates/{objects['mandate'].pk}/form.pdf"),
    ]
