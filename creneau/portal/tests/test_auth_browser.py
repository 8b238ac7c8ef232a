"""The portal's doors in Chromium: an invitation link, the password, the home page, Mon
compte with its calendar link, the logout, and the lockout; screenshots at 1366 and 390
pixels wide (test-artifacts/, or PORTAL_SHOTS_DIR)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from creneau.core.models import Company
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory
from creneau.portal import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mon-Espace-Client-2026"
WIDTHS = {"1366": (1366, 768), "390": (390, 844)}

# The project's URLs plus placeholders for the portal routes of other branches
# (tests/stub_urls.py), named as a string: importing it here would import config.urls while
# the test files are collected, with DEBUG's static route.
STUB_URLCONF = "creneau.portal.tests.stub_urls"


@pytest.fixture(autouse=True)
def _portal_routes(settings):
    settings.ROOT_URLCONF = STUB_URLCONF


def shoot(page, name: str) -> None:
    folder = Path(os.environ.get("PORTAL_SHOTS_DIR", "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"portal-{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_invitation_home_account_logout_and_lockout(browser_page, settings):
    settings.PUBLIC_BASE_URL = browser_page.base_url
    company = Company.load()
    company.legal_name = "Clair & Net Services"
    company.phone = "+33145678901"
    company.email = "bureau@clairnet.example"
    company.save()
    customer = CustomerFactory(name="Durand Élise", email="elise@example.com", phone="+33612345678")
    site = SiteFactory(customer=customer, name="Maison de Vincennes")
    employee = EmployeeFactory(first_name="Amandine")
    now = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    for days in (2, 5, 9, 12):
        InterventionFactory(site=site, employee=employee, start=now + timedelta(days=days))
    InterventionFactory(
        site=site, employee=employee, start=now - timedelta(days=5), status=Intervention.Status.DONE
    )
    user = services.portal_access_create(
        customer=customer, email="elise@example.com", name="Élise Durand", by=None
    )
    email = services.portal_invitation_send(user=user, by=None)  # a fresh link to follow
    token = email.body.split("/portail/invitation/")[1].split("/")[0]
    page = browser_page

    # The invitation: choose a password, then the home page.
    page.goto(page.base_url + reverse("portal:invitation", args=[token]))
    page.fill("#id_password1", "123")
    page.fill("#id_password2", "123")
    page.click("button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    shoot(page, "set-password-error")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    shoot(page, "set-password")
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + reverse("portal:home"))
    assert "Bonjour Élise Durand" in page.content()
    shoot(page, "home")

    # Mon compte: create the calendar link.
    page.goto(page.base_url + reverse("portal:account"))
    page.click("text=Créer mon lien d'agenda")
    page.wait_for_selector("#portal-ical-url")
    assert page.input_value("#portal-ical-url").startswith(page.base_url + "/portail/calendrier/")
    shoot(page, "account")

    # The phone's menu, then the logout.
    page.set_viewport_size({"width": 390, "height": 844})
    page.click(".navbar-toggler")
    page.wait_for_selector("#portal-menu.show")
    page.screenshot(
        path=str(Path(os.environ.get("PORTAL_SHOTS_DIR", "test-artifacts")) / "portal-menu-390.png")
    )
    page.click("text=Se déconnecter")
    page.wait_for_selector("text=Vous êtes déconnecté")
    page.set_viewport_size({"width": 1366, "height": 768})
    shoot(page, "login")

    # A wrong password, then the lockout.
    page.fill("#id_email", "elise@example.com")
    page.fill("#id_password", "pas-le-bon")
    page.click("button[type=submit]")
    page.wait_for_selector("text=E-mail ou mot de passe incorrect.")
    shoot(page, "login-error")
    for _attempt in range(4):
        page.fill("#id_email", "elise@example.com")
        page.fill("#id_password", "pas-le-bon")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    page.wait_for_selector("text=Connexion temporairement bloquée")
    shoot(page, "login-locked")

    page.goto(page.base_url + reverse("portal:forgot"))
    shoot(page, "forgot")
    page.goto(page.base_url + reverse("portal:invitation", args=[token]))
    assert "Ce lien n'est plus valable" in page.content()
    shoot(page, "link-invalid")
