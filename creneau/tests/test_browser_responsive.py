"""The staff pages on a phone (390 px) and a laptop (1,366 px), over the demo data: nothing
scrolls sideways, the quote's totals are whole, the menu folds behind a toggle on the phone.
And the lists filter as you type. Screenshots go to test-artifacts/responsive/ for review."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.catalog.models import Service
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.models import Quote
from creneau.quotes.tests.factories import QuoteFactory

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(ARTIFACTS) / "responsive"


def overflow(page) -> dict[str, int]:
    """How far the page, and the widest of its scrolling tables, reach past their width."""
    return page.evaluate(
        """() => ({
          page: document.documentElement.scrollWidth - window.innerWidth,
          table: Math.max(0, ...Array.from(document.querySelectorAll('.table-responsive'))
            .filter((box) => box.offsetParent !== null)
            .map((box) => box.scrollWidth - box.clientWidth)),
        })"""
    )


def shoot(page, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)


def check_fits(page, name: str, width: int) -> None:
    page.wait_for_load_state("networkidle")
    shoot(page, name, width)
    reach = overflow(page)
    assert reach["page"] <= 0, f"{name} at {width} px: the page is {reach['page']} px too wide"
    if width >= LAPTOP["width"]:
        # On a laptop, the lists' tables fit too: nothing to scroll sideways to find a column.
        assert reach["table"] <= 0, f"{name} at {width} px: a table scrolls {reach['table']} px"


def demo_pages() -> tuple[list[tuple[str, str]], Customer, Quote]:
    from creneau.core.demo import demo_load

    demo_load(log=lambda line: None)
    customer = Customer.objects.filter(quotes__status="draft", documents__isnull=False).first()
    draft = (
        Quote.objects.filter(status="draft", lines__isnull=False, site__isnull=False)
        .order_by("id")
        .first()
    )
    pages = [
        ("customers", "/customers/"),
        ("quotes", "/quotes/"),
        ("catalogue", "/catalog/"),
        ("company", "/settings/company/"),
        ("staff", "/settings/staff/"),
        ("families", "/customers/families/"),
        ("vat-rates", "/vat-rates/"),
        ("emails", "/settings/emails/"),
        ("account", "/account/"),  # a long e-mail address in its fields
        ("api-tokens", "/settings/api-tokens/"),
        ("customer-new", "/customers/new/"),
        ("quote-new", f"/quotes/new/?customer={customer.pk}"),
        ("quote-send", f"/quotes/{draft.pk}/send/"),
        ("service", f"/catalog/{Service.objects.order_by('id').first().pk}/"),
        ("site-prices", f"/customers/sites/{draft.site_id}/prices/"),
        ("quote-finalised", f"/quotes/{Quote.objects.exclude(status='draft').first().pk}/"),
    ]
    return pages, customer, draft


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_pages_fit_a_phone_and_a_laptop(browser_page):
    pages, customer, draft = demo_pages()
    page = browser_page
    browser_login(page, "direction", "demo")
    for size in (PHONE, LAPTOP):
        width = size["width"]
        page.set_viewport_size(size)
        for name, path in pages:
            page.goto(f"{page.base_url}{path}")
            check_fits(page, name, width)

        page.goto(f"{page.base_url}/customers/{customer.pk}/")
        check_fits(page, "customer", width)
        tabs = page.locator("[data-record-tab]")
        for index in range(tabs.count()):
            tab = tabs.nth(index)
            label = tab.inner_text().strip()
            tab.click()
            expect(tab).to_have_class("nav-link active")
            check_fits(page, f"customer-tab-{index}-{label}", width)

        page.goto(f"{page.base_url}/quotes/{draft.pk}/")
        check_fits(page, "quote-editor", width)
        for element in ("#quote-totals", '[data-total="gross"]', "#quote-lines tr.quote-line"):
            box = page.locator(element).first.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (element, width, box)
        quantity = page.locator("#quote-lines tr.quote-line input[name=quantity]").first
        expect(quantity).to_be_visible()
        quantity_box = quantity.bounding_box()
        assert quantity_box["x"] + quantity_box["width"] <= width


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_menu_folds_behind_a_toggle_on_a_phone(browser_page, direction):
    page = browser_page
    browser_login(page, "direction")
    page.set_viewport_size(PHONE)
    page.goto(f"{page.base_url}/customers/")
    toggle = page.get_by_role("button", name="Ouvrir le menu")
    menu = page.locator("#app-menu")
    expect(toggle).to_be_visible()
    expect(menu).to_be_hidden()
    expect(page.locator("h1")).to_be_in_viewport()
    shoot(page, "menu-closed", PHONE["width"])

    toggle.click()
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Devis", exact=True)).to_be_in_viewport()
    page.wait_for_timeout(400)  # the panel slides in (0.3 s)
    shoot(page, "menu-open", PHONE["width"])
    menu.get_by_role("button", name="Fermer le menu").click()
    expect(menu).to_be_hidden()

    toggle.click()
    menu.get_by_role("link", name="Devis", exact=True).click()
    page.wait_for_url("**/quotes/")
    expect(page.locator("h1")).to_have_text("Devis")
    expect(menu).to_be_hidden()

    # On a laptop the menu is a column of its own, always there, and no toggle shows.
    page.set_viewport_size(LAPTOP)
    expect(toggle).to_be_hidden()
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Clients", exact=True)).to_be_in_viewport()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_in_the_quotes_filter_narrows_the_rows_without_enter(browser_page, rep):
    horizon = CustomerFactory(sales_rep=rep, name="Syndic Horizon Gestion")
    tilleuls = CustomerFactory(sales_rep=rep, name="Résidence Les Tilleuls")
    QuoteFactory(customer=horizon)
    QuoteFactory.create_batch(2, customer=tilleuls)
    page = browser_page
    browser_login(page, "commercial1")
    page.goto(f"{page.base_url}/quotes/")
    rows = page.locator("table.quote-table tbody tr")
    expect(rows).to_have_count(3)
    page.evaluate("window.sameDocument = true")  # gone if the browser loaded a new page

    page.locator("#id_q").press_sequentially("horiz", delay=40)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Syndic Horizon Gestion")
    expect(page).to_have_url(f"{page.base_url}/quotes/?q=horiz&sort=-date")
    export = page.get_by_role("link", name="Exporter en CSV")
    expect(export).to_have_attribute("href", "/quotes/export.csv?q=horiz&sort=-date")

    header = page.locator("#quote-results thead")
    header.get_by_role("link", name="Client", exact=True).click()  # sorting keeps the filter
    expect(page).to_have_url(f"{page.base_url}/quotes/?q=horiz&sort=customer")
    expect(rows).to_have_count(1)
    page.locator("#id_q").fill("")
    page.locator("#id_q").press("Backspace")
    expect(rows).to_have_count(3)
    assert page.evaluate("window.sameDocument") is True
    shoot(page, "quotes-live-filter", LAPTOP["width"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_quotes_list_fits_a_phone_in_english(browser_page, rep):
    """The English headers are longer ("Total incl. VAT"): on a phone they wrap rather than
    push the amounts out of the card."""
    customer = CustomerFactory(sales_rep=rep, name="Syndic Horizon Gestion")
    QuoteFactory(
        customer=customer, number="D-2026-00008", status="sent", total_gross=Decimal("1630.80")
    )
    QuoteFactory(customer=customer, total_gross=Decimal("12345.60"))
    page = browser_page
    page.set_viewport_size(PHONE)
    browser_login(page, "commercial1")
    page.goto(f"{page.base_url}/quotes/")
    page.click(".app-topbar .dropdown-toggle")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Quotes")
    shoot(page, "quotes-en", PHONE["width"])
    assert overflow(page) == {"page": 0, "table": 0}
