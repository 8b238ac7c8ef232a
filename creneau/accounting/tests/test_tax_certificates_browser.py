"""The Attestations fiscales page in Chromium: from the menu, generate the year's
certificates, see them listed with their figures, send one; no console error, no CSP
violation. Photographed at 1,366 px and on a phone (390 px) for review
(test-artifacts/accounting/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.accounting.tests.tax_certificate_data import with_visits, worked_example
from creneau.core.tests.test_browser_csp import RECORD_VIOLATIONS, violations
from creneau.customers.tests.factories import CustomerFactory, SiteFactory

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(ARTIFACTS) / "accounting"


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    reach = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert reach <= 0, f"{name} at {width} px: the page is {reach} px too wide"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_generate_and_send_from_the_page(browser_page, accountant):
    example = worked_example()
    with_visits(example)
    from creneau.accounting.tests.tax_certificate_data import dated, line, make_invoice, pay

    lonely = CustomerFactory(name="Yves Sansmail", email="")
    SiteFactory(customer=lonely)
    invoice = make_invoice(lonely, None, [line(example["home_help"], "40")])
    from datetime import date

    pay(lonely, dated(invoice, date(2025, 2, 1)).issue_date, "1320.00", invoice)
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)
    page.click("a.nav-link:has-text('Attestations fiscales')")
    page.wait_for_url("**/accounting/tax-certificates/")
    page.select_option("#id_year", "2025")
    page.click("#certificates-filters button[type=submit]")
    page.wait_for_url("**year=2025*")
    page.click("#certificates-generate")
    page.wait_for_url("**year=2025*")
    expect(page.locator(".alert, .app-flash").first).to_contain_text("créées 2,")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Jeanne Martin")
    expect(rows.first).to_contain_text("392,26")
    expect(rows.nth(1)).to_contain_text("pas d'e-mail")
    assert violations(page) == []
    shoot(page, "tax-certificates")
    page.set_viewport_size(PHONE)
    shoot(page, "tax-certificates")
    page.set_viewport_size(LAPTOP)
    rows.first.locator("button[title='Envoyer par e-mail']").click()
    page.wait_for_url("**year=2025*")
    expect(page.locator(".alert, .app-flash").first).to_contain_text("jeanne.martin@example.fr")
    expect(page.locator("table tbody tr").first).to_contain_text("Envoyée")
    page.click("text=Clients sans attestation")
    page.wait_for_url("**/exclusions/**")
    expect(page.locator("table")).to_contain_text("Yves Sansmail")
    shoot(page, "tax-certificates-exclusions")
    assert violations(page) == []
