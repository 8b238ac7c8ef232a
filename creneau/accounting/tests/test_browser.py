"""Paramètres > Comptabilité and the Exports page in Chromium: the menu entries, the
closing that asks once, the FEC download; photographed at 1,366 px and at 390 px for
review (test-artifacts/accounting/)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import browser_login
from creneau.accounting.models import FiscalYear
from creneau.catalog.tests.factories import vat_rate
from creneau.core.models import Company

SCREENSHOTS = Path("test-artifacts/accounting")
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
def test_settings_closing_and_exports(browser_page, accountant):
    for percent in ("20", "10", "5.5", "2.1"):
        vat_rate(percent)
    today = timezone.localdate()
    FiscalYear.objects.create(start_date=today - timedelta(days=800),
                              end_date=today - timedelta(days=436))  # fmt: skip
    year = FiscalYear.objects.create(start_date=today - timedelta(days=435),
                                     end_date=today - timedelta(days=70))  # fmt: skip
    page = browser_page
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{page.base_url}/customers/")
    page.click("a.nav-link:has-text('Comptabilité')")
    page.wait_for_url("**/accounting/settings/")
    expect(page.locator("#vat-accounts tbody tr")).to_have_count(5)  # the default rates, 0 % too
    shoot(page, "settings")
    page.set_viewport_size(PHONE)
    shoot(page, "settings")
    page.set_viewport_size(LAPTOP)

    # Closing the older year asks once; cancelling leaves it open.
    dialogs = []

    def answer(dialog, accept: bool) -> None:
        dialogs.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.locator("#fiscal-years form[action$='/close/']").last.locator("button").click()
    page.wait_for_timeout(300)
    assert dialogs and "définitif" in dialogs[0]
    assert Company.load().books_closed_until is None
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.locator("#fiscal-years form[action$='/close/']").last.locator("button").click()
    expect(page.locator(".alert-success, .toast, [role=alert]").first).to_contain_text("clôturé")
    assert Company.load().books_closed_until == today - timedelta(days=436)

    page.click("a.nav-link:has-text('Exports')")
    page.wait_for_url("**/accounting/exports/")
    page.select_option("#id_fiscal_year", str(year.pk))
    with page.expect_download() as download:
        page.click("#fec-export button[type=submit]")
    assert download.value.suggested_filename.endswith(f"FEC{year.end_date:%Y%m%d}.txt")
    shoot(page, "exports")
    page.set_viewport_size(PHONE)
    shoot(page, "exports")
