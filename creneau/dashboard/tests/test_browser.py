"""The dashboard in Chromium: the four charts draw under the CSP with no console error,
each table opens below its chart, a figure opens the list behind it. Photographed at
1,366 px and on a phone (390 px) for review (test-artifacts/dashboard/)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.core.tests.test_browser_csp import RECORD_VIOLATIONS, violations
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.payments.tests.test_aged import invoice, pay
from creneau.planning.tests.factories import InterventionFactory

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(ARTIFACTS) / "dashboard"

# Chart.js keeps its charts by canvas: how many points each dataset of a chart has drawn.
DRAWN = """(key) => {
  const chart = Chart.getChart(`chart-${key}`);
  return chart ? chart.data.datasets.map((set, i) => chart.getDatasetMeta(i).data.length) : null;
}"""


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    reach = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert reach <= 0, f"{name} at {width} px: the page is {reach} px too wide"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_charts_draw_and_the_figures_open_their_lists(browser_page, accountant):
    for number in range(6):
        customer = CustomerFactory(name=f"Client {number}")
        for months_ago in range(0, 13, 2):
            made = invoice(customer, str(100 + 40 * number), due_days_ago=30 * months_ago + number)
            if months_ago % 4 == 0:
                pay(customer, "50.00", days_ago=30 * months_ago, invoices=[(made, "50.00")])
    site = SiteFactory()
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for weeks_ago in range(10):
        day = start - timedelta(weeks=weeks_ago)
        InterventionFactory(site=site, status="done", start=day, end=day + timedelta(hours=3))
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    browser_login(page, accountant.username)
    page.goto(f"{page.base_url}/")
    for key, series in (("revenue", 1), ("flows", 2), ("aged", 1), ("hours", 3)):
        page.wait_for_function(DRAWN, arg=key)
        assert page.evaluate(DRAWN, key) == [13 if key != "aged" else 5] * series, key
    assert violations(page) == []
    shoot(page, "dashboard")
    page.click("#chart-revenue-title ~ details summary")
    expect(page.locator("#chart-revenue-title ~ details table tbody tr")).to_have_count(13)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)  # Chart.js redraws at the new width
    shoot(page, "dashboard")
    page.set_viewport_size(LAPTOP)

    page.click("tr[data-figure='revenue'] td:nth-of-type(2) a")  # the year's revenue
    page.wait_for_url("**/invoices/?start=*")
    expect(page.locator("table tbody tr").first).to_be_visible()
    assert violations(page) == []
