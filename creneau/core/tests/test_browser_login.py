import pytest

from conftest import ARTIFACTS, browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_logs_in_and_lands_on_customers(browser_page, direction):
    browser_login(browser_page, "direction")
    assert browser_page.url.endswith("/customers/")
    assert browser_page.locator("h1").inner_text() == "Clients"
    browser_page.screenshot(path=f"{ARTIFACTS}/login-landing.png")
