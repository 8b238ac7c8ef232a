"""Cheque deposits (remises de chèques): the service (all or nothing, every wrong cheque
told), the entry screen (customers by code or name, invoices by number, errors at the
field), the deposit's page, its slip as PDF and CSV, the list, and who may do it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.billing.models import Invoice, JournalEntry
from creneau.billing.tests.factories import issued_invoice
from creneau.billing.tests.facturx_fixtures import pdf_text
from creneau.core.models import AuditEvent, Company
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import ChequeDeposit, Payment
from creneau.payments.services import (
    ChequeRowsError,
    cheque_deposit_create,
    payment_create,
    payment_reverse,
)

pytestmark = pytest.mark.django_db

URL = "/payments/deposits/new/"


def cheque(customer, amount="120.00", number="1000001", bank="Crédit Agricole", invoice=None):
    return {
        "customer": customer,
        "amount": Decimal(amount),
        "cheque_bank": bank,
        "cheque_number": number,
        "invoice": invoice,
    }


# The service ----------------------------------------------------------------------------


def test_a_deposit_records_one_payment_per_cheque(accountant):
    first, second = CustomerFactory(), CustomerFactory()
    old = issued_invoice(customer=first)
    named = issued_invoice(customer=first)
    oldest = issued_invoice(customer=second)
    day = timezone.localdate() - timedelta(days=1)
    journal = JournalEntry.objects.count()

    deposit = cheque_deposit_create(
        by=accountant,
        date=day,
        reference="BRD-0042",
        cheques=[
            cheque(first, "150.00", "111", invoice=named),  # 120 on it, 30 left as credit
            cheque(second, "100.00", "222"),  # oldest due first
        ],
    )

    payments = list(deposit.payments.order_by("id"))
    assert [(p.customer, p.amount, p.cheque_number) for p in payments] == [
        (first, Decimal("150.00"), "111"),
        (second, Decimal("100.00"), "222"),
    ]
    assert {p.method for p in payments} == {Payment.Method.CHEQUE}
    assert {p.date for p in payments} == {day}
    assert {p.reference for p in payments} == {"BRD-0042"}
    assert [(a.invoice, a.amount) for a in payments[0].allocations.all()] == [
        (named, Decimal("120.00"))
    ]
    assert [(a.invoice, a.amount) for a in payments[1].allocations.all()] == [
        (oldest, Decimal("100.00"))
    ]
    old.refresh_from_db()
    assert old.amount_due == Decimal("120.00")  # the cheque named the other invoice
    assert (deposit.created_by, deposit.reference) == (accountant, "BRD-0042")
    assert JournalEntry.objects.count() == journal + 2
    assert AuditEvent.objects.filter(object_type="chequedeposit", object_id=str(deposit.pk))


def test_thirty_cheques_and_one_wrong_save_nothing_and_name_the_wrong_one():
    customers = [CustomerFactory() for _ in range(30)]
    for customer in customers:
        issued_invoice(customer=customer)
    stranger_invoice = issued_invoice(customer=CustomerFactory())
    cheques = [cheque(c, "120.00", f"{5000 + i}") for i, c in enumerate(customers)]
    cheques[17]["amount"] = Decimal("0")
    cheques[23]["invoice"] = stranger_invoice
    cheques[29]["cheque_number"] = ""
    before = (Payment.objects.count(), ChequeDeposit.objects.count(), JournalEntry.objects.count())

    with pytest.raises(ChequeRowsError) as error:
        cheque_deposit_create(by=None, date=None, reference="R1", cheques=cheques)

    assert error.value.rows == {
        17: {"amount": ["Le montant d'un règlement est positif."]},
        23: {"invoice": ["Ce n'est pas une facture émise de ce client."]},
        29: {"cheque_number": ["Indiquez le numéro du chèque."]},
    }
    assert error.value.messages == ["3 chèques à corriger : rien n'a été enregistré."]
    after = (Payment.objects.count(), ChequeDeposit.objects.count(), JournalEntry.objects.count())
    assert after == before
    assert not Invoice.objects.filter(status=Invoice.Status.PAID).exists()

    cheques[17]["amount"] = Decimal("120.00")
    cheques[23]["invoice"] = None
    cheques[29]["cheque_number"] = "5029"
    deposit = cheque_deposit_create(by=None, date=None, reference="R1", cheques=cheques)
    assert deposit.payments.count() == 30
    assert Invoice.objects.filter(status=Invoice.Status.PAID).count() == 30


def test_a_cheque_typed_twice_is_refused():
    customer = CustomerFactory()
    with pytest.raises(ChequeRowsError) as error:
        cheque_deposit_create(
            by=None,
            date=None,
            reference="",
            cheques=[
                cheque(customer, number="77"),
                cheque(customer, number="77", bank="crédit  agricole"),
            ],
        )
    assert error.value.rows == {1: {"cheque_number": ["Ce chèque est déjà saisi ligne 1."]}}
    cheque_deposit_create(by=None, date=None, reference="", cheques=[cheque(customer, number="77")])
    with pytest.raises(ChequeRowsError) as error:
        cheque_deposit_create(
            by=None, date=None, reference="", cheques=[cheque(customer, number="77")]
        )
    assert error.value.rows[0]["cheque_number"][0].startswith("Ce chèque est déjà enregistré")
    # A bounced cheque, reversed, may be deposited again.
    payment_reverse(payment=Payment.objects.get(), by=None, reason="Chèque impayé")
    cheque_deposit_create(by=None, date=None, reference="", cheques=[cheque(customer, number="77")])
    assert Payment.objects.filter(cheque_number="77", reversal_of__isnull=True).count() == 2


def test_an_invoice_paid_by_an_earlier_cheque_of_the_deposit():
    customer = CustomerFactory()
    invoice = issued_invoice(customer=customer)  # 120.00
    with pytest.raises(ChequeRowsError) as error:
        cheque_deposit_create(
            by=None,
            date=None,
            reference="",
            cheques=[
                cheque(customer, "120.00", "1", invoice=invoice),
                cheque(customer, "10.00", "2", invoice=invoice),
            ],
        )
    assert error.value.rows == {1: {"invoice": [f"La facture {invoice.number} est déjà réglée."]}}


def test_deposit_level_refusals():
    customer = CustomerFactory()
    with pytest.raises(Exception) as error:
        cheque_deposit_create(by=None, date=None, reference="", cheques=[])
    assert error.value.messages == ["Saisissez au moins un chèque."]
    with pytest.raises(Exception) as error:
        cheque_deposit_create(
            by=None,
            date=timezone.localdate() + timedelta(days=3),
            reference="",
            cheques=[cheque(customer)],
        )
    assert error.value.message_dict == {
        "date": ["Une remise ne peut pas être datée de plus d'un jour à l'avance."]
    }
    with pytest.raises(Exception) as error:
        cheque_deposit_create(by=None, date=None, reference="x" * 101, cheques=[cheque(customer)])
    assert "reference" in error.value.message_dict
    assert not ChequeDeposit.objects.exists()


# The entry screen -----------------------------------------------------------------------


def rows(*cheques: dict) -> dict:
    """The POST of the entry screen: the header, then the rows (ten, the rest empty)."""
    data = {
        "date": timezone.localdate().isoformat(),
        "reference": "BRD-7",
        "cheques-TOTAL_FORMS": str(max(10, len(cheques))),
        "cheques-INITIAL_FORMS": "0",
        "cheques-MIN_NUM_FORMS": "0",
        "cheques-MAX_NUM_FORMS": "100",
        "save": "1",
    }
    for index, values in enumerate(cheques):
        for field, value in values.items():
            data[f"cheques-{index}-{field}"] = value
    return data


def row(customer="", amount="", bank="", number="", invoice="") -> dict:
    return {
        "customer": customer,
        "amount": amount,
        "cheque_bank": bank,
        "cheque_number": number,
        "invoice": invoice,
    }


def test_the_screen_shows_ten_rows_and_the_menu_entry(accountant, client_for):
    html = client_for(accountant).get(URL).content.decode()
    assert 'name="cheques-TOTAL_FORMS" value="10"' in html
    assert 'name="cheques-9-customer"' in html and 'name="cheques-10-customer"' not in html
    assert 'id="cheque-row-template"' in html and "cheques-__prefix__-amount" in html
    # The default button is disabled: Enter in a field submits nothing.
    assert '<button type="submit" disabled hidden' in html
    assert 'href="/payments/"' in html  # Règlements in the menu


def test_the_screen_saves_customers_by_code_by_name_and_by_suggestion(accountant, client_for):
    dupont = CustomerFactory(name="Jeanne Dupont", code="C00101")
    martin = CustomerFactory(name="Résidence Martin", code="C00102")
    other = CustomerFactory(name="Paul Leroy", code="C00103")
    invoice = issued_invoice(customer=other)
    data = rows(
        row("c00101", "45", "La Poste", "0001"),  # a code, any case
        row("residence martin", "1 234,56", "BNP", "0002"),  # an exact name, no accents
        row("C00103 · Paul Leroy", "120.00", "", "0003", invoice.number.lower()),  # suggestion
    )
    response = client_for(accountant).post(URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    deposit = ChequeDeposit.objects.get()
    assert response["Location"] == f"/payments/deposits/{deposit.pk}/"
    payments = list(deposit.payments.order_by("id"))
    assert [(p.customer, p.amount) for p in payments] == [
        (dupont, Decimal("45.00")),
        (martin, Decimal("1234.56")),
        (other, Decimal("120.00")),
    ]
    assert payments[2].allocations.get().invoice == invoice
    assert deposit.reference == "BRD-7"


def test_every_wrong_row_shows_its_error_and_nothing_is_saved(accountant, client_for):
    CustomerFactory(name="Jeanne Dupont", code="C00201")
    CustomerFactory(name="Marc Durand", code="C00202")
    CustomerFactory(name="Marc Durand", code="C00203")
    data = rows(
        row("C00201", "45", "BNP", "1"),
        row("Nobody Known", "10", "BNP", "2"),
        row("Marc Durand", "10", "BNP", "3"),
        row("C00201", "abc", "BNP", "4"),
        row("C00201", "12", "BNP", ""),
        row("C00201", "12", "BNP", "6", "F-1999-00001"),
        row("C00201", "-3", "BNP", "7"),
        row("C00201", "1e30", "BNP", "8"),
    )
    response = client_for(accountant).post(URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not Payment.objects.exists() and not ChequeDeposit.objects.exists()
    for message in (
        "Aucun client avec ce code ou ce nom.",
        "Plusieurs clients portent ce nom : tapez le code (C00202, C00203).",
        "Montant invalide : tapez par exemple 120,50.",
        "Indiquez le numéro du chèque.",
        "Pas de facture F-1999-00001 pour ce client.",
        "Le montant d&#x27;un règlement est positif.",
        "Un montant a deux décimales et ne dépasse pas",
    ):
        assert message in html, message
    assert html.count("is-invalid") == 7
    assert "7 chèques à corriger : rien n'a été enregistré." in html
    # What was typed stays, and the rows found show their customer.
    assert 'value="Nobody Known"' in html
    assert "data-customer-name>Jeanne Dupont<" in html


def test_an_empty_deposit_is_refused(direction, client_for):
    response = client_for(direction).post(URL, rows())
    assert response.status_code == 200
    assert "Saisissez au moins un chèque." in response.content.decode()


def test_add_rows_without_javascript_keeps_what_was_typed(accountant, client_for):
    data = rows(row("C1", "12", "", "9"))
    del data["save"]
    data["add_rows"] = "1"
    response = client_for(accountant).post(URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="cheques-TOTAL_FORMS" value="20"' in html
    assert 'name="cheques-19-customer"' in html
    assert 'value="C1"' in html and "is-invalid" not in html  # no errors yet
    assert not ChequeDeposit.objects.exists()


def test_thirty_cheques_through_the_screen_in_a_flat_number_of_queries(accountant, client_for):
    def post(count: int, reference: str) -> int:
        customers = [CustomerFactory() for _ in range(count)]
        data = rows(*(row(c.code, "10", "BNP", f"{reference}{i}") for i, c in enumerate(customers)))
        data["reference"] = reference
        with CaptureQueriesContext(connection) as queries:
            assert client.post(URL, data).status_code == 302
        return len(queries)

    client = client_for(accountant)
    few, many = post(3, "A"), post(30, "B")
    # Each cheque costs its own writes (payment, journal, audit); finding the customers
    # and invoices does not grow with the rows.
    per_cheque = (many - few) / 27
    assert per_cheque <= 16, (few, many)
    assert ChequeDeposit.objects.get(reference="B").payments.count() == 30


def test_suggestions_find_customers_by_name(accountant, rep, client_for):
    CustomerFactory(name="Jeanne Dupont", code="C00301", postcode="69003", city="Lyon")
    answer = client_for(accountant).get("/payments/deposits/customers/", {"q": "dupo"}).json()
    assert answer == {"customers": [{"value": "C00301 · Jeanne Dupont", "label": "69003 Lyon"}]}
    assert client_for(accountant).get("/payments/deposits/customers/", {"q": "d"}).json() == {
        "customers": []
    }


# The deposit, its slip, the list ---------------------------------------------------------


@pytest.fixture
def deposit(accountant):
    first = CustomerFactory(name="Jeanne Dupont", code="C00401")
    second = CustomerFactory(name="=HYPERLINK(1)", code="C00402")
    issued_invoice(customer=first)
    made = cheque_deposit_create(
        by=accountant,
        date=timezone.localdate(),
        reference="BRD-99",
        cheques=[cheque(first, "120.00", "8001", "CIC"), cheque(second, "35.50", "8002", "LCL")],
    )
    return made


def test_the_deposit_page_lists_its_cheques_and_total(deposit, accountant, client_for):
    bounced = deposit.payments.get(cheque_number="8002")
    payment_reverse(payment=bounced, by=None, reason="Chèque impayé")
    html = client_for(accountant).get(f"/payments/deposits/{deposit.pk}/").content.decode()
    assert "Bordereau n° BRD-99" in html
    assert "Jeanne Dupont" in html and "8001" in html and "8002" in html
    assert 'data-total="amount">155,50\u00a0€' in html
    assert "Chèque impayé" in html
    assert f'href="/payments/deposits/{deposit.pk}/slip.pdf"' in html


def test_the_slip_pdf(deposit, accountant, client_for):
    company = Company.load()
    company.legal_name, company.iban = "Clair & Net Services", "FR7630006000011234567890189"
    company.save()
    response = client_for(accountant).get(f"/payments/deposits/{deposit.pk}/slip.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "Remise de chèques",
        "BRD-99",
        "Jeanne Dupont",
        "8001",
        "CIC",
        "35,50",
        "155,50",
        "FR76 3000 6000 0112 3456 7890 189",
        "SIGNATURE DU REMETTANT",
    ):
        assert expected in text, expected


def test_the_slip_csv_neutralises_formulas(deposit, accountant, client_for):
    response = client_for(accountant).get(f"/payments/deposits/{deposit.pk}/slip.csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = content.strip().splitlines()
    assert lines[0].startswith("N°;Code client;Client;Banque")
    assert "'=HYPERLINK(1)" in lines[2]
    assert lines[-1] == ";;Total;;;155,50;;"


def test_the_deposit_list(deposit, accountant, client_for):
    html = client_for(accountant).get("/payments/deposits/").content.decode()
    assert "BRD-99" in html and "155,50\u00a0€" in html
    assert f'href="/payments/deposits/{deposit.pk}/"' in html


@pytest.mark.parametrize("role", ["rep", "planner"])
def test_deposits_are_for_who_records_payments(role, deposit, request, client_for):
    client = client_for(request.getfixturevalue(role))
    expected = 403 if role == "rep" else 404
    for url in (
        URL,
        "/payments/deposits/",
        f"/payments/deposits/{deposit.pk}/",
        f"/payments/deposits/{deposit.pk}/slip.pdf",
        f"/payments/deposits/{deposit.pk}/slip.csv",
        "/payments/deposits/customers/?q=dupont",
    ):
        assert client.get(url).status_code == expected, url
    assert client.post(URL, rows(row("C00401", "1", "", "1"))).status_code == expected
    assert ChequeDeposit.objects.count() == 1


def test_payment_create_keeps_working_without_a_deposit():
    customer = CustomerFactory()
    payment = payment_create(customer=customer, by=None, amount=Decimal("5"), method="cash")
    assert payment.deposit is None


def test_the_payments_api_names_the_deposit(deposit, api_for, accountant):
    payment = deposit.payments.order_by("id").first()
    data = api_for(accountant).get(f"/api/v1/payments/{payment.pk}").json()
    assert data["deposit_id"] == deposit.pk
    listed = api_for(accountant).get("/api/v1/payments").json()["items"]
    assert {item["deposit_id"] for item in listed} == {deposit.pk}
