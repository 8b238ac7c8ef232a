"""In Chromium, the main pages work under the Content-Security-Policy: the `browser_page`
fixture fails the test on any error in the console, and Chromium reports there every
script, style or eval that the policy refused. The page also records the violations
itself (securitypolicyviolation events), so a refusal is named even if it logs nothing."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.services import quote_create

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations || []")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_pages_run_under_the_policy(browser_page, direction):
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    customer = CustomerFactory(sales_rep=direction, name="Syndic Horizon Gestion")
    SiteFactory(customer=customer, name="Résidence Les Tilleuls")
    CustomerFactory(sales_rep=direction, name="Boulangerie Martin", city="Nantes")
    ServiceFactory(code="VIT-STD", label="Nettoyage de vitres", unit="m2",
                   unit_price=Decimal("2.35"), vat_rate=vat_rate("20"))  # fmt: skip
    quote = quote_create(customer=customer, by=direction)

    page.goto(f"{page.base_url}/login/")
    assert violations(page) == []
    browser_login(page, "direction")
    # The dashboard, with its charts (Chart.js, served locally).
    expect(page.locator("canvas").first).to_be_visible()
    assert violations(page) == []
    page.goto(f"{page.base_url}/customers/")

    # The customer list: typing filters, and so does a select (the filters-change event
    # that replaced htmx's change[...] filter, which needed eval).
    page.locator("#id_q").press_sequentially("horizon")
    expect(page.locator("#customer-results")).not_to_contain_text("Boulangerie Martin")
    page.wait_for_url("**q=horizon*")
    page.select_option("#id_kind", index=1)
    page.wait_for_url("**kind=*")
    assert violations(page) == []

    # The customer record and each of its tabs, loaded by htmx.
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    for tab in page.locator("[data-record-tab]").all():
        tab.click()
        page.wait_for_load_state("networkidle")
    assert violations(page) == []

    # The quote editor: search the catalogue, add a line, type a quantity.
    page.goto(f"{page.base_url}/quotes/{quote.pk}/")
    page.fill("#service-search", "vitres")
    page.click("#service-results button:has-text('Nettoyage de vitres')")
    expect(page.locator("tr[data-line-id]")).to_have_count(1)
    page.locator("tr[data-line-id] input[name=quantity]").fill("12")
    page.wait_for_load_state("networkidle")
    assert violations(page) == []

    # The API's interactive documentation (django-ninja's Swagger UI, served locally).
    page.goto(f"{page.base_url}/api/v1/docs")
    # The documentation page builds itself from the OpenAPI document: slow on a loaded machine.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    assert violations(page) == []
