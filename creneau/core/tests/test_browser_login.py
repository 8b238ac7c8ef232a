import pytest

from conftest import ARTIFACTS, browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_direction_logs_in_and_lands_on_the_dashboard(browser_page, direction):
    browser_login(browser_page, "direction")
    assert browser_page.url == f"{browser_page.base_url}/"
    assert browser_page.locator("h1").inner_text() == "Tableau de bord"
    browser_page.screenshot(path=f"{ARTIFACTS}/login-landing.png")
