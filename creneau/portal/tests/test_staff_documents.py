"""The documents' "Visible sur le portail" flag, set by the office through the pages and
the API, shown in the documents tab and kept in the history; the portal's scope follows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from creneau.core.models import AuditEvent
from creneau.customers.documents.services import document_upload
from creneau.customers.models import Document
from creneau.customers.tests import document_samples as samples
from creneau.customers.tests.factories import CustomerFactory
from creneau.portal.selectors import portal_documents
from creneau.portal.tests.factories import PortalUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep)


def add(customer, by, **fields) -> Document:
    upload = samples.upload("contrat.pdf", samples.pdf_bytes())
    return document_upload(customer=customer, by=by, file=upload, kind="contract", **fields)


def test_uploading_from_the_page_with_the_box_ticked_shares_it(client_for, rep, customer):
    url = reverse("customers:document_upload", kwargs={"pk": customer.pk})
    body = {
        "kind": "contract",
        "note": "",
        "portal_visible": "on",
        "file": samples.upload("contrat.pdf", samples.pdf_bytes()),
    }
    response = client_for(rep).post(url, body, HTTP_ACCEPT="application/json")
    assert response.status_code == 201, response.content
    document = Document.objects.get()
    assert document.portal_visible
    assert list(portal_documents(PortalUserFactory(customer=customer))) == [document]
    tab = reverse("customers:tab_documents", kwargs={"pk": customer.pk})
    html = client_for(rep).get(tab, HTTP_HX_REQUEST="true").content.decode()
    assert "data-portal-visible" in html and "Visible sur le portail" in html


def test_uploading_without_the_box_keeps_it_private(client_for, rep, customer):
    url = reverse("customers:document_upload", kwargs={"pk": customer.pk})
    body = {"kind": "contract", "file": samples.upload("contrat.pdf", samples.pdf_bytes())}
    client_for(rep).post(url, body, HTTP_ACCEPT="application/json")
    document = Document.objects.get()
    assert not document.portal_visible
    assert not portal_documents(PortalUserFactory(customer=customer)).exists()
    tab = reverse("customers:tab_documents", kwargs={"pk": customer.pk})
    html = client_for(rep).get(tab, HTTP_HX_REQUEST="true").content.decode()
    assert "data-portal-visible" not in html


def test_the_edit_form_sets_and_clears_the_flag_and_the_history_keeps_it(client_for, rep, customer):
    document = add(customer, rep)
    url = reverse("customers:document_edit", kwargs={"pk": document.pk})
    client = client_for(rep)
    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="portal_visible"' in form
    data = {"name": document.name, "kind": "contract", "site": "", "note": ""}
    row = client.post(url, {**data, "portal_visible": "on"}, HTTP_HX_REQUEST="true")
    assert "data-portal-visible" in row.content.decode()
    document.refresh_from_db()
    assert document.portal_visible
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).latest("pk")
    assert event.changes == {"portal_visible": [False, True]}
    history_url = reverse("customers:tab_history", kwargs={"pk": customer.pk})
    history = client.get(history_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Visible sur le portail" in history
    client.post(url, data, HTTP_HX_REQUEST="true")  # the box unticked
    document.refresh_from_db()
    assert not document.portal_visible


def test_the_api_reads_and_writes_the_flag(api_for, rep, customer):
    api = api_for(rep)
    body = {
        "kind": "contract",
        "portal_visible": "true",
        "file": samples.upload("contrat.pdf", samples.pdf_bytes()),
    }
    created = api.post(f"/api/v1/customers/{customer.pk}/documents", body, multipart=True)
    assert created.status_code == 201, created.content
    assert created.json()["portal_visible"] is True
    document_id = created.json()["id"]
    changed = api.patch(f"/api/v1/documents/{document_id}", {"portal_visible": False})
    assert changed.status_code == 200 and changed.json()["portal_visible"] is False
    assert Document.objects.get(pk=document_id).portal_visible is False
    listed = api.get(f"/api/v1/customers/{customer.pk}/documents").json()["items"]
    assert listed[0]["portal_visible"] is False
    unchanged = api.patch(f"/api/v1/documents/{document_id}", {"note": "x"})
    assert unchanged.json()["portal_visible"] is False


def test_the_api_refuses_a_bad_flag_and_unknown_fields(api_for, rep, customer):
    api = api_for(rep)
    body = {
        "kind": "contract",
        "portal_visible": "peut-être",
        "file": samples.upload("contrat.pdf", samples.pdf_bytes()),
    }
    refused = api.post(f"/api/v1/customers/{customer.pk}/documents", body, multipart=True)
    assert refused.status_code == 422
    fields = {error["field"]: error["msg"] for error in refused.json()["detail"]}
    assert fields == {"portal_visible": "Saisissez vrai ou faux."}
    document = add(customer, rep)
    for patch in ({"portal_visible": "x"}, {"visible": True}):
        response = api.patch(f"/api/v1/documents/{document.pk}", patch)
        assert response.status_code == 422, patch
    assert not Document.objects.filter(portal_visible=True).exists()
