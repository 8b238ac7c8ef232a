"""Facturation > Règlements: the list of every payment the user sees, its filters in the
URL, sorting, pages, the filter's totals, the CSV export, and a flat number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.billing.tests.factories import issued_invoice
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment
from creneau.payments.services import (
    cheque_deposit_create,
    payment_create,
    payment_reverse,
    refund_create,
)

pytestmark = pytest.mark.django_db
URL = "/payments/"


def pay(customer, amount, day=None, **kwargs) -> Payment:
    kwargs.setdefault("method", "transfer")
    payment = payment_create(customer=customer, by=None, amount=Decimal(amount), **kwargs)
    if day is not None:
        Payment.objects.filter(pk=payment.pk).update(date=day)
    return payment


def results(client, **params) -> str:
    response = client.get(
        URL, params, headers={"HX-Request": "true", "HX-Target": "payment-results"}
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def dupont(rep):
    return CustomerFactory(name="Jeanne Dupont", code="C00501", sales_rep=rep)


@pytest.fixture
def martin():
    return CustomerFactory(name="Résidence Martin", code="C00502")


def test_the_menu_entry_and_the_page(direction, client_for):
    html = client_for(direction).get(URL).content.decode()
    assert 'class="bi bi-cash-coin"' in html
    assert "<h1>Règlements</h1>" in html
    assert 'id="payment-filters"' in html and 'id="deposit-new"' in html


def test_who_sees_the_list(rep, planner, field_worker, dupont, martin, client_for):
    pay(dupont, "10", reference="MINE")
    pay(martin, "20", reference="NOT-MINE")
    html = client_for(rep).get(URL).content.decode()
    assert "MINE" in html and "NOT-MINE" not in html
    assert 'id="deposit-new"' not in html  # a rep records nothing
    assert client_for(planner).get(URL).status_code == 404
    assert client_for(planner).get("/payments/export.csv").status_code == 404
    assert "bi-cash-coin" not in client_for(planner).get("/customers/").content.decode()


def test_filters_and_totals(accountant, dupont, martin, client_for):
    today = timezone.localdate()
    last_year = date(today.year - 1, 6, 15)
    pay(dupont, "100", reference="VIR-A")
    pay(dupont, "40", method="cash", reference="CASH-B")
    pay(martin, "75.50", day=last_year, reference="OLD-C")
    cancelled = pay(martin, "30", reference="CANCELLED-D")
    payment_reverse(payment=cancelled, by=None, reason="Erreur de saisie")
    client = client_for(accountant)

    everything = results(client)
    assert all(ref in everything for ref in ("VIR-A", "CASH-B", "OLD-C"))
    assert "CANCELLED-D" not in everything  # active payments only, by default
    assert 'data-total="count">3<' in everything
    assert 'data-total="amount">215,50\u00a0€' in everything

    by_method = results(client, method="cash")
    assert "CASH-B" in by_method and "VIR-A" not in by_method
    by_customer = results(client, customer="martin")
    assert "OLD-C" in by_customer and "VIR-A" not in by_customer
    assert "VIR-A" in results(client, customer_id=dupont.pk)
    this_year = results(client, period="this_year")
    assert "OLD-C" not in this_year and "VIR-A" in this_year
    custom = results(client, start=last_year.isoformat(), end=last_year.isoformat())
    assert "OLD-C" in custom and "VIR-A" not in custom
    by_amount = results(client, amount="75,50")
    assert "OLD-C" in by_amount and 'data-total="count">1<' in by_amount

    with_reversed = results(client, reversed="with")
    assert "CANCELLED-D" in with_reversed and "Erreur de saisie" in with_reversed
    # The payment and its reversal cancel out in the total.
    assert 'data-total="count">5<' in with_reversed
    assert 'data-total="amount">215,50\u00a0€' in with_reversed
    only = results(client, reversed="only")
    assert 'data-total="count">2<' in only and 'data-total="amount">0,00\u00a0€' in only


@pytest.mark.parametrize(
    "params",
    [
        {"amount": "abc"},
        {"amount": "1e400"},
        {"amount": "-5"},
        {"start": "2026-02-31"},
        {"customer_id": "99999999999999999999"},
        {"deposit": "²"},
        {"method": "bitcoin"},
        {"sort": "nonsense"},
        {"page": "9999"},
        {"customer": "x" * 5000},
    ],
)
def test_what_anyone_types_never_breaks_the_list(accountant, dupont, client_for, params):
    pay(dupont, "10")
    assert client_for(accountant).get(URL, params).status_code == 200
    assert client_for(accountant).get("/payments/export.csv", params).status_code == 200


def test_sorting_and_pages(accountant, dupont, martin, client_for):
    for index in range(30):
        pay(dupont if index % 2 else martin, f"{index + 1}", reference=f"REF-{index:02d}")
    client = client_for(accountant)
    first = results(client)
    assert "REF-29" in first and "REF-00" not in first  # newest first, 25 a page
    assert "?page=2" in first
    assert "REF-00" in results(client, page=2)
    by_amount = results(client, sort="amount")
    assert by_amount.index("REF-00") < by_amount.index("REF-01")
    by_customer = results(client, sort="customer")
    assert by_customer.index("Jeanne Dupont") < by_customer.index("Résidence Martin")


def test_rows_link_to_the_customer_tab_and_show_the_credit(accountant, dupont, client_for):
    issued_invoice(customer=dupont)  # 120.00
    payment = pay(dupont, "200")  # 80 of credit
    refund_create(payment=payment, by=None, amount=Decimal("30"), method="cash")
    html = results(client_for(accountant))
    assert f'href="/customers/{dupont.pk}/?tab=invoices"' in html
    assert "50,00\u00a0€" in html  # 200 - 120 allocated - 30 refunded


def test_deposit_filter(accountant, dupont, martin, client_for):
    deposit = cheque_deposit_create(
        by=None,
        date=None,
        reference="BRD-1",
        cheques=[
            {"customer": dupont, "amount": Decimal("12"), "cheque_bank": "CIC",
             "cheque_number": "1", "invoice": None},
        ],
    )  # fmt: skip
    pay(martin, "99", reference="ELSEWHERE")
    client = client_for(accountant)
    html = client.get(URL, {"deposit": deposit.pk}).content.decode()
    assert "CIC n° 1" in html and "ELSEWHERE" not in html
    assert f'href="/payments/deposits/{deposit.pk}/"' in html


def test_the_query_count_is_flat(accountant, dupont, martin, client_for):
    client = client_for(accountant)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            results(client)
            client.get(URL)
        return len(context)

    pay(dupont, "10")
    few = queries()
    for index in range(20):
        issued_invoice(customer=martin)
        customer = martin if index % 2 else dupont
        credit_only = [] if index % 3 == 0 else None  # kept whole, to refund part of it
        payment = pay(
            customer, "150", method="cheque", cheque_number=f"{index}", allocations=credit_only
        )
        if index % 3 == 0:
            refund_create(payment=payment, by=None, amount=Decimal("1"), method="cash")
        if index % 5 == 0:
            payment_reverse(payment=payment, by=None, reason="Erreur")
    assert queries() == few


def test_csv_export_follows_the_filter(accountant, dupont, martin, client_for):
    pay(dupont, "100", reference="VIR-A")
    pay(martin, "40", method="cash", reference="=CMD()")
    cancelled = pay(martin, "30", reference="BOUNCED", method="cheque", cheque_number="77")
    payment_reverse(payment=cancelled, by=None, reason="Chèque impayé")
    response = client_for(accountant).get(
        "/payments/export.csv", {"customer": "martin", "reversed": "with"}
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Date;Code client;Client;Mode;Référence")
    assert len(lines) == 4  # the header, the cash payment, the cheque and its reversal
    assert not any("VIR-A" in line for line in lines)
    assert any("'=CMD()" in line for line in lines)
    reversal = next(line for line in lines if "Annulation" in line)
    assert ";-30,00;" in reversal and "Chèque impayé" in reversal
