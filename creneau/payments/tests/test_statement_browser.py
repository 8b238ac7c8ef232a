"""The customer statement in Chromium: opened from the record's "Factures et règlements"
tab, downloaded as a PDF, then e-mailed; photographed at 1,366 px and on a phone (390 px)
for review (test-artifacts/payments/)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from creneau.billing.tests.facturx_fixtures import company_with_identity, pdf_text
from creneau.core.models import OutboxEmail
from creneau.customers.models import InvoiceRecipient
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.tests.test_browser import LAPTOP, PHONE, shoot
from creneau.payments.tests.test_statement import invoice_on, pay_on


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_download_then_email_the_statement(browser_page, accountant):
    company_with_identity()
    customer = CustomerFactory(name="Syndic Horizon", code="C00042", email="")
    invoice = invoice_on(customer, date(2025, 1, 5), "200", due=date(2025, 2, 4))
    pay_on(customer, date(2025, 2, 1), "50", reference="VIR-FEV")
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)

    page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=invoices")
    expect(page.locator("#statement-form")).to_be_hidden()
    page.click("#statement-toggle")
    expect(page.locator("#statement-form")).to_be_visible()
    expect(page.locator("#statement-recipients")).to_contain_text("Aucun destinataire")
    page.fill("#id_start", "2025-01-01")
    page.fill("#id_end", "2025-03-31")
    # No address at all: the user is told, nothing is queued.
    page.click("#statement-send")
    expect(page.locator("#statement-error")).to_contain_text("Aucun destinataire")
    assert not OutboxEmail.objects.exists()

    InvoiceRecipient.objects.create(customer=customer, billing_group="A", email="compta@horizon.fr")
    page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=invoices")
    page.click("#statement-toggle")
    page.fill("#id_start", "2025-01-01")
    page.fill("#id_end", "2025-03-31")
    shoot(page, "statement-tab")
    with page.expect_download() as download_info:
        page.click("#statement-download")
    download = download_info.value
    assert download.suggested_filename == "releve-c00042-syndic-horizon-2025-01-01-2025-03-31.pdf"
    with open(download.path(), "rb") as handle:
        assert f"Facture {invoice.number}" in pdf_text(handle.read())

    page.click("#statement-send")
    expect(page.locator("#statement-sent")).to_contain_text("compta@horizon.fr")
    assert OutboxEmail.objects.get().to == ["compta@horizon.fr"]
    page.set_viewport_size(PHONE)
    shoot(page, "statement-tab")

    # A period the wrong way round: the form page says so at the field.
    page.set_viewport_size(LAPTOP)
    page.goto(
        f"{page.base_url}/payments/customer/{customer.pk}/statement.pdf"
        "?start=2025-03-01&end=2025-01-01"
    )
    expect(page.locator("#id_end + .invalid-feedback")).to_contain_text("ne peut précéder")
    shoot(page, "statement-error")
