"""Mon compte in a real browser: create a token, copy it, revoke it (the copy button and
the confirmation need JavaScript); screenshots at 1,366 and 390 px to look at."""

from __future__ import annotations

import pytest

from conftest import ARTIFACTS, browser_login
from creneau.core.models import ApiToken
from creneau.core.services import api_token_create


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_copy_and_revoke_a_token(browser_page, rep, direction):
    api_token_create(user=rep, name="Ancien export", by=rep)
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.base_url)
    browser_login(page, "commercial1")

    page.click(".app-topbar .dropdown-toggle")
    page.click("text=Mon compte")
    page.wait_for_url("**/account/")
    page.fill("#id_name", "Tableau de bord")
    page.click("text=Créer un jeton")
    key = page.input_value("#new-token-key")
    assert ApiToken.objects.get(name="Tableau de bord").key_hash == ApiToken.hash(key)
    page.screenshot(path=f"{ARTIFACTS}/account-token-created.png", full_page=True)

    page.click("[data-copy]")
    page.wait_for_selector("text=Copié")
    assert page.evaluate("navigator.clipboard.readText()") == key

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text="Tableau de bord").locator("button[title=Révoquer]").click()
    page.wait_for_selector("text=Jeton « Tableau de bord » révoqué.")
    assert ApiToken.objects.get(name="Tableau de bord").revoked_at is not None
    assert page.locator("#new-token-key").count() == 0

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{ARTIFACTS}/account-390.png", full_page=True)
    # The page's own content fits (the top bar's user menu is the layout's, issue 9 #17).
    widest = page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('main *'),"
        " (element) => element.getBoundingClientRect().right))"
    )
    assert widest <= 390


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_direction_token_screen(browser_page, direction, rep, other_rep):
    for user in (rep, other_rep, direction):
        api_token_create(user=user, name=f"Script de {user.username}", by=user)
    page = browser_page
    browser_login(page, "direction")
    page.click("text=Jetons d'API")
    page.wait_for_url("**/settings/api-tokens/")
    assert page.locator("tbody tr").count() == 3
    page.screenshot(path=f"{ARTIFACTS}/settings-api-tokens.png", full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text="Script de commercial2").locator("button[title=Révoquer]").click()
    page.wait_for_selector("text=Jeton « Script de commercial2 » révoqué.")
    page.wait_for_url("**/settings/api-tokens/")

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{ARTIFACTS}/settings-api-tokens-390.png", full_page=True)
