"""The mandates' API (/api/v1/mandates): list, create, read, PATCH before the first
collection, revoke, the form PDF; who may do what; every bad input answers 422 in French."""

from __future__ import annotations

import pytest
from django.utils import timezone

from creneau.billing.tests.facturx_fixtures import pdf_text
from creneau.customers.models import Customer
from creneau.payments.models import Mandate, MandateStatus
from creneau.payments.tests.mandate_helpers import (
    DEBTOR_IBAN,
    NON_SEPA_IBAN,
    collecting_company,
    debtor,
    signed_mandate,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/mandates"


@pytest.fixture
def customer(rep):
    collecting_company()
    return debtor(sales_rep=rep)


def messages(response) -> str:
    return " ".join(error["msg"] for error in response.json()["detail"])


def test_accounting_creates_reads_lists_and_revokes(api_for, accountant, customer):
    api = api_for(accountant)
    today = timezone.localdate().isoformat()
    response = api.post(
        URL, {"customer_id": customer.pk, "iban": DEBTOR_IBAN, "signature_date": today}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["rum"].startswith("C00042-") and body["iban"] == DEBTOR_IBAN
    assert body["bic"] == "PSSTFRPP" and body["scheme"] == "CORE" and body["type"] == "RCUR"
    assert body["status"] == "active" and body["customer_id"] == customer.pk
    assert body["signature_date"] == today
    mandate_id = body["id"]
    assert api.get(f"{URL}/{mandate_id}").json()["rum"] == body["rum"]
    listed = api.get(URL, {"customer_id": customer.pk}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == mandate_id
    response = api.post(f"{URL}/{mandate_id}/revoke", {"reason": "Changement de banque"})
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert response.json()["revocation_reason"] == "Changement de banque"


def test_patch_before_first_use(api_for, direction, customer):
    mandate = signed_mandate(customer)
    response = api_for(direction).patch(
        f"{URL}/{mandate.pk}", {"rum": "dupont 2026", "type": "OOFF"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["rum"] == "DUPONT 2026" and response.json()["type"] == "OOFF"


def test_each_bad_input_answers_422_in_french(api_for, direction, customer):
    api = api_for(direction)
    cases = [
        ({"customer_id": customer.pk}, "Indiquez l'IBAN"),
        ({"customer_id": customer.pk, "iban": "FR76 1234"}, "IBAN invalide"),
        ({"customer_id": customer.pk, "iban": NON_SEPA_IBAN}, "zone SEPA"),
        ({"customer_id": customer.pk, "iban": DEBTOR_IBAN, "colour": "red"}, "Champ inconnu"),
        ({"customer_id": customer.pk, "iban": DEBTOR_IBAN, "rum": "RUM_1"}, "lettres sans accent"),
        ({"customer_id": customer.pk, "iban": DEBTOR_IBAN, "rum": "R" * 36}, "35 caractères"),
        ({"customer_id": customer.pk, "iban": DEBTOR_IBAN, "scheme": "XYZ"}, "non autorisée"),
    ]
    for body, expected in cases:
        response = api.post(URL, body)
        assert response.status_code == 422, body
        assert expected in messages(response), (body, response.json())
    assert not Mandate.objects.exists()
    assert api.post(URL, {"customer_id": customer.pk, "iban": DEBTOR_IBAN}).status_code == 201
    response = api.post(URL, {"customer_id": customer.pk, "iban": DEBTOR_IBAN})
    assert response.status_code == 422
    assert "déjà un mandat actif" in messages(response)


def test_patch_after_first_use_and_status_answer_422(api_for, direction, customer):
    api = api_for(direction)
    mandate = signed_mandate(customer)
    Mandate.objects.filter(pk=mandate.pk).update(first_collection_date=timezone.localdate())
    response = api.patch(f"{URL}/{mandate.pk}", {"iban": "DE89370400440532013000"})
    assert response.status_code == 422 and "déjà servi" in messages(response)
    response = api.patch(f"{URL}/{mandate.pk}", {"debtor_name": "Mme Durand"})
    assert response.status_code == 200 and response.json()["debtor_name"] == "Mme Durand"
    api.post(f"{URL}/{mandate.pk}/revoke")
    response = api.patch(f"{URL}/{mandate.pk}", {"status": "active"})
    assert response.status_code == 422 and "ne redevient pas actif" in messages(response)
    response = api.post(f"{URL}/{mandate.pk}/revoke", {"revoked_on": "2099-01-01"})
    assert response.status_code == 422
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.REVOKED


def test_a_rep_reads_its_customers_mandates_masked_and_writes_none(
    api_for, rep, other_rep, customer
):
    mandate = signed_mandate(customer)
    api = api_for(rep)
    body = api.get(f"{URL}/{mandate.pk}").json()
    assert body["iban"] == "FR14 •••• 2606" and body["bic"] == "••••"
    assert api.get(URL).json()["count"] == 1
    assert api.post(URL, {"customer_id": customer.pk, "iban": DEBTOR_IBAN}).status_code == 403
    assert api.patch(f"{URL}/{mandate.pk}", {"debtor_name": "X"}).status_code == 403
    assert api.post(f"{URL}/{mandate.pk}/revoke").status_code == 403
    response = api.get(f"{URL}/{mandate.pk}/form.pdf")
    assert response.status_code == 200 and DEBTOR_IBAN[-4:] in pdf_text(response.content)
    assert "FR14 2004" not in pdf_text(response.content)
    outsider = api_for(other_rep)
    assert outsider.get(f"{URL}/{mandate.pk}").status_code == 404
    assert outsider.get(URL).json()["count"] == 0
    other = Customer.objects.create(
        code="C09999", name="Autre", street="1 rue", postcode="75001", city="Paris"
    )
    assert outsider.post(URL, {"customer_id": other.pk, "iban": DEBTOR_IBAN}).status_code == 404


def test_planning_reads_no_mandate(api_for, planner, customer):
    mandate = signed_mandate(customer)
    api = api_for(planner)
    assert api.get(URL).status_code == 404
    assert api.get(f"{URL}/{mandate.pk}").status_code == 404


def test_the_form_pdf(api_for, accountant, customer):
    mandate = signed_mandate(customer)
    response = api_for(accountant).get(f"{URL}/{mandate.pk}/form.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert mandate.rum in text and "FR63ZZZ240891" in text and "FR14 2004" in text
