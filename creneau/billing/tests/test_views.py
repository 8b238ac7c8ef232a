"""The Facturation list, its filters, totals and export; the invoice page; the customer tab."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.billing.tests.factories import draft_invoice, issued_invoice
from creneau.customers.tests.factories import CustomerFactory


def htmx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


@pytest.fixture
def invoices(direction):
    horizon = CustomerFactory(name="Syndic Horizon")
    tilleuls = CustomerFactory(name="Les Tilleuls")
    first = issued_invoice(customer=horizon, by=direction)
    second = issued_invoice(
        customer=tilleuls,
        by=direction,
        lines=[("Vitres", "2", "50", "20"), ("Jardin", "1", "10", "10")],
    )
    draft = draft_invoice(customer=horizon, by=direction)
    return first, second, draft


@pytest.mark.django_db
def test_the_list_shows_invoices_with_the_totals_of_the_filter(invoices, direction, client_for):
    first, second, _draft = invoices
    response = client_for(direction).get("/invoices/")
    html = response.content.decode()
    assert response.status_code == 200
    assert first.number in html and second.number in html and "Brouillon" in html
    assert "3 pièces" in html
    # 120 + 131 (100 + 20 VAT, 10 + 1 VAT) and the draft's 120 TTC.
    assert "371,00\u00a0€" in html
    assert 'id="invoice-filters"' in html and 'hx-target="#invoice-results"' in html


@pytest.mark.django_db
def test_filters_by_number_customer_status_and_kind(invoices, direction, client_for):
    first, second, _draft = invoices
    client = client_for(direction)

    def shown(**params) -> str:
        response = client.get("/invoices/", params, headers=htmx("invoice-results"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html
        return html

    html = shown(number=first.number)
    assert first.number in html and second.number not in html
    html = shown(number=first.number[:6].lower())  # "f-2026": the start of a number
    assert first.number in html and second.number in html
    # Its sequence alone, or with its year: exact numbers of any series, on the index.
    sequence = str(int(second.number.rsplit("-", 1)[1]))
    html = shown(number=sequence)
    assert second.number in html and first.number not in html
    html = shown(number=second.number[2:])  # "2026-00002"
    assert second.number in html and first.number not in html
    html = shown(customer="tilleul")
    assert second.number in html and first.number not in html and "Brouillon" not in html
    html = shown(status="draft")
    assert "Brouillon" in html and first.number not in html
    credit = credit_note_create(invoice=first, by=direction)
    html = shown(kind="credit_note")
    assert credit.number in html and first.number not in html
    html = shown(status="cancelled")
    assert first.number in html and second.number not in html


@pytest.mark.django_db
def test_period_presets_and_dates_filter_the_issue_date(invoices, direction, client_for):
    first, second, _draft = invoices
    today = timezone.localdate()
    Invoice.objects.filter(pk=second.pk).update(issue_date=today - timedelta(days=400))
    client = client_for(direction)
    html = client.get("/invoices/", {"period": "this_month"}).content.decode()
    assert first.number in html and second.number not in html
    html = client.get("/invoices/", {"period": "last_month"}).content.decode()
    assert first.number not in html
    html = client.get("/invoices/", {"period": "this_year"}).content.decode()
    assert first.number in html and second.number not in html
    start = (today - timedelta(days=401)).isoformat()
    end = (today - timedelta(days=399)).isoformat()
    html = client.get("/invoices/", {"period": "custom", "start": start, "end": end})
    html = html.content.decode()
    assert second.number in html and first.number not in html
    # Dates that cannot be read are ignored, never a 500.
    assert client.get("/invoices/", {"start": "31/02/x", "end": "9" * 40}).status_code == 200


@pytest.mark.django_db
def test_overdue_filter_and_badge(invoices, direction, client_for):
    first, second, _draft = invoices
    today = timezone.localdate()
    Invoice.objects.filter(pk=first.pk).update(
        issue_date=today - timedelta(days=60), due_date=today - timedelta(days=30)
    )
    client = client_for(direction)
    html = client.get("/invoices/", {"overdue": "on"}).content.decode()
    assert first.number in html and second.number not in html and "En retard" in html
    page = client.get(f"/invoices/{first.pk}/").content.decode()
    assert "En retard" in page


@pytest.mark.django_db
def test_sorting_and_bad_parameters_answer_the_page(invoices, direction, client_for):
    client = client_for(direction)
    for sort in ["number", "-number", "customer", "-customer", "due", "total", "-total", "x"]:
        assert client.get("/invoices/", {"sort": sort}).status_code == 200
    for params in [{"page": "x"}, {"page": "99999"}, {"customer_id": "9" * 30}, {"status": "zz"},
                   {"number": "a" * 5000}, {"customer": "é " * 2000}]:  # fmt: skip
        assert client.get("/invoices/", params).status_code == 200, params


@pytest.mark.django_db
def test_the_list_reads_a_fixed_number_of_queries(
    direction, client_for, django_assert_max_num_queries
):
    client = client_for(direction)
    for _index in range(3):
        issued_invoice(by=direction)
    client.get("/invoices/")  # warm the session and the user's role
    with django_assert_max_num_queries(8) as few:
        client.get("/invoices/")
    for _index in range(12):
        issued_invoice(by=direction)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/invoices/")
    assert response.content.decode().count('href="/invoices/') >= 15


@pytest.mark.django_db
def test_the_export_writes_the_filter(invoices, direction, client_for):
    first, second, _draft = invoices
    response = client_for(direction).get("/invoices/export.csv", {"customer": "horizon"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate()
    assert (
        response["Content-Disposition"] == f'attachment; filename="factures-{today:%Y-%m-%d}.csv"'
    )
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][0] == "Numéro" and len(rows) == 3  # the header, the invoice, the draft
    numbers = [row[0] for row in rows[1:]]
    assert first.number in numbers and "brouillon" in numbers and second.number not in numbers
    row = next(row for row in rows if row[0] == first.number)
    assert row[-4:] == ["100,00", "20,00", "120,00", "120,00"]


@pytest.mark.django_db
def test_the_invoice_page_shows_lines_vat_totals_and_credit_notes(invoices, direction, client_for):
    _first, second, _draft = invoices
    credit = credit_note_create(
        invoice=second, by=direction, amount=Decimal("31.00"), reason="Geste commercial"
    )
    client = client_for(direction)
    html = client.get(f"/invoices/{second.pk}/").content.decode()
    for text in ["Vitres", "Jardin", "Base HT", "131,00", "100,00", "Reste dû", credit.number,
                 "Télécharger le PDF", "Faire un avoir", "E-mails envoyés"]:  # fmt: skip
        assert text in html, text
    assert "100,00\u00a0€" in html  # the amount due after the credit note
    html = client.get(f"/invoices/{credit.pk}/").content.decode()
    assert second.number in html and "Avoir sur la facture" in html and "Geste commercial" in html
    assert "Faire un avoir" not in html


@pytest.mark.django_db
def test_the_invoice_page_lists_its_emails(invoices, direction, client_for):
    from creneau.core.services import email_queue

    first = invoices[0]
    email_queue(
        to=["compta@horizon.fr"], subject="Facture", body="Ci-joint", related=first, by=direction
    )
    html = client_for(direction).get(f"/invoices/{first.pk}/").content.decode()
    assert "compta@horizon.fr" in html


@pytest.mark.django_db
def test_the_customer_tab_lists_its_invoices_with_totals(invoices, direction, client_for):
    first, second, _draft = invoices
    credit_note_create(invoice=first, by=direction, amount=Decimal("20.00"))
    client = client_for(direction)
    response = client.get(f"/invoices/customer/{first.customer_id}/", headers=htmx("tab-pane"))
    html = response.content.decode()
    assert response.status_code == 200
    assert first.number in html and second.number not in html and "Brouillon" in html
    assert "100,00\u00a0€" in html  # billed 120, credited 20
    assert "Nouvelle facture" in html
    record = client.get(f"/customers/{first.customer_id}/").content.decode()
    assert "Factures" in record


@pytest.mark.django_db
def test_the_invoice_page_and_tab_read_a_fixed_number_of_queries(
    direction, client_for, django_assert_max_num_queries
):
    few = issued_invoice(by=direction, lines=[("Vitres", "1", "10", "20")])
    many = issued_invoice(
        customer=few.customer,
        by=direction,
        lines=[
            (f"Ligne {index}", "1", "10", ["20", "10", "5.5"][index % 3]) for index in range(30)
        ],
    )
    for _index in range(3):
        credit_note_create(invoice=many, by=direction, amount=Decimal("1.00"))
    client = client_for(direction)
    client.get(f"/invoices/{few.pk}/")
    with django_assert_max_num_queries(12) as counted:
        client.get(f"/invoices/{few.pk}/")
    with django_assert_max_num_queries(len(counted.captured_queries)):
        assert client.get(f"/invoices/{many.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        client.get(f"/invoices/customer/{few.customer_id}/", headers=htmx("tab-pane"))
