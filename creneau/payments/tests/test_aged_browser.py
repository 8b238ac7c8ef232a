"""The Balance âgée in Chromium: the chart draws (a canvas with its bars, under the CSP,
no console error), a filter by date reloads it, and a customer's name opens its tab.
Photographed at 1,366 px and on a phone (390 px) for review (test-artifacts/payments/)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import browser_login
from creneau.core.tests.test_browser_csp import RECORD_VIOLATIONS, violations
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.tests.test_aged import invoice
from creneau.payments.tests.test_browser import LAPTOP, PHONE, shoot

# Chart.js keeps its charts by canvas: the one drawn here, with its five bars' heights.
BARS = """() => {
  const chart = Chart.getChart("aged-chart");
  return chart ? chart.getDatasetMeta(0).data.map((bar) => Math.round(bar.height)) : null;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_chart_draws_above_the_table(browser_page, accountant):
    names = ["Syndic Horizon Gestion", "Boulangerie Martin", "Résidence Les Tilleuls",
             "Cabinet Dupont-Moreau", "SCI du Port"]  # fmt: skip
    for number, name in enumerate(names):
        customer = CustomerFactory(name=name)
        for days, price in [(-10, "300"), (12, "450"), (45, "900"), (75, "120"), (140, "80")]:
            invoice(customer, str(int(price) * (number + 1)), due_days_ago=days + number)
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)

    page.click("a.nav-link:has-text('Balance âgée')")
    page.wait_for_url("**/payments/aged-balance/")
    expect(page.locator("canvas#aged-chart")).to_be_visible()
    page.wait_for_function(BARS)
    heights = page.evaluate(BARS)
    assert len(heights) == 5 and all(height > 0 for height in heights)
    expect(page.locator(".aged-table tbody tr")).to_have_count(5)
    expect(page.locator(".aged-totals")).to_contain_text("Total")
    assert violations(page) == []
    shoot(page, "aged-balance")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)  # Chart.js redraws at the new width
    shoot(page, "aged-balance")
    page.set_viewport_size(LAPTOP)

    # A past date: 20 days ago, only what was issued by then, and the chart follows.
    past = timezone.localdate() - timedelta(days=20)
    page.fill("#id_as_of", past.isoformat())
    page.click("#aged-filters button[type=submit]")
    page.wait_for_url(f"**as_of={past.isoformat()}*")
    page.wait_for_function(BARS)
    assert page.evaluate(BARS)[0] == 0  # nothing issued 20 days ago was due after then
    expect(page.locator("h1 + span")).to_contain_text(f"{past:%d/%m/%Y}")

    page.click(".aged-table tbody tr:first-child a")
    page.wait_for_url("**/payments/customer/*/")
    expect(page.locator("h1")).to_contain_text("SCI du Port")  # the largest debt
    assert violations(page) == []
