"""The settings screens in a real browser: screenshots to look at, and the flows that need
JavaScript (the confirmation before a deactivation)."""

from __future__ import annotations

import pytest

from conftest import ARTIFACTS, browser_login
from creneau.core.models import Company
from creneau.core.roles import Role
from creneau.core.services import company_update
from creneau.core.tests.conftest import VALID_IDENTITY, image_upload


@pytest.fixture
def team(direction, rep, other_rep, planner, accountant, make_user):
    make_user("ancien", Role.SALES, first_name="Paul", last_name="Parti", is_active=False)
    for user, email in [
        (direction, "diane@dupont-services.fr"),
        (rep, "claire@dupont-services.fr"),
    ]:
        user.email = email
        user.save()
    return direction


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_company_screen(browser_page, direction, private_storage):
    fields = {**VALID_IDENTITY, "capital": "10000.00", "logo": image_upload(size=(360, 120))}
    company_update(company=Company.load(), by=direction, **fields)
    page = browser_page
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/settings/company/")
    assert page.locator("h1").inner_text() == "Société"
    assert page.locator(".app-logo-preview img").evaluate("img => img.naturalWidth") == 360
    page.screenshot(path=f"{ARTIFACTS}/settings-company.png")
    page.fill("#id_siret", "123")
    page.fill("#id_sepa_creditor_id", "FR73ZZZ123456")
    page.click("main button[type=submit]")
    assert page.locator(".invalid-feedback").count() == 2
    page.screenshot(path=f"{ARTIFACTS}/settings-company-errors.png")
    page.locator("#id_sepa_creditor_id").scroll_into_view_if_needed()
    page.screenshot(path=f"{ARTIFACTS}/settings-company-bank.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_screens(browser_page, team, rep):
    page = browser_page
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/settings/staff/")
    assert page.locator("tbody tr").count() == 6
    page.screenshot(path=f"{ARTIFACTS}/settings-staff-list.png", full_page=True)

    page.click("text=Nouvel utilisateur")
    page.fill("#id_username", "marie")
    page.fill("#id_first_name", "Marie")
    page.fill("#id_last_name", "Martin")
    page.select_option("#id_role", "planner")
    page.fill("#id_password1", "123")
    page.fill("#id_password2", "123")
    page.click("main button[type=submit]")
    page.screenshot(path=f"{ARTIFACTS}/settings-staff-create-errors.png", full_page=True)
    page.fill("#id_password1", "Planning-du-lundi-42")
    page.fill("#id_password2", "Planning-du-lundi-42")
    page.click("main button[type=submit]")
    page.wait_for_url("**/settings/staff/")
    assert "Utilisateur « marie » créé." in page.content()

    page.goto(f"{page.base_url}/settings/staff/{rep.pk}/")
    page.screenshot(path=f"{ARTIFACTS}/settings-staff-edit.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Désactiver le compte")
    page.wait_for_selector("text=Compte « commercial1 » désactivé.")
    page.screenshot(path=f"{ARTIFACTS}/settings-staff-deactivated.png", full_page=True)

    page.click("text=Changer le mot de passe")
    page.screenshot(path=f"{ARTIFACTS}/settings-staff-password.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_forbidden_screen(browser_page, rep):
    page = browser_page
    browser_login(page, "commercial1")
    response = page.goto(f"{page.base_url}/settings/company/")
    assert response.status == 403
    page.screenshot(path=f"{ARTIFACTS}/settings-forbidden.png")
