"""The customer record in a real browser: create a customer and a site, then find it."""

import re

import pytest

from conftest import ARTIFACTS, browser_login
from creneau.customers.models import Customer, Site
from creneau.customers.tests.factories import (
    ContactFactory,
    CustomerFactory,
    FamilyFactory,
    SiteFactory,
)


def some_customers(rep) -> None:
    """A few neighbours, so that the list and the search have something to sort through."""
    families = [FamilyFactory(name=name) for name in ("Particuliers", "Syndics", "Banques")]
    for index in range(12):
        customer = CustomerFactory(
            family=families[index % 3],
            sales_rep=rep if index % 2 else None,
            phone=f"+3314567{index:04d}",
            email=f"client{index}@exemple.fr",
            kind=Customer.Kind.BUSINESS if index % 3 == 1 else Customer.Kind.INDIVIDUAL,
        )
        SiteFactory(customer=customer)
        ContactFactory(customer=customer)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_a_customer_and_a_site_then_find_it(browser_page, direction, rep):
    page = browser_page
    some_customers(rep)
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/customers/")
    page.screenshot(path=f"{ARTIFACTS}/customers-list.png")

    page.click("text=Nouveau client")
    page.fill("#id_name", "Résidence Les Tilleuls")
    page.fill("#id_street", "12 rue des Lilas")
    page.fill("#id_postcode", "69003")
    page.fill("#id_city", "Lyon")
    page.screenshot(path=f"{ARTIFACTS}/customers-create.png")
    page.click("button:has-text('Créer le client')")
    page.wait_for_url("**/customers/*/")
    assert "Client « Résidence Les Tilleuls » créé" in page.inner_text("#messages")
    customer = Customer.objects.get(name="Résidence Les Tilleuls")

    page.click("[data-record-tab]:has-text('Sites')")
    page.click("#tab-pane >> text=Ajouter un site")
    page.fill("#id_name", "Bâtiment B")
    page.fill("#id_billing_group", "b")
    page.fill("#id_access_notes", "Digicode 4521B, clés chez la gardienne")
    page.screenshot(path=f"{ARTIFACTS}/customers-site-form.png")
    page.click("button:has-text('Enregistrer le site')")
    page.wait_for_selector("#tab-pane >> text=Bâtiment B")
    assert "?tab=sites" in page.url
    site = Site.objects.get(customer=customer)
    assert (site.billing_group, site.city) == ("B", "Lyon")

    for tab in ("general", "sites", "contacts", "notes", "history"):
        page.goto(f"{page.base_url}/customers/{customer.pk}/?tab={tab}")
        page.screenshot(path=f"{ARTIFACTS}/customers-record-{tab}.png")
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.click("#tab-pane >> text=Modifier")
    page.wait_for_selector("#id_iban")
    page.screenshot(path=f"{ARTIFACTS}/customers-record-general-edit.png", full_page=True)
    page.goto(f"{page.base_url}/customers/families/")
    page.screenshot(path=f"{ARTIFACTS}/customers-families.png")

    # The top search box suggests the customer as the user types; a click opens it.
    page.goto(f"{page.base_url}/customers/")
    page.click("#global-search")
    page.keyboard.type("tilleul", delay=30)
    suggestion = page.locator("#global-search-results a", has_text="Résidence Les Tilleuls")
    suggestion.wait_for()
    page.screenshot(path=f"{ARTIFACTS}/customers-quick-search.png")
    suggestion.click()
    page.wait_for_url(f"**/customers/{customer.pk}/")

    # The list narrows as the user types, and the URL keeps the filter.
    page.goto(f"{page.base_url}/customers/")
    page.click("#id_q")
    page.keyboard.type("lilas", delay=30)
    # A function, not an expression: Playwright evals an expression in the page, which the
    # Content-Security-Policy refuses.
    page.wait_for_function(
        "() => document.querySelectorAll('#customer-results tbody tr').length === 1"
    )
    assert "Résidence Les Tilleuls" in page.inner_text("#customer-results")
    assert "q=lilas" in page.url
    page.screenshot(path=f"{ARTIFACTS}/customers-list-search.png")
    page.select_option("#id_kind", "business")  # a select filters at once too
    page.wait_for_selector("#customer-results >> text=Aucun client ne correspond")
    assert "kind=business" in page.url and "family=" not in page.url  # empty filters left out


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_siret_typed_with_spaces_is_saved(browser_page, direction):
    """The SIRET as printed on a Kbis, typed key by key: the field lets it all in (it used
    to stop at 14 characters, "493 868 806 00"), the server stores it compact."""
    page = browser_page
    customer = CustomerFactory(kind=Customer.Kind.BUSINESS, name="Banque de Provence")
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.click("#tab-pane >> text=Modifier")
    siret = page.locator("#id_siret")
    siret.press_sequentially("493 868 806 00768")
    assert siret.input_value() == "493 868 806 00768"
    page.locator("#id_iban").press_sequentially("FR76 3000 6000 0112 3456 7890 189")
    page.click("#tab-pane >> button:has-text('Enregistrer')")
    page.wait_for_selector("#messages >> text=Enregistré.")
    customer.refresh_from_db()
    assert (customer.siret, customer.iban) == ("49386880600768", "FR7630006000011234567890189")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_back_button_shows_the_filter_with_its_list(browser_page, direction):
    """A list filtered as you type pushes each filter into the address; going back there
    must show the search box with the list it filtered (not an empty box over a filtered
    list), and restore the page without anything the Content-Security-Policy refuses."""
    from playwright.sync_api import expect

    for name in ("Dupont Daniel", "Dupuis Anne", "Martin Léa"):
        # A fixed street: the search reads addresses too, and Faker's French streets are
        # named after people ("rue Dupuy" once matched "dup").
        CustomerFactory(name=name, street="12 rue des Lilas")
    page = browser_page
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/customers/")
    search = page.locator("#id_q")
    rows = page.locator("#customer-results tbody tr")
    expect(rows).to_have_count(3)
    # The list answers as you type; wait for that answer itself (a busy machine once took
    # longer than expect's 5 s to give it, and the test failed on the unfiltered rows).
    with page.expect_response(lambda response: "q=dup" in response.url):
        search.press_sequentially("dup", delay=20)
    # Then its swap: a starved browser (load 10 on 2 cores) once took over expect's 5 s.
    expect(rows).to_have_count(2, timeout=15_000)
    expect(page).to_have_url(re.compile(r"/customers/\?q=dup&active=1(&sort=name)?$"))
    search.press_sequentially("ont", delay=20)
    expect(rows).to_have_count(1, timeout=15_000)
    page.get_by_role("link", name="Dupont Daniel").click()
    page.wait_for_url("**/customers/*/")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/customers/\?q=dupont&active=1(&sort=name)?$"))
    expect(rows).to_have_count(1)
    expect(search).to_have_value("dupont")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/customers/\?q=dup&active=1(&sort=name)?$"))
    expect(rows).to_have_count(2)
    expect(search).to_have_value("dup")
