"""Factures: the list, the balance, the PDFs; who sees them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.portal.tests.pages_data import (
    PDF_BYTES,
    customer_data,
    invoice_for,
    portal_access,
)

pytestmark = pytest.mark.django_db

GROUP_MESSAGE = "Les factures de ce site sont adressées au titulaire du compte"


@pytest.fixture
def owner():
    return customer_data(quotes=False)


@pytest.fixture
def stranger():
    return customer_data(quotes=False)


def listed(response) -> set[int]:
    return {invoice.pk for invoice in response.context["page"].object_list}


def test_the_owner_sees_its_invoices_and_what_it_owes(owner, portal_client_for):
    today = timezone.localdate()
    Invoice.objects.filter(pk=owner.invoices[0].pk).update(
        issue_date=today - timedelta(days=40), due_date=today - timedelta(days=10)
    )
    draft = Invoice.objects.create(customer=owner.customer, billing_group="A")
    client = portal_client_for(portal_access(owner.customer))
    response = client.get(reverse("portal:invoices"))
    assert response.status_code == 200
    assert listed(response) == {invoice.pk for invoice in owner.invoices}
    assert draft.pk not in listed(response)
    balance = response.context["balance"]
    assert balance.due == Decimal("240.00")
    assert balance.overdue == Decimal("120.00")
    html = response.content.decode()
    assert owner.invoices[0].number in html and owner.invoices[1].number in html
    assert "En retard" in html
    assert "240,00" in html


def test_the_invoice_pdf_is_the_stored_one_as_an_attachment(owner, portal_client_for):
    invoice = owner.invoices[0]
    client = portal_client_for(portal_access(owner.customer))
    response = client.get(reverse("portal:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == PDF_BYTES + invoice.number.encode()
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"


def test_another_customers_invoices_answer_404(owner, stranger, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    assert not listed(client.get(reverse("portal:invoices"))) & {
        invoice.pk for invoice in stranger.invoices
    }
    for invoice in stranger.invoices:
        assert client.get(reverse("portal:invoice_pdf", args=[invoice.pk])).status_code == 404
    assert client.get(f"/portail/factures/{'9' * 25}/pdf/").status_code == 404


def test_a_site_sharing_its_group_sees_no_invoice_but_the_message(owner, portal_client_for):
    client = portal_client_for(portal_access(owner.customer, site=owner.sites[0]))
    response = client.get(reverse("portal:invoices"))
    assert response.status_code == 200
    html = response.content.decode()
    assert GROUP_MESSAGE in html
    for invoice in owner.invoices:
        assert invoice.number not in html
        assert client.get(reverse("portal:invoice_pdf", args=[invoice.pk])).status_code == 404


def test_a_site_alone_in_its_group_sees_that_groups_invoices(owner, portal_client_for):
    alone = owner.sites[2]
    group_b = owner.invoices[1]
    client = portal_client_for(portal_access(owner.customer, site=alone))
    response = client.get(reverse("portal:invoices"))
    assert response.status_code == 200
    assert listed(response) == {group_b.pk}
    assert GROUP_MESSAGE not in response.content.decode()
    assert response.context["balance"].due == Decimal("120.00")
    assert client.get(reverse("portal:invoice_pdf", args=[group_b.pk])).status_code == 200
    other_group = owner.invoices[0]
    assert client.get(reverse("portal:invoice_pdf", args=[other_group.pk])).status_code == 404


def test_the_list_reads_a_bounded_number_of_queries(
    owner, portal_client_for, django_assert_max_num_queries
):
    for _ in range(45):
        invoice_for(owner.customer, billing_group="A", sites=owner.sites[:2])
    url = reverse("portal:invoices")
    account = portal_client_for(portal_access(owner.customer))
    alone = portal_client_for(portal_access(owner.customer, site=owner.sites[2]))
    for client in (account, alone):
        for page in ("1", "2", "3", "abc", "999999999999999999999"):
            with django_assert_max_num_queries(14):
                assert client.get(url, {"page": page}).status_code == 200


def test_a_stranger_is_sent_to_the_portal_login(owner, client):
    for url in (
        reverse("portal:invoices"),
        reverse("portal:invoice_pdf", args=[owner.invoices[0].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/portail/?next=")


def test_the_home_page_shows_the_invoices_pages_amount_due(owner, portal_client_for):
    """A payment not yet set against an invoice lowers what is due, on both pages."""
    from creneau.payments.services import payment_create

    payment_create(customer=owner.customer, by=None, amount=Decimal("50.00"), method="transfer")
    client = portal_client_for(portal_access(owner.customer))
    invoices = client.get(reverse("portal:invoices"))
    home = client.get(reverse("portal:home"))
    assert invoices.context["balance"].due == Decimal("190.00")
    assert home.context["amount_due"] == Decimal("190.00")
