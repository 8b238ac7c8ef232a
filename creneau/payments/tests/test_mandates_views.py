"""The record's "Prélèvement SEPA" tab: listed for who reads mandates, created pre-filled,
edited, revoked, printed; a sales rep reads its own customers' (masked), 404 elsewhere."""

from __future__ import annotations

import pytest
from django.utils import timezone

from creneau.billing.tests.facturx_fixtures import pdf_text
from creneau.payments.mandates import mandate_create
from creneau.payments.models import Mandate, MandateStatus, PaymentMethod
from creneau.payments.tests.mandate_helpers import (
    DEBTOR_IBAN,
    collecting_company,
    debtor,
    signed_mandate,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "tab-pane"}


@pytest.fixture
def customer(rep):
    collecting_company()
    return debtor(sales_rep=rep)


def tab(customer) -> str:
    return f"/payments/customer/{customer.pk}/mandates/"


def test_the_tab_lists_the_mandates_with_few_queries(
    client_for, direction, customer, django_assert_max_num_queries
):
    for number in range(5):
        mandate_create(customer=customer, by=None, iban=DEBTOR_IBAN, rum=f"OLD-{number}")
        Mandate.objects.filter(customer=customer).update(status=MandateStatus.REVOKED)
    active = signed_mandate(customer)
    client = client_for(direction)
    with django_assert_max_num_queries(12):
        response = client.get(tab(customer), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert active.rum in html and "OLD-4" in html
    assert "FR14 •••• 2606" in html and "Révoqué" in html and "Actif" in html
    assert "sepa_rejections" not in html  # the batches' part: an include, empty here
    # The record page lists the tab.
    page = client.get(f"/customers/{customer.pk}/?tab=sepa").content.decode()
    assert "Prélèvement SEPA" in page and active.rum in page


def test_create_prefilled_then_saved(client_for, accountant, customer):
    client = client_for(accountant)
    form = client.get(f"{tab(customer)}new/", **HTMX).content.decode()
    today = timezone.localdate()
    assert f"C00042-{today:%Y%m%d}-1" in form
    assert "FR14 2004 1010 0505 0001 3M02 606" in form and "PSSTFRPP" in form
    response = client.post(
        f"{tab(customer)}new/",
        {"rum": f"C00042-{today:%Y%m%d}-1", "debtor_name": customer.name, "iban": DEBTOR_IBAN,
         "bic": "", "scheme": "CORE", "type": "RCUR", "signature_date": "", "signature_place": ""},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    assert "créé" in response.content.decode()
    mandate = Mandate.objects.get()
    assert mandate.bic == "PSSTFRPP" and mandate.signature_date is None
    assert "À signer" in response.content.decode()


def test_a_bad_iban_shows_at_its_field(client_for, direction, customer):
    response = client_for(direction).post(
        f"{tab(customer)}new/",
        {"rum": "", "iban": "FR76 0000", "scheme": "CORE", "type": "RCUR"},
        **HTMX,
    )
    assert "IBAN invalide" in response.content.decode()
    assert not Mandate.objects.exists()


def test_edit_then_revoke(client_for, direction, customer):
    mandate = signed_mandate(customer)
    client = client_for(direction)
    url = f"{tab(customer)}{mandate.pk}/"
    assert 'id="mandate-form"' in client.get(f"{url}edit/", **HTMX).content.decode()
    data = {"rum": "DUPONT-1", "debtor_name": "Jean Dupont", "iban": DEBTOR_IBAN, "bic": "",
            "scheme": "CORE", "type": "OOFF", "signature_date": str(mandate.signature_date),
            "signature_place": "Nantes"}  # fmt: skip
    client.post(f"{url}edit/", data, **HTMX)
    mandate.refresh_from_db()
    assert (mandate.rum, mandate.type, mandate.signature_place) == ("DUPONT-1", "OOFF", "Nantes")
    assert "hx-confirm" in client.get(f"{url}revoke/", **HTMX).content.decode()
    response = client.post(f"{url}revoke/", {"reason": "Demande du client"}, **HTMX)
    assert "révoqué" in response.content.decode()
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.REVOKED
    # Revoked: no edit button, and an edit post is refused.
    response = client.post(f"{url}edit/", data | {"debtor_name": "X"}, **HTMX)
    assert "ne redevient pas actif" in response.content.decode()


def test_after_first_use_the_form_freezes_all_but_the_holder(client_for, direction, customer):
    mandate = signed_mandate(customer)
    Mandate.objects.filter(pk=mandate.pk).update(first_collection_date=timezone.localdate())
    client = client_for(direction)
    url = f"{tab(customer)}{mandate.pk}/edit/"
    form = client.get(url, **HTMX).content.decode()
    assert form.count("disabled") >= 7
    client.post(url, {"debtor_name": "Mme Dupont", "iban": "DE89370400440532013000"}, **HTMX)
    mandate.refresh_from_db()
    assert mandate.debtor_name == "Mme Dupont" and mandate.iban == DEBTOR_IBAN


def test_a_rep_reads_its_customers_tab_and_pdf_but_writes_nothing(client_for, rep, customer):
    mandate = signed_mandate(customer)
    client = client_for(rep)
    html = client.get(tab(customer), **HTMX).content.decode()
    assert mandate.rum in html and "FR14 •••• 2606" in html
    assert "mandate-new" not in html and "data-mandate-revoke" not in html
    assert client.get(f"{tab(customer)}new/").status_code == 403
    assert client.post(f"{tab(customer)}{mandate.pk}/revoke/").status_code == 403
    response = client.get(f"{tab(customer)}{mandate.pk}/form.pdf")
    assert response.status_code == 200 and "FR14 2004" not in pdf_text(response.content)


def test_outsiders_and_planners_get_404(client_for, other_rep, planner, customer):
    mandate = signed_mandate(customer)
    for user in (other_rep, planner):
        client = client_for(user)
        assert client.get(tab(customer)).status_code == 404
        assert client.get(f"{tab(customer)}{mandate.pk}/form.pdf").status_code == 404
    page = client_for(planner).get(f"/customers/{customer.pk}/").content.decode()
    assert "Prélèvement SEPA" not in page


def test_the_payment_form_proposes_direct_debit_to_a_customer_with_a_mandate(
    client_for, accountant, customer
):
    client = client_for(accountant)
    url = f"/payments/customer/{customer.pk}/new/"
    assert client.get(url).context["form"]["method"].value() != PaymentMethod.SEPA_DEBIT
    signed_mandate(customer)
    assert client.get(url).context["form"]["method"].value() == PaymentMethod.SEPA_DEBIT


def test_the_invoice_page_names_the_mandate(client_for, direction, customer):
    from creneau.billing.tests.factories import issued_invoice

    mandate = signed_mandate(customer)
    invoice = issued_invoice(customer=customer, by=direction)
    html = client_for(direction).get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'id="invoice-debit-mandate"' in html and mandate.rum in html


def test_the_tab_warns_when_the_company_has_no_creditor_id(client_for, direction, customer):
    from creneau.core.models import Company

    client = client_for(direction)
    assert 'id="mandates-no-ics"' not in client.get(tab(customer), **HTMX).content.decode()
    company = Company.load()
    company.sepa_creditor_id = ""
    company.save()
    assert 'id="mandates-no-ics"' in client.get(tab(customer), **HTMX).content.decode()
