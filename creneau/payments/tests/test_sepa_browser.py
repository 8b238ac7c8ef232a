"""An accountant prepares a SEPA batch in Chromium: Prélèvements from the menu, a date, the
proposal with its boxes (one unticked), "Créer la remise", the batch page, "Marquer comme
transmis" (confirmed once), a reject with its R-code. Screens photographed at 1,366 px
and 390 px (test-artifacts/payments/)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import MandateScheme, SepaBatch, SepaItemStatus
from creneau.payments.tests.sepa_factories import (
    MandateFactory,
    collection_day,
    debit_invoice,
    sepa_company,
)
from creneau.payments.tests.test_browser import LAPTOP, PHONE, shoot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_prepare_transmit_and_reject_a_batch(browser_page, accountant):
    from decimal import Decimal

    sepa_company(sepa_reject_fee=Decimal("8.00"))
    names = ["Martine Lefèvre", "Boulangerie du Centre", "Jean-Pierre Dupont-Moreau"]
    invoices = []
    for index, name in enumerate(names):
        customer = CustomerFactory(name=name, email=f"client{index}@example.fr")
        scheme = MandateScheme.B2B if index == 1 else MandateScheme.CORE
        mandate = MandateFactory(customer=customer, scheme=scheme)
        invoices.append(debit_invoice(customer=mandate.customer, amount=f"{80 + 35 * index}"))
    unsigned = MandateFactory(signature_date=None, customer__name="Gérard Sans-Signature")
    debit_invoice(customer=unsigned.customer)
    page = browser_page
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)

    page.goto(f"{page.base_url}/payments/")
    page.click("nav >> text=Prélèvements")
    page.wait_for_url("**/payments/sepa/")
    page.fill("#id_collection_date", collection_day(3).isoformat())
    page.click("#sepa-propose")
    page.wait_for_url("**/payments/sepa/new/?*")
    expect(page.locator("#sepa-proposal-table tbody tr")).to_have_count(3)
    expect(page.locator("#sepa-left-out")).to_contain_text("pas signé")
    expect(page.locator("#sepa-short-notice")).to_be_visible()
    expect(page.locator("[data-total=amount]")).to_have_text("414,00\u00a0€")
    page.uncheck(f"#invoice-{invoices[2].pk}")
    expect(page.locator("[data-total=count]")).to_have_text("2")
    expect(page.locator("[data-total=amount]")).to_have_text("234,00\u00a0€")
    shoot(page, "sepa-proposal")
    page.set_viewport_size(PHONE)
    shoot(page, "sepa-proposal")
    page.set_viewport_size(LAPTOP)
    page.click("#sepa-create")
    page.wait_for_url("**/payments/sepa/*/")
    batch = SepaBatch.objects.get()
    assert batch.item_count == 2
    expect(page.locator("#sepa-items tbody tr")).to_have_count(2)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#sepa-transmit")
    expect(page.locator("#sepa-transmit")).to_have_count(0)
    expect(page.locator("#sepa-items")).to_contain_text("Prélevé")
    shoot(page, "sepa-batch")
    page.set_viewport_size(PHONE)
    shoot(page, "sepa-batch")
    page.set_viewport_size(LAPTOP)

    page.locator("[data-item] >> text=Rejet…").first.click()
    page.select_option("#id_reason_code", "AM04")
    page.check("#id_add_fee")
    shoot(page, "sepa-reject")
    page.click("#sepa-reject")
    page.wait_for_url(f"**/payments/sepa/{batch.pk}/")
    expect(page.locator("#sepa-items")).to_contain_text("AM04")
    assert batch.items.filter(status=SepaItemStatus.REJECTED).count() == 1
    shoot(page, "sepa-batch-rejected")
