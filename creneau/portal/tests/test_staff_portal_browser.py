"""The record's Portail tab in a real browser: give an access, unlock it and disable it in
place (HTMX, confirmations), at desktop and phone widths, with no console error."""

import os

import pytest
from axes.models import AccessAttempt

from conftest import browser_login
from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.portal.models import PortalUser
from creneau.portal.tests.factories import PortalUserFactory

SHOTS = os.environ.get("PORTAL_STAFF_SHOTS", "test-artifacts")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_give_unlock_and_disable_accesses_in_the_portail_tab(browser_page, direction):
    page = browser_page
    customer = CustomerFactory(name="Durand Martine")
    SiteFactory(customer=customer, name="Domicile")
    SiteFactory(customer=customer, name="Maison de Charbonnières", billing_group="B")
    locked = PortalUserFactory(customer=customer, email="portail-durand@example.com")
    AccessAttempt.objects.create(
        username="portail:portail-durand@example.com",
        ip_address="203.0.113.9",
        user_agent="test",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/portail/",
    )
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=general")
    page.click("a[data-record-tab]:has-text('Portail')")
    page.fill("#portal_access_email", "gardien@example.com")
    page.fill("#portal_access_name", "Paul Roux")
    page.select_option("#portal_access_scope", label="Le site Maison de Charbonnières seulement")
    page.click("#portal-access-form button[type=submit]")
    page.wait_for_selector("#messages >> text=Accès donné à gardien@example.com")
    access = PortalUser.objects.get(email="gardien@example.com")
    assert access.site.name == "Maison de Charbonnières"
    assert OutboxEmail.objects.filter(subject__contains="accès").count() == 1
    assert "?tab=portal" in page.url
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/portal-staff-tab-1366.png", full_page=True)

    page.click(f"#portal-access-{locked.pk} button:has-text('Débloquer')")
    page.wait_for_selector("#messages >> text=débloqué")
    assert not AccessAttempt.objects.exists()

    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#portal-access-{access.pk} button:has-text('Désactiver')")
    page.wait_for_selector(f"#portal-access-{access.pk} >> text=désactivé")
    access.refresh_from_db()
    assert not access.is_active

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#portal-accesses")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the tab overflows a phone's width"
    page.screenshot(path=f"{SHOTS}/portal-staff-tab-390.png", full_page=True)
