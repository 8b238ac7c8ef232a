"""Who sees and does what with invoices: direction and accounting issue and credit; a sales
rep reads its customers' invoices only (404 for the others); planning reads none."""

from __future__ import annotations

import pytest

from creneau.billing.models import Invoice
from creneau.billing.tests.factories import draft_invoice, issued_invoice
from creneau.customers.tests.factories import CustomerFactory


@pytest.fixture
def invoices(rep, other_rep, direction):
    mine = issued_invoice(customer=CustomerFactory(sales_rep=rep, name="Client du commercial"))
    theirs = issued_invoice(customer=CustomerFactory(sales_rep=other_rep, name="Client d'un autre"))
    draft = draft_invoice(customer=mine.customer)
    return mine, theirs, draft


def menu_has_invoices(html: str) -> bool:
    return 'href="/invoices/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["direction", "accountant"])
def test_direction_and_accounting_issue_and_credit(role, invoices, request, client_for):
    user = request.getfixturevalue(role)
    mine, theirs, draft = invoices
    client = client_for(user)
    html = client.get("/invoices/").content.decode()
    assert menu_has_invoices(html) and mine.number in html and theirs.number in html
    assert 'id="invoice-new"' in html
    page = client.get(f"/invoices/{mine.pk}/").content.decode()
    assert 'id="invoice-credit"' in page
    assert client.get(f"/invoices/{mine.pk}/credit-note/").status_code == 200
    assert client.get("/invoices/new/").status_code == 200
    client.post(f"/invoices/{draft.pk}/issue/")
    draft.refresh_from_db()
    assert draft.number


@pytest.mark.django_db
def test_a_sales_rep_reads_its_customers_invoices_only(invoices, rep, client_for):
    mine, theirs, draft = invoices
    client = client_for(rep)
    html = client.get("/invoices/").content.decode()
    assert menu_has_invoices(html)
    assert mine.number in html and theirs.number not in html
    assert 'id="invoice-new"' not in html
    csv = b"".join(client.get("/invoices/export.csv").streaming_content).decode()
    assert mine.number in csv and theirs.number not in csv
    page = client.get(f"/invoices/{mine.pk}/").content.decode()
    assert "Client du commercial" in page
    assert 'id="invoice-credit"' not in page
    draft_page = client.get(f"/invoices/{draft.pk}/").content.decode()
    assert 'id="invoice-issue"' not in draft_page and 'id="invoice-add-line"' not in draft_page
    assert client.get(f"/invoices/{theirs.pk}/").status_code == 404
    assert client.get(f"/invoices/customer/{theirs.customer_id}/").status_code == 404
    # Reading is all: every write answers 403 on its own customers' invoices.
    assert client.get("/invoices/new/").status_code == 403
    assert client.get(f"/invoices/{mine.pk}/credit-note/").status_code == 403
    assert client.post(f"/invoices/{mine.pk}/credit-note/", {"mode": "total"}).status_code == 403
    assert client.post(f"/invoices/{draft.pk}/issue/").status_code == 403
    assert client.post(f"/invoices/{draft.pk}/delete/").status_code == 403
    draft.refresh_from_db()
    assert draft.is_draft
    mine.refresh_from_db()
    assert mine.status == Invoice.Status.ISSUED
    tab = client.get(f"/invoices/customer/{mine.customer_id}/", headers={"HX-Request": "true"})
    assert mine.number in tab.content.decode() and "Nouvelle facture" not in tab.content.decode()


@pytest.mark.django_db
def test_planning_reads_no_invoice(invoices, planner, client_for):
    mine, _theirs, _draft = invoices
    client = client_for(planner)
    home = client.get("/customers/").content.decode()
    assert not menu_has_invoices(home)
    for path in ["/invoices/", "/invoices/export.csv", f"/invoices/{mine.pk}/",
                 f"/invoices/{mine.pk}/credit-note/", f"/invoices/customer/{mine.customer_id}/",
                 "/invoices/new/", "/invoices/new/customers/?q=client"]:  # fmt: skip
        assert client.get(path).status_code == 404, path
    record = client.get(f"/customers/{mine.customer_id}/").content.decode()
    assert "/invoices/customer/" not in record and "/payments/customer/" not in record


@pytest.mark.django_db
def test_the_record_shows_the_factures_tab_to_readers(invoices, rep, accountant, client_for):
    mine = invoices[0]
    for user in (rep, accountant):
        record = client_for(user).get(f"/customers/{mine.customer_id}/").content.decode()
        # The tab is payments' "Factures et règlements", which holds the invoices.
        assert f"/payments/customer/{mine.customer_id}/" in record


@pytest.mark.django_db
def test_an_intervenant_and_an_anonymous_user_read_nothing(invoices, field_worker, client_for):
    from django.test import Client

    mine = invoices[0]
    assert client_for(field_worker).get(f"/invoices/{mine.pk}/").status_code in (403, 404)
    response = Client().get("/invoices/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
