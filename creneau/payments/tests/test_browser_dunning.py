"""The dunning's settings, holds and history in Chromium: a level edited with its live
preview, the reminders of an invoice suspended and resumed from its page, the customer's
tab with its reminders sent; each screen photographed at 1,366 px and on a phone (390 px)
for review (test-artifacts/payments/)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import browser_login
from creneau.billing.tests.factories import issued_invoice
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.holds import hold_in_force
from creneau.payments.models import ReminderLevel
from creneau.payments.tests.dunning_data import sent_reminder
from creneau.payments.tests.test_browser import LAPTOP, PHONE, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def default_levels():
    """The three levels of the data migration: a transactional test empties the tables."""
    migration = importlib.import_module("creneau.payments.migrations.0003_default_reminder_levels")
    if not ReminderLevel.objects.exists():
        ReminderLevel.objects.bulk_create(
            ReminderLevel(**level) for level in migration.DEFAULT_LEVELS
        )


def both_widths(page, name: str) -> None:
    shoot(page, name)
    page.set_viewport_size(PHONE)
    shoot(page, name)
    page.set_viewport_size(LAPTOP)


def test_hold_and_release_from_the_invoice_page(browser_page, accountant):
    customer = CustomerFactory(name="Résidence Les Pins", email="syndic@lespins.fr")
    invoice = issued_invoice(customer=customer)
    sent_reminder(customer, [invoice], rank=1, days_ago=14, recipients=["syndic@lespins.fr"])
    sent_reminder(customer, [invoice], rank=2, days_ago=2, fee="15.00")
    page = browser_page
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)

    page.goto(f"{page.base_url}/invoices/{invoice.pk}/")
    card = page.locator("#invoice-dunning")
    expect(card.locator("#invoice-reminders")).to_contain_text("2. Seconde relance")
    expect(page.locator("#invoice-dunning-badge")).to_have_text("")
    # The text as sent unfolds.
    card.locator("summary", has_text="Texte envoyé").first.click()
    expect(card).to_contain_text("Niveau 2 pour Résidence Les Pins.")

    # Without a reason the server refuses it at the field, the form stays open.
    page.click("#invoice-hold-open")
    expect(page.locator("#id_reason")).to_be_visible()
    page.click("#invoice-hold-form-save")
    expect(page.locator("#invoice-hold-form .invalid-feedback")).to_have_text(
        "Indiquez le motif de la suspension."
    )
    page.fill("#id_reason", "Litige sur le passage du 3 mars")
    until = timezone.localdate() + timedelta(days=30)
    page.fill("#id_until", until.isoformat())
    both_widths(page, "invoice-hold-form")
    page.click("#invoice-hold-form-save")
    expect(page.locator("#invoice-hold")).to_contain_text("Litige sur le passage du 3 mars")
    expect(page.locator("#invoice-hold")).to_contain_text(f"Jusqu'au {until:%d/%m/%Y} inclus.")
    expect(page.locator("#invoice-dunning-badge")).to_have_text("Relances suspendues")
    expect(page.locator("#messages")).to_contain_text("Relances de cette facture suspendues.")
    hold = hold_in_force(invoice=invoice)
    assert hold.reason == "Litige sur le passage du 3 mars" and hold.until == until
    both_widths(page, "invoice-on-hold")

    # Reloaded, the page still says so; then the reminders resume.
    page.reload()
    expect(page.locator("#invoice-dunning-badge")).to_have_text("Relances suspendues")
    page.click("#invoice-hold-release")
    expect(page.locator("#invoice-dunning-badge")).to_have_text("")
    expect(page.locator("#invoice-hold")).to_have_count(0)
    expect(page.locator("#invoice-hold-open")).to_be_visible()
    assert hold_in_force(invoice=invoice) is None

    # The record's tab: the customer's hold, and the reminders sent.
    page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=invoices")
    page.click("#customer-hold-open")
    page.fill("#customer-hold-form #id_reason", "Échéancier sur trois mois")
    page.click("#customer-hold-form-save")
    expect(page.locator("#customer-hold-badge")).to_be_visible()
    expect(page.locator("#customer-hold")).to_contain_text("Échéancier sur trois mois")
    expect(page.locator("#customer-reminders")).to_contain_text("syndic@lespins.fr")
    page.locator("#customer-dunning").scroll_into_view_if_needed()
    both_widths(page, "customer-tab-dunning")

    # A reminder's own page: its text as sent, its invoices.
    page.locator(
        "#customer-reminders a", has_text=f"{timezone.localdate() - timedelta(days=2):%d/%m/%Y}"
    ).click()
    page.wait_for_url("**/payments/reminders/*/")
    expect(page.locator("#reminder-body")).to_contain_text("Niveau 2 pour Résidence Les Pins.")
    expect(page.locator("#reminder-invoices")).to_contain_text(invoice.number)
    both_widths(page, "reminder")


def test_edit_a_level_with_its_preview(browser_page, direction):
    page = browser_page
    browser_login(page, direction.username)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{page.base_url}/payments/levels/")
    expect(page.locator("#levels-table")).to_contain_text("3. Mise en demeure")
    both_widths(page, "levels")

    page.click("#level-edit-2")
    expect(page.locator("#level-preview-subject")).to_contain_text(
        f"F-{timezone.localdate().year}-00012"
    )
    page.fill("#id_subject", "Relance {code_client} : {montant}")
    expect(page.locator("#level-preview")).to_contain_text("Champ inconnu : {montant}.")
    page.fill("#id_subject", "Relance {code_client} : {montant_du}")
    expect(page.locator("#level-preview-subject")).to_have_text("Relance C00042 : 576,00\u00a0€")
    page.fill("#id_days_after_due", "50")
    both_widths(page, "level-form")
    page.click("#level-save")
    expect(
        page.locator("#id_days_after_due + .invalid-feedback, .invalid-feedback")
    ).to_contain_text("un niveau plus bas part plus tôt (moins de 45 jours)")
    page.fill("#id_days_after_due", "30")
    page.fill("#id_fee", "7,50")
    page.click("#level-save")
    page.wait_for_url("**/payments/levels/")
    expect(page.locator("#level-2")).to_contain_text("30 jours")
    level = ReminderLevel.objects.get(rank=2)
    assert level.subject == "Relance {code_client} : {montant_du}" and level.days_after_due == 30

    # Deactivate, then delete, after one confirmation each.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#level-toggle-2")
    expect(page.locator("#level-2")).to_contain_text("inactif")
    page.click("#level-delete-2")
    expect(page.locator("#level-2")).to_have_count(0)
    assert list(ReminderLevel.objects.values_list("rank", flat=True)) == [1, 3]
