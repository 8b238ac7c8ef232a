"""A customer's whole way through the portal in Chromium, as issue 14 tells it: the
invitation e-mail's link, a password, the login, the month calendar with a done visit, an
invoice downloaded, a quote accepted, the logout. Then the same pages on a 390 px phone,
readable (nothing wider than the screen), with screenshots (test-artifacts/, or
PORTAL_SHOTS_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from creneau.core.models import OutboxEmail
from creneau.planning.models import Intervention
from creneau.portal import services
from creneau.portal.tests.pages_data import customer_data
from creneau.quotes.models import Quote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "marie.durand@example.com"
PASSWORD = "Passages-du-Mardi-2026"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def shoot(page, name: str) -> None:
    folder = Path(os.environ.get("PORTAL_SHOTS_DIR", "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(folder / f"portal-journey-{name}-{width}.png"), full_page=True)


def log_in(page, password: str = PASSWORD) -> None:
    page.goto(page.base_url + reverse("portal:home"))
    page.fill("#id_email", EMAIL)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + reverse("portal:home"))


def log_out(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.wait_for_selector("#portal-menu.show")
    page.click("text=Se déconnecter")
    page.wait_for_selector("#id_email")


def test_invitation_password_login_calendar_invoice_quote_logout(browser_page, settings):
    settings.PUBLIC_BASE_URL = browser_page.base_url
    data = customer_data()
    services.portal_access_create(customer=data.customer, email=EMAIL, by=None)
    invitation = OutboxEmail.objects.get(to=[EMAIL])
    link = next(word for word in invitation.body.split() if "/portail/invitation/" in word)
    done = next(visit for visit in data.visits if visit.status == Intervention.Status.DONE)
    month = timezone.localtime(done.start).strftime("%Y-%m")
    invoice, quote = data.invoices[0], data.quotes[0]
    page = browser_page
    page.set_viewport_size(LAPTOP)

    # The invitation's link: choose a password; then log out and log in with it.
    page.goto(link)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + reverse("portal:home"))
    log_out(page)
    log_in(page)

    # The month calendar holds the done visit, with its real times.
    page.goto(f"{page.base_url}{reverse('portal:visits')}?mois={month}")
    done_link = page.locator(f'a[href="{reverse("portal:visit", args=[done.pk])}"]:visible')
    expect(done_link.first).to_be_visible()
    expect(done_link.first).to_contain_text(timezone.localtime(done.actual_start).strftime("%H:%M"))
    shoot(page, "calendar")

    # An invoice's PDF is downloaded.
    page.goto(page.base_url + reverse("portal:invoices"))
    pdf_link = page.locator(f'a[href="{reverse("portal:invoice_pdf", args=[invoice.pk])}"]:visible')
    with page.expect_download() as download_info:
        pdf_link.first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    shoot(page, "invoices")

    # A quote is accepted with the name typed.
    page.goto(page.base_url + reverse("portal:quote", args=[quote.pk]))
    page.fill("#id_name", "Marie Durand")
    page.check("#id_agree")
    page.click("button:has-text('Accepter')")
    expect(page.get_by_text("votre acceptation du devis est enregistrée")).to_be_visible()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED and quote.answer_name == "Marie Durand"
    shoot(page, "quote")

    log_out(page)
    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()

    # The same pages on a phone: nothing wider than the screen.
    page.set_viewport_size(PHONE)
    log_in(page)
    for name, url in [
        ("home", reverse("portal:home")),
        ("calendar", f"{reverse('portal:visits')}?mois={month}"),
        ("invoices", reverse("portal:invoices")),
        ("quote", reverse("portal:quote", args=[quote.pk])),
    ]:
        page.goto(page.base_url + url)
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow} px wider than a phone"
        if name == "calendar":
            expect(done_link.first).to_be_visible()  # the phone's list of the month's days
        shoot(page, name)
    log_out(page)
