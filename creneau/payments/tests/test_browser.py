"""A cheque payment recorded in Chromium from an invoice page, the form photographed at
1,366 px and on a phone (390 px) for review (test-artifacts/payments/)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.billing.models import Invoice
from creneau.billing.tests.factories import issued_invoice
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment

SCREENSHOTS = Path(ARTIFACTS) / "payments"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    reach = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert reach <= 0, f"{name} at {width} px: the page is {reach} px too wide"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_record_a_cheque_from_an_invoice_page(browser_page, accountant):
    customer = CustomerFactory(name="Résidence Les Pins")
    invoice = issued_invoice(customer=customer)
    issued_invoice(customer=customer)  # another open invoice, left alone
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)

    page.goto(f"{page.base_url}/invoices/{invoice.pk}/")
    page.click("#invoice-payment")
    page.wait_for_url("**/payments/customer/*/new/?invoice=*")
    # The invoice is preselected by hand with its amount due; no cheque fields yet.
    expect(page.locator("#id_amount")).to_have_value("120,00")
    expect(page.locator(f"#id_invoice_{invoice.pk}")).to_have_value("120,00")
    expect(page.locator("#allocation-by-hand")).to_be_visible()
    expect(page.locator("#cheque-fields")).to_be_hidden()
    page.select_option("#id_method", "cheque")
    expect(page.locator("#cheque-fields")).to_be_visible()
    page.fill("#id_cheque_bank", "Crédit Mutuel")
    # Without the cheque's number the server refuses it at the field, in French.
    page.click("#payment-save")
    expect(page.locator("#cheque-fields .invalid-feedback")).to_have_text(
        "Indiquez le numéro du chèque."
    )
    expect(page.locator("#cheque-fields")).to_be_visible()
    page.fill("#id_cheque_number", "0012345")
    shoot(page, "payment-form")
    page.set_viewport_size(PHONE)
    shoot(page, "payment-form")
    page.set_viewport_size(LAPTOP)
    page.click("#payment-save")
    page.wait_for_url(f"**/invoices/{invoice.pk}/")
    expect(page.locator("#invoice-amount-due")).to_have_text("0,00\u00a0€")
    expect(page.locator("#invoice-payment")).to_have_count(0)

    payment = Payment.objects.get()
    assert (payment.method, payment.cheque_bank, payment.cheque_number) == (
        "cheque",
        "Crédit Mutuel",
        "0012345",
    )
    assert payment.amount == Decimal("120.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID

    # The record's tab shows it.
    page.goto(f"{page.base_url}/payments/customer/{customer.pk}/")
    expect(page.locator("#payments-table")).to_contain_text("0012345")
    shoot(page, "customer-tab")
    page.set_viewport_size(PHONE)
    shoot(page, "customer-tab")
