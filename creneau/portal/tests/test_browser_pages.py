"""The portal's pages in Chromium, on a phone (390 px) and a laptop (1,366 px): nothing
scrolls sideways, no error in the console, and a quote is accepted through its form.
Screenshots go to test-artifacts/portal/ for review."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS
from creneau.billing.models import Invoice
from creneau.portal.tests.conftest import portal_client
from creneau.portal.tests.pages_data import customer_data, invoice_for, portal_access
from creneau.quotes.models import Quote

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(ARTIFACTS) / "portal"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, user) -> None:
    """The portal session of `user`, as its cookie (the login page is tested apart)."""
    client = portal_client(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.session.session_key,
                "url": page.base_url,
            }
        ]
    )


def sideways(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def shoot(page, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)


def test_every_page_fits_a_phone_and_a_laptop(browser_page):
    data = customer_data()
    account = portal_access(data.customer, name="Marie Durand")
    quote = data.quotes[0]
    # An overdue invoice and a credit note, to see how they are marked.
    today = timezone.localdate()
    Invoice.objects.filter(pk=data.invoices[0].pk).update(
        issue_date=today - timedelta(days=45), due_date=today - timedelta(days=15)
    )
    credit_note = invoice_for(data.customer, billing_group="A", sites=data.sites[:2])
    Invoice.objects.filter(pk=credit_note.pk).update(
        kind=Invoice.Kind.CREDIT_NOTE,
        number="A-2026-00001",
        amount_due=0,
        credited_invoice=data.invoices[1],
    )
    pages = {
        "visits": reverse("portal:visits"),
        "visits-list": reverse("portal:visits") + "?vue=liste",
        "visits-past": reverse("portal:visits") + "?vue=liste&quand=passees",
        "visit": reverse("portal:visit", args=[data.visits[1].pk]),
        "invoices": reverse("portal:invoices"),
        "certificates": reverse("portal:certificates"),
        "quotes": reverse("portal:quotes"),
        "quote": reverse("portal:quote", args=[quote.pk]),
        "documents": reverse("portal:documents"),
    }
    page = browser_page
    log_in(page, account)
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        for name, url in pages.items():
            page.goto(page.base_url + url)
            expect(page.locator("h1")).to_be_visible()
            assert sideways(page) <= 0, f"{name} scrolls sideways at {size['width']} px"
            shoot(page, name, size["width"])


def test_a_site_shares_its_group_phone_view(browser_page):
    data = customer_data(quotes=False)
    page = browser_page
    log_in(page, portal_access(data.customer, site=data.sites[0]))
    page.set_viewport_size(PHONE)
    page.goto(page.base_url + reverse("portal:invoices"))
    expect(page.get_by_text("Les factures de ce site sont adressées")).to_be_visible()
    # The menu, folded behind its toggle, offers no tax certificates.
    page.click(".navbar-toggler")
    expect(page.locator("#portal-menu")).to_be_visible()
    expect(page.locator("#portal-menu").get_by_text("Attestations")).to_have_count(0)
    expect(page.locator("#portal-menu").get_by_text("Se déconnecter")).to_be_visible()
    page.wait_for_timeout(400)  # the menu's opening transition
    shoot(page, "invoices-site", PHONE["width"])


def test_a_quote_is_accepted_through_its_form(browser_page):
    data = customer_data()
    quote = data.quotes[0]
    page = browser_page
    log_in(page, portal_access(data.customer))
    page.set_viewport_size(PHONE)
    page.goto(page.base_url + reverse("portal:quote", args=[quote.pk]))
    page.fill("#id_name", "Marie Durand")
    page.check("#id_agree")
    page.click("button:has-text('Accepter')")
    expect(page.get_by_text("votre acceptation du devis est enregistrée")).to_be_visible()
    shoot(page, "quote-accepted", PHONE["width"])
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED
    assert quote.answer_name == "Marie Durand"
    assert quote.answer_ip == "127.0.0.1"
