"""Invoice recipients in a real browser: added and removed in the sites tab, in place."""

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.customers.models import InvoiceRecipient
from creneau.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_add_and_remove_a_recipient_in_the_sites_tab(browser_page, direction):
    page = browser_page
    customer = CustomerFactory(name="Syndic Rivoli")
    SiteFactory(customer=customer, billing_group="A", name="Hall")
    SiteFactory(customer=customer, billing_group="B", name="Parking")
    ContactFactory(customer=customer, name="Léa Compta", email="compta@example.fr")
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=sites")
    page.click("#tab-pane >> text=Ajouter un destinataire")
    page.fill("#id_recipient-billing_group", "b")
    page.select_option("#id_recipient-contact", label="Léa Compta <compta@example.fr>")
    page.uncheck("#id_recipient-for_reminders")
    page.click("button:has-text('Ajouter le destinataire')")
    page.wait_for_selector("#messages >> text=compta@example.fr recevra les envois du groupe B.")
    page.screenshot(path=f"{ARTIFACTS}/customers-invoice-recipients.png")
    recipient = InvoiceRecipient.objects.get()
    assert (recipient.billing_group, recipient.for_invoices, recipient.for_reminders) == (
        "B",
        True,
        False,
    )
    assert "?tab=sites" in page.url  # no full reload: the record's URL

    # An error shows at its field, in French.
    page.click("#tab-pane >> text=Ajouter un destinataire")
    page.fill("#id_recipient-email", "dg@example.fr")
    page.fill("#id_recipient-billing_group", "-")
    page.click("button:has-text('Ajouter le destinataire')")
    page.wait_for_selector("#tab-pane .invalid-feedback >> text=A-Z")
    page.click("#tab-pane >> text=Annuler")
    # The tab comes back without the form: only then is the "Retirer" button the page's. One
    # clicked before would send from a form that the tab then replaces, and the answer's
    # message would find no #messages from there (htmx:oobErrorNoTarget on a busy server).
    expect(page.locator("#id_recipient-billing_group")).to_have_count(0)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#invoice-recipients button[title='Retirer']")
    page.wait_for_selector("#messages >> text=ne reçoit plus les envois du groupe B")
    assert not InvoiceRecipient.objects.exists()
