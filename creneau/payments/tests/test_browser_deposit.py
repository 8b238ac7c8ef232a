"""A hurried accountant enters a deposit of twelve cheques in Chromium, keyboard only:
Enter moves to the next field and never submits, the total follows, "Ajouter des lignes"
adds rows, a wrong row is refused at its field with nothing saved. Then the deposit, the
Règlements list, and the refund of a credit. Screens photographed at 1,366 px and 390 px
(test-artifacts/payments/)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from creneau.billing.tests.factories import issued_invoice
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import ChequeDeposit, Payment, Refund
from creneau.payments.services import payment_create
from creneau.payments.tests.test_browser import LAPTOP, PHONE, shoot

CHEQUES = 12


def type_row(page, values: list[str]) -> None:
    """Type a row's fields, each followed by Enter, as a hurried user does."""
    for value in values:
        if value:
            page.keyboard.type(value)
        page.keyboard.press("Enter")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_enter_a_deposit_with_the_keyboard(browser_page, accountant):
    customers = [
        CustomerFactory(name=f"Client Chèque {i:02d}", code=f"K{i:04d}") for i in range(CHEQUES)
    ]
    for customer in customers[:6]:
        issued_invoice(customer=customer)
    CustomerFactory(name="Jeanne Zébulon", code="K9001", city="Lyon", postcode="69003")
    page = browser_page
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)

    page.goto(f"{page.base_url}/payments/")
    page.click("#deposit-new")
    page.wait_for_url("**/payments/deposits/new/")
    expect(page.locator("[data-cheque-row]")).to_have_count(10)
    page.fill("#id_reference", "BRD-2026-11")
    page.focus("#id_reference")
    page.keyboard.press("Enter")  # to the first row, nothing submitted
    expect(page.locator("#id_cheques-0-customer")).to_be_focused()

    # The first row by name, picked in the suggestions.
    page.keyboard.type("zébu")
    expect(page.locator("#cheque-customers option")).to_have_count(1)
    page.fill("#id_cheques-0-customer", "K9001 · Jeanne Zébulon")
    page.keyboard.press("Enter")
    type_row(page, ["45,00", "Banque Postale", "7000000", ""])
    # Eleven more by code; Enter at the last field of the last row adds ten rows.
    for index, customer in enumerate(customers[1:], start=1):
        type_row(page, [customer.code, f"{100 + index},50", "CIC", f"70000{index:02d}", ""])
    expect(page.locator("[data-cheque-row]")).to_have_count(20)
    expect(page.locator("#deposit-count")).to_have_text("12")
    expect(page.locator("#deposit-total")).to_have_text("1\u202f216,50\u00a0€")
    assert not ChequeDeposit.objects.exists()  # all those Enters saved nothing

    # One wrong row: the server refuses it at its field, nothing is saved, all is kept.
    page.fill("#id_cheques-4-customer", "Personne Inconnue")
    page.click("#cheque-add-rows")
    expect(page.locator("[data-cheque-row]")).to_have_count(30)
    shoot(page, "deposit-new")
    page.set_viewport_size(PHONE)
    shoot(page, "deposit-new")
    page.set_viewport_size(LAPTOP)
    page.click("#deposit-save")
    expect(page.locator("#id_cheques-4-customer")).to_have_class("form-control is-invalid")
    expect(page.locator("#id_cheques-4-customer + .invalid-feedback")).to_have_text(
        "Aucun client avec ce code ou ce nom."
    )
    expect(page.locator("#deposit-errors")).to_have_text(
        "1 chèque à corriger : rien n'a été enregistré."
    )
    expect(page.locator("#deposit-total")).to_have_text("1\u202f216,50\u00a0€")
    assert not Payment.objects.exists()
    shoot(page, "deposit-errors")

    page.fill("#id_cheques-4-customer", customers[4].code)
    page.click("#deposit-save")
    page.wait_for_url("**/payments/deposits/*/")
    deposit = ChequeDeposit.objects.get()
    assert deposit.payments.count() == CHEQUES
    assert sum(p.amount for p in deposit.payments.all()) == Decimal("1216.50")
    expect(page.locator("#deposit-totals [data-total=amount]")).to_have_text("1\u202f216,50\u00a0€")
    shoot(page, "deposit-detail")
    page.set_viewport_size(PHONE)
    shoot(page, "deposit-detail")

    page.set_viewport_size(LAPTOP)
    page.goto(f"{page.base_url}/payments/deposits/")
    expect(page.locator("#deposit-table")).to_contain_text("BRD-2026-11")
    shoot(page, "deposit-list")

    page.goto(f"{page.base_url}/payments/")
    expect(page.locator("#payment-totals [data-total=count]")).to_have_text("12")
    page.fill("#id_customer", "zebulon")
    expect(page.locator("#payment-totals [data-total=count]")).to_have_text("1")
    expect(page).to_have_url(re.compile(r"/payments/\?customer=zebulon"))
    page.fill("#id_customer", "")
    expect(page.locator("#payment-totals [data-total=count]")).to_have_text("12")
    shoot(page, "payment-list")
    page.set_viewport_size(PHONE)
    shoot(page, "payment-list")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_refund_a_credit_from_the_customer_tab(browser_page, accountant):
    customer = CustomerFactory(name="Cabinet Lemoine")
    issued_invoice(customer=customer)  # 120.00
    payment_create(customer=customer, by=None, amount=Decimal("200"), method="transfer")
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, accountant.username)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{page.base_url}/payments/customer/{customer.pk}/")
    expect(page.locator("[data-balance=credit]")).to_have_text("80,00\u00a0€")
    shoot(page, "customer-tab-credit")
    page.set_viewport_size(PHONE)
    shoot(page, "customer-tab-credit")
    page.set_viewport_size(LAPTOP)
    page.click("[data-refund-link]")
    expect(page.locator("#id_amount")).to_have_value("80,00")
    page.fill("#id_amount", "30")
    page.fill("#id_reason", "Trop-perçu")
    shoot(page, "refund-form")
    page.set_viewport_size(PHONE)
    shoot(page, "refund-form")
    page.set_viewport_size(LAPTOP)
    page.click("#refund-save")
    page.wait_for_url(f"**/customers/{customer.pk}/?tab=invoices")
    expect(page.locator("[data-balance=credit]")).to_have_text("50,00\u00a0€")
    expect(page.locator("[data-balance=balance]")).to_have_text("-50,00\u00a0€")
    assert Refund.objects.get().amount == Decimal("30.00")
    page.click("[data-allocate]")
    expect(page.locator("#no-open-invoice")).to_be_visible()
    shoot(page, "allocate-form")
