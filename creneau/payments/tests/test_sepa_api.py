"""API of the SEPA collection batches: create (all proposed or chosen), list, read, the
file byte for byte, transmitted, reject; bad input 422 in French; other roles 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.core.models import Company
from creneau.payments.models import MandateStatus, SepaBatch
from creneau.payments.sepa_xml import pain_errors
from creneau.payments.tests.sepa_factories import (
    collection_day,
    debit_invoice,
    mandate_with_invoice,
    sepa_company,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/sepa-batches"


@pytest.fixture
def company():
    return sepa_company(sepa_reject_fee=Decimal("5.00"))


def messages_of(response) -> str:
    return " ".join(error["msg"] for error in response.json()["detail"])


def test_create_read_download_transmit_reject(api_for, accountant, company):
    _mandate, invoice = mandate_with_invoice(amount="100")
    _other, other_invoice = mandate_with_invoice(amount="50")
    api = api_for(accountant)
    day = collection_day()
    response = api.post(URL, {"collection_date": day.isoformat(), "invoice_ids": [invoice.pk]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "prepared" and body["collection_date"] == day.isoformat()
    assert body["total"] == "120.00" and body["pain_version"] == "pain.008.001.02"
    [item] = body["items"]
    assert item["invoice_id"] == invoice.pk and item["amount"] == "120.00"
    assert item["sequence_type"] == "FRST" and item["status"] == "pending"
    batch_url = f"{URL}/{body['id']}"
    # The list and one batch.
    listed = api.get(URL).json()
    assert [row["id"] for row in listed["items"]] == [body["id"]]
    assert api.get(batch_url).json()["items"] == body["items"]
    # The file, as stored, twice the same bytes, valid against the XSD.
    first = api.get(f"{batch_url}/xml")
    assert first.status_code == 200 and first["Content-Type"] == "application/xml"
    assert first.content == api.get(f"{batch_url}/xml").content
    assert pain_errors(first.content, "pain.008.001.02") == []
    batch = SepaBatch.objects.get(pk=body["id"])
    with batch.xml.open("rb") as handle:
        assert handle.read() == first.content
    # Reject before transmission: 422.
    reject_url = f"{batch_url}/items/{item['id']}/reject"
    response = api.post(reject_url, {"reason_code": "AM04"})
    assert response.status_code == 422 and "transmis" in messages_of(response)
    response = api.post(f"{batch_url}/transmitted")
    assert response.status_code == 200 and response.json()["status"] == "transmitted"
    assert response.json()["items"][0]["status"] == "collected"
    assert api.post(f"{batch_url}/transmitted").status_code == 422
    # Unknown R-code: 422; a known one with the fee.
    response = api.post(reject_url, {"reason_code": "XX01"})
    assert response.status_code == 422 and "Motif de rejet inconnu" in messages_of(response)
    response = api.post(reject_url, {"reason_code": "AC04", "add_fee": True})
    assert response.status_code == 200, response.content
    rejected = response.json()
    assert rejected["status"] == "rejected" and rejected["reject_code"] == "AC04"
    fee = Invoice.objects.get(pk=rejected["reject_fee_invoice_id"])
    assert fee.total_gross == Decimal("5.00")
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("120.00")
    # The other invoice and the rejected one can go in the next batch: all proposed.
    response = api.post(URL, {"collection_date": collection_day(10).isoformat()})
    assert response.status_code == 201
    assert {row["invoice_id"] for row in response.json()["items"]} == {
        invoice.pk,
        other_invoice.pk,
    }


def test_bad_input_is_422_in_french(api_for, direction, company):
    mandate, invoice = mandate_with_invoice()
    api = api_for(direction)
    today = timezone.localdate()
    response = api.post(URL, {"collection_date": today.isoformat()})
    assert response.status_code == 422 and "jour ouvré interbancaire" in messages_of(response)
    response = api.post(URL, {"collection_date": (today - timedelta(days=9)).isoformat()})
    assert response.status_code == 422
    day = collection_day()
    response = api.post(URL, {"collection_date": day.isoformat(), "invoice_ids": [999999]})
    assert response.status_code == 422 and "n'existe pas" in messages_of(response)
    response = api.post(URL, {"collection_date": day.isoformat(), "invoice_ids": []})
    assert response.status_code == 422 and "vide" in messages_of(response)
    mandate.status = MandateStatus.REVOKED
    mandate.save()
    response = api.post(URL, {"collection_date": day.isoformat(), "invoice_ids": [invoice.pk]})
    assert response.status_code == 422 and "révoqué" in messages_of(response)
    response = api.post(URL, {"collection_date": day.isoformat(), "surprise": 1})
    assert response.status_code == 422
    Company.objects.update(sepa_creditor_id="")
    response = api.post(URL, {"collection_date": day.isoformat()})
    assert response.status_code == 422 and "Paramètres › Société" in messages_of(response)  # noqa: RUF001
    assert not SepaBatch.objects.exists()


def test_customer_without_mandate_is_422(api_for, direction, company):
    from creneau.customers.tests.factories import CustomerFactory

    invoice = debit_invoice(customer=CustomerFactory())
    response = api_for(direction).post(
        URL, {"collection_date": collection_day().isoformat(), "invoice_ids": [invoice.pk]}
    )
    assert response.status_code == 422 and "pas de mandat" in messages_of(response)


@pytest.mark.parametrize("role", ["rep", "planner"])
def test_other_roles_get_404(request, api_for, direction, company, role):
    mandate_with_invoice()
    batch = api_for(direction).post(URL, {"collection_date": collection_day().isoformat()})
    batch_id = batch.json()["id"]
    item_id = batch.json()["items"][0]["id"]
    api = api_for(request.getfixturevalue(role))
    assert api.get(URL).status_code == 404
    assert api.get(f"{URL}/{batch_id}").status_code == 404
    assert api.get(f"{URL}/{batch_id}/xml").status_code == 404
    assert api.post(URL, {"collection_date": collection_day().isoformat()}).status_code == 404
    assert api.post(f"{URL}/{batch_id}/transmitted").status_code == 404
    reject = f"{URL}/{batch_id}/items/{item_id}/reject"
    assert api.post(reject, {"reason_code": "AM04"}).status_code == 404
    assert SepaBatch.objects.get().status == "prepared"
