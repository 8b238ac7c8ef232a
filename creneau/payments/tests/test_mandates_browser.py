"""The "Prélèvement SEPA" tab in Chromium: create a mandate from the pre-filled form, fill
in its signature, print it, revoke it (one confirmation); photographed at 1,366 px and on
a phone (390 px) for review (test-artifacts/payments/)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import browser_login
from creneau.billing.tests.facturx_fixtures import pdf_text
from creneau.payments.models import Mandate, MandateStatus
from creneau.payments.tests.mandate_helpers import collecting_company, debtor
from creneau.payments.tests.test_browser import LAPTOP, PHONE, shoot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_sign_print_and_revoke_a_mandate(browser_page, accountant):
    collecting_company()
    customer = debtor(name="Jeanne Martin", street="3 allée des Roses", postcode="44300",
                      city="Nantes")  # fmt: skip
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)

    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.click("a[data-record-tab]:has-text('Prélèvement SEPA')")
    expect(page.locator(".app-empty")).to_contain_text("Aucun mandat")
    page.click(".app-empty a:has-text('Nouveau mandat')")
    expect(page.locator("#id_iban")).to_have_value("FR14 2004 1010 0505 0001 3M02 606")
    rum = page.locator("#id_rum").input_value()
    assert rum.startswith("C00042-")
    shoot(page, "mandate-form")
    page.set_viewport_size(PHONE)
    shoot(page, "mandate-form")
    page.set_viewport_size(LAPTOP)
    page.click("#mandate-form button[type=submit]")
    expect(page.locator("#mandates-table")).to_contain_text("À signer")

    # The signed form came back: its date.
    page.click("[data-mandate-edit]")
    page.fill("#id_signature_date", timezone.localdate().isoformat())
    page.fill("#id_signature_place", "Nantes")
    page.click("#mandate-form button[type=submit]")
    expect(page.locator("#mandates-table .badge")).to_have_text("Actif")
    shoot(page, "mandate-tab")
    page.set_viewport_size(PHONE)
    shoot(page, "mandate-tab")
    page.set_viewport_size(LAPTOP)

    href = page.locator("[data-mandate-pdf]").get_attribute("href")
    pdf = page.request.get(f"{page.base_url}{href}")
    assert pdf.ok and rum in pdf_text(pdf.body())

    page.click("[data-mandate-revoke]")
    page.fill("#id_reason", "Demande du client")
    page.click("#mandate-revoke-form button[type=submit]")
    expect(page.locator("#mandates-table .badge")).to_have_text("Révoqué")
    expect(page.locator("#mandate-new")).to_be_visible()
    mandate = Mandate.objects.get()
    assert mandate.status == MandateStatus.REVOKED and mandate.rum == rum
