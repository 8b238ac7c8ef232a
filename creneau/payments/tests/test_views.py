"""The payment pages: the record's "Factures et règlements" tab, Saisir un règlement (from
the record or an invoice), Annuler, and who may do what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.billing.tests.factories import issued_invoice
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment, PaymentMethod
from creneau.payments.services import payment_create, payment_reverse

pytestmark = pytest.mark.django_db


def htmx() -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": "record-pane"}


@pytest.fixture
def customer(rep):
    return CustomerFactory(name="Syndic Horizon", sales_rep=rep)


def aged(invoice: Invoice, days: int) -> Invoice:
    due = timezone.localdate() - timedelta(days=days)
    Invoice.objects.filter(pk=invoice.pk).update(issue_date=due, due_date=due)
    invoice.refresh_from_db()
    return invoice


def pay(customer, amount, **kwargs) -> Payment:
    kwargs.setdefault("method", PaymentMethod.TRANSFER)
    return payment_create(customer=customer, by=None, amount=Decimal(amount), **kwargs)


def form_data(**overrides) -> dict:
    data = {
        "date": timezone.localdate().isoformat(),
        "amount": "50",
        "method": "transfer",
        "reference": "VIR 123",
        "cheque_bank": "",
        "cheque_number": "",
        "allocation": "oldest",
    }
    return {**data, **overrides}


def test_the_tab_shows_balance_invoices_and_payments(customer, accountant, client_for):
    old = aged(issued_invoice(customer=customer), 40)  # 120 € TTC, overdue
    issued_invoice(customer=customer)
    payment = pay(customer, "50", reference="VIR-HORIZON")
    cancelled = pay(customer, "7", method=PaymentMethod.CHEQUE, cheque_number="0012")
    payment_reverse(payment=cancelled, by=None, reason="Chèque impayé")
    response = client_for(accountant).get(f"/payments/customer/{customer.pk}/", headers=htmx())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-balance="balance">190,00\u00a0€' in html  # 240 - 50
    assert 'data-balance="overdue">70,00\u00a0€' in html
    assert 'data-balance="credit">0,00\u00a0€' in html
    assert old.number in html and "VIR-HORIZON" in html and payment.reference in html
    assert "Annulé" in html and "Chèque impayé" in html
    assert "Saisir un règlement" in html


def test_the_record_header_shows_the_balance_to_invoice_readers(
    customer, accountant, planner, client_for
):
    aged(issued_invoice(customer=customer), 40)  # 120 € TTC, overdue
    issued_invoice(customer=customer)
    pay(customer, "50")
    header = client_for(accountant).get(f"/customers/{customer.pk}/").content.decode()
    balance = header[header.index('id="record-balance"') :].split("</div>", 1)[0]
    assert "190,00\u00a0€" in balance and "dont 70,00\u00a0€ en retard" in balance
    # Planning sees the customer, not its money.
    planning = client_for(planner).get(f"/customers/{customer.pk}/")
    assert planning.status_code == 200 and "record-balance" not in planning.content.decode()


def test_the_record_lists_the_tab_as_factures_et_reglements(customer, direction, client_for):
    response = client_for(direction).get(f"/customers/{customer.pk}/")
    assert "Factures et règlements" in response.content.decode()
    response = client_for(direction).get(f"/payments/customer/{customer.pk}/")
    assert response.status_code == 200 and "<html" in response.content.decode()


def test_the_tab_query_count_is_flat(customer, direction, client_for):
    client = client_for(direction)
    url = f"/payments/customer/{customer.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url, headers=htmx()).status_code == 200
        return len(context)

    invoice = issued_invoice(customer=customer)
    pay(customer, "10")
    few = queries()
    for _ in range(6):
        issued_invoice(customer=customer)
    for _ in range(6):
        pay(customer, "5", allocations=[{"invoice_id": invoice.pk, "amount": Decimal("5")}])
    pay(customer, "300")  # over several invoices
    assert queries() == few


def test_the_tab_queries_are_the_same_for_3_and_30_invoices_with_payments(direction, client_for):
    """The same number of queries for 3 invoices as for 30, each with its payments (one
    paid in full, one in part, one cheque reversed, one payment over two invoices)."""
    client = client_for(direction)

    def tab_queries(count: int) -> int:
        customer = CustomerFactory()
        invoices = [issued_invoice(customer=customer) for _ in range(count)]  # 120 € each
        for number, invoice in enumerate(invoices):
            amount = Decimal("120") if number % 2 else Decimal("45")
            pay(customer, amount, allocations=[{"invoice_id": invoice.pk, "amount": amount}])
        cheque = pay(customer, "30", method=PaymentMethod.CHEQUE, cheque_number="42")
        payment_reverse(payment=cheque, by=None, reason="Chèque impayé")
        pay(customer, "200")  # oldest first, over two invoices
        url = f"/payments/customer/{customer.pk}/"
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, headers=htmx())
        assert response.status_code == 200
        assert invoices[-1].number in response.content.decode()
        return len(context)

    assert tab_queries(3) == tab_queries(30)


def test_the_payments_are_paginated(customer, direction, client_for):
    for index in range(25):
        pay(customer, "1", reference=f"REF-{index:02d}")
    client = client_for(direction)
    first = client.get(f"/payments/customer/{customer.pk}/", headers=htmx()).content.decode()
    assert "REF-24" in first and "REF-00" not in first
    assert f'hx-get="/payments/customer/{customer.pk}/?payments_page=2"' in first
    second = client.get(
        f"/payments/customer/{customer.pk}/?payments_page=2", headers=htmx()
    ).content.decode()
    assert "REF-00" in second and "REF-24" not in second


def test_record_a_payment_oldest_first(customer, accountant, client_for):
    old = aged(issued_invoice(customer=customer), 40)
    new = issued_invoice(customer=customer)
    client = client_for(accountant)
    page = client.get(f"/payments/customer/{customer.pk}/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert "payment_form.js" in html and "<script>" not in html
    response = client.post(f"/payments/customer/{customer.pk}/new/", form_data(amount="150"))
    assert response.status_code == 302
    record = client.get(response["Location"]).content.decode()
    assert "Règlement de 150,00" in record and 'id="payments-tab"' in record
    payment = Payment.objects.get()
    assert payment.created_by == accountant and payment.reference == "VIR 123"
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.amount_due == 0 and new.amount_due == Decimal("90.00")


def test_record_a_payment_by_hand(customer, direction, client_for):
    old = aged(issued_invoice(customer=customer), 40)
    new = issued_invoice(customer=customer)
    data = form_data(amount="100,00", allocation="hand", **{f"invoice_{new.pk}": "60,00"})
    response = client_for(direction).post(f"/payments/customer/{customer.pk}/new/", data)
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.amount_due == Decimal("120.00") and new.amount_due == Decimal("60.00")
    assert customer_credit(customer) == Decimal("40.00")


def customer_credit(customer) -> Decimal:
    from creneau.payments.selectors import customer_balance

    return customer_balance(customer).credit


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "0"}, "amount", "Le montant d'un règlement est positif."),
        ({"amount": "1,234"}, "amount", "Assurez-vous"),
        ({"amount": "abc"}, "amount", "Saisissez un nombre."),
        ({"method": "cheque"}, "cheque_number", "Indiquez le numéro du chèque."),
        ({"date": "2999-01-01"}, "date", "plus d'un jour à l'avance"),
        ({"allocation": "hand"}, "allocation", "au moins une facture"),
    ],
)
def test_bad_input_is_refused_at_the_field(
    customer, accountant, client_for, overrides, field, message
):
    issued_invoice(customer=customer)
    response = client_for(accountant).post(
        f"/payments/customer/{customer.pk}/new/", form_data(**overrides)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Payment.objects.exists()


def test_an_allocation_beyond_the_amount_due_is_refused(customer, accountant, client_for):
    invoice = issued_invoice(customer=customer)
    data = form_data(amount="500", allocation="hand", **{f"invoice_{invoice.pk}": "200"})
    response = client_for(accountant).post(f"/payments/customer/{customer.pk}/new/", data)
    assert response.status_code == 200
    assert "il reste 120,00" in response.content.decode()
    assert not Payment.objects.exists()


def test_from_an_invoice_page(customer, accountant, client_for):
    invoice = issued_invoice(customer=customer)
    other = issued_invoice(customer=customer)
    client = client_for(accountant)
    detail = client.get(f"/invoices/{invoice.pk}/").content.decode()
    url = f"/payments/customer/{customer.pk}/new/?invoice={invoice.pk}"
    assert url in detail.replace("&amp;", "&")
    form = client.get(url).context["form"]
    assert form.initial["allocation"] == "hand"
    assert form.initial[f"invoice_{invoice.pk}"] == Decimal("120.00")
    data = form_data(
        amount="120", method="cheque", cheque_bank="Crédit Mutuel", cheque_number="1234567",
        allocation="hand", from_invoice=invoice.pk, **{f"invoice_{invoice.pk}": "120"},
    )  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    invoice.refresh_from_db()
    other.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and other.amount_due == Decimal("120.00")
    # A paid invoice offers no more payment.
    assert "invoice-payment" not in client.get(f"/invoices/{invoice.pk}/").content.decode()


def test_reverse_a_payment_with_a_reason(customer, accountant, client_for):
    invoice = issued_invoice(customer=customer)
    payment = pay(customer, "120")
    client = client_for(accountant)
    page = client.get(f"/payments/{payment.pk}/reverse/").content.decode()
    assert "data-confirm" in page
    refused = client.post(f"/payments/{payment.pk}/reverse/", {"reason": " "})
    assert refused.status_code == 200
    assert "Indiquez le motif" in refused.content.decode()
    response = client.post(f"/payments/{payment.pk}/reverse/", {"reason": "Chèque impayé"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("120.00")
    assert Payment.objects.get(reversal_of=payment).reason == "Chèque impayé"
    again = client.post(f"/payments/{payment.pk}/reverse/", {"reason": "Encore"})
    assert again.status_code == 200 and "déjà annulé" in again.content.decode()


def test_roles(customer, rep, other_rep, planner, accountant, direction, client_for):
    issued_invoice(customer=customer)
    payment = pay(customer, "10")
    tab = f"/payments/customer/{customer.pk}/"
    new = f"/payments/customer/{customer.pk}/new/"
    reverse = f"/payments/{payment.pk}/reverse/"
    # The owner reads, records nothing.
    owner = client_for(rep)
    html = owner.get(tab, headers=htmx()).content.decode()
    assert "Saisir un règlement" not in html and "Annuler" not in html
    assert owner.get(new).status_code == 403
    assert owner.post(new, form_data()).status_code == 403
    assert owner.post(reverse, {"reason": "x"}).status_code == 403
    # Another rep: none of it exists.
    for method, url in [("get", tab), ("get", new), ("post", reverse)]:
        assert getattr(client_for(other_rep), method)(url).status_code == 404
    # Planning reads no invoice nor payment.
    assert client_for(planner).get(tab).status_code == 404
    assert client_for(planner).get(new).status_code in (403, 404)
    for user in (accountant, direction):
        assert client_for(user).get(new).status_code == 200
        assert client_for(user).get(reverse).status_code == 200
    assert Payment.objects.count() == 1
