"""A manual invoice made and issued in Chromium, and the invoice screens photographed at
1,366 px and on a phone (390 px) for review (test-artifacts/billing/)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.billing.tests.factories import issued_invoice
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.tests.factories import CustomerFactory, SiteFactory

SCREENSHOTS = Path(ARTIFACTS) / "billing"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    reach = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert reach <= 0, f"{name} at {width} px: the page is {reach} px too wide"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_make_a_manual_invoice_and_issue_it(browser_page, accountant):
    vat_rate("20")
    customer = CustomerFactory(name="Résidence Les Pins", email="syndic@lespins.fr")
    SiteFactory(customer=customer, name="Bâtiment B", billing_group="B")
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, accountant.username)

    page.goto(f"{page.base_url}/invoices/")
    page.click("#invoice-new")
    page.fill("#customer-search", "pins")
    page.click("text=Résidence Les Pins")
    page.select_option("#id_billing_group", "B")
    page.fill("#id_period_start", "2026-10-01")
    page.fill("#id_period_end", "2026-10-31")
    page.click("#invoice-create")
    page.wait_for_url("**/invoices/*/")
    expect(page.locator("h1")).to_contain_text("Brouillon")

    # A free line, typed the French way; the totals follow without a reload.
    page.fill("#id_add-description", "Remise en état après travaux")
    page.fill("#id_add-quantity", "2,5")
    page.select_option("#id_add-unit", "hour")
    page.fill("#id_add-unit_price", "32,40")
    page.click("#invoice-add-line-submit")
    expect(page.locator("#invoice-totals [data-total=gross]")).to_have_text("97,20\u00a0€")
    # A wrong price is refused at its field, in French.
    page.fill("#id_add-description", "Déplacement")
    page.fill("#id_add-quantity", "1")
    page.fill("#id_add-unit_price", "dix")
    page.click("#invoice-add-line-submit")
    expect(page.locator("#invoice-add-line .invalid-feedback")).to_contain_text(
        "Saisissez un nombre."
    )
    page.fill("#id_add-unit_price", "15")
    page.click("#invoice-add-line-submit")
    expect(page.locator("#invoice-totals [data-total=gross]")).to_have_text("115,20\u00a0€")
    # Edit the first line in place.
    page.locator("#invoice-lines [aria-label='Modifier la ligne']").first.click()
    page.fill("#id_edit-quantity", "3")
    shoot(page, "invoice-line-edit")
    page.click("text=Enregistrer la ligne")
    expect(page.locator("#invoice-totals [data-total=gross]")).to_have_text("134,64\u00a0€")
    shoot(page, "invoice-draft")
    page.set_viewport_size(PHONE)
    shoot(page, "invoice-draft")
    page.set_viewport_size(LAPTOP)

    page.click("#invoice-issue")  # confirmed once (the dialog is accepted)
    # The flash stays while the page's Relances card loads (payments.views_holds).
    expect(page.locator(".app-flash, .alert-success").first).to_contain_text("Facture émise")
    invoice = Invoice.objects.get()
    assert invoice.number.startswith("F-") and invoice.total_gross == Decimal("134.64")
    expect(page.locator("h1")).to_contain_text(invoice.number)
    expect(page.locator("#invoice-add-line")).to_have_count(0)
    shoot(page, "invoice-issued")

    page.click("#invoice-credit")
    page.check("input[name=mode][value=amount]")
    page.fill("#id_amount", "200")
    page.click("#credit-note-submit")
    expect(page.locator(".invalid-feedback").first).to_contain_text("Il reste 134,64")
    shoot(page, "credit-note-refused")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_screens_of_the_invoice_list_and_tab(browser_page, direction):
    customer = CustomerFactory(name="Syndic Horizon Gestion")
    for _index in range(3):
        issued_invoice(
            customer=customer,
            by=direction,
            lines=[
                ("Entretien des bureaux - 8 passages", "8", "45", "20"),
                ("Vitres", "1", "90", "10"),
            ],
        )
    first = Invoice.objects.order_by("id").first()
    credit_note_create(invoice=first, by=direction, reason="Passage du 12 non effectué", lines=None)
    page = browser_page
    browser_login(page, direction.username)
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(f"{page.base_url}/invoices/")
        expect(page.locator("#invoice-totals")).to_be_visible()
        shoot(page, "invoice-list")
        page.goto(f"{page.base_url}/invoices/{first.pk}/")
        shoot(page, "invoice-cancelled")
        page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=invoices")
        expect(page.locator("#invoice-tab")).to_be_visible()
        shoot(page, "customer-tab")
    # The filter follows what is typed, and the URL with it.
    page.set_viewport_size(LAPTOP)
    page.goto(f"{page.base_url}/invoices/")
    page.select_option("#id_kind", "credit_note")
    expect(page.locator("#invoice-results .app-count")).to_have_text("1 pièce")
    expect(page).to_have_url(f"{page.base_url}/invoices/?kind=credit_note&sort=-date")
