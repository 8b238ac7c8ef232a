"""Pages of the SEPA collection batches (Prélèvements): the list, the proposal with its
boxes, the creation, the batch, the file, "Marquer comme transmis", the reject page, the
customer record's rejected debits; French form errors; query counts; other roles 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from creneau.core.models import Company, OutboxEmail
from creneau.payments.models import SepaBatch, SepaItemStatus
from creneau.payments.sepa_batches import sepa_batch_create, sepa_batch_xml
from creneau.payments.sepa_collect import sepa_batch_transmit
from creneau.payments.tests.sepa_factories import (
    MandateFactory,
    collection_day,
    debit_invoice,
    mandate_with_invoice,
    sepa_company,
)

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def company():
    return sepa_company(sepa_reject_fee=Decimal("6.00"))


def test_proposal_untick_and_create(
    client_for, direction, company, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = IMMEDIATE
    _kept_mandate, kept = mandate_with_invoice(amount="100")
    _dropped_mandate, dropped = mandate_with_invoice(amount="40")
    unsigned = MandateFactory(signature_date=None)
    debit_invoice(customer=unsigned.customer)
    client = client_for(direction)
    day = collection_day()
    page = client.get("/payments/sepa/new/", {"collection_date": day.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200
    assert kept.number in html and dropped.number in html and "Créer la remise" in html
    assert "pas signé" in html  # the unsigned mandate's invoice, left out with why
    assert "Préavis court" in html
    form = {"collection_date": day.isoformat(), "invoice": [str(kept.pk)], "once": "t-1"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/payments/sepa/new/", form)
    batch = SepaBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/payments/sepa/{batch.pk}/"
    assert list(batch.items.values_list("invoice_id", flat=True)) == [kept.pk]
    assert OutboxEmail.objects.filter(customer_id=kept.customer_id).count() == 1
    # Sent again (back button): nothing more.
    client.post("/payments/sepa/new/", form)
    assert SepaBatch.objects.count() == 1


def test_form_errors_in_french(client_for, direction, company):
    _mandate, invoice = mandate_with_invoice()
    client = client_for(direction)
    today = timezone.localdate()
    page = client.get("/payments/sepa/new/", {"collection_date": today.isoformat()})
    assert "jour ouvré interbancaire" in page.content.decode()
    day = collection_day().isoformat()
    response = client.post("/payments/sepa/new/", {"collection_date": day, "once": "a"})
    assert response.status_code == 422 and "La remise est vide" in response.content.decode()
    Company.objects.update(iban="")
    response = client.post(
        "/payments/sepa/new/", {"collection_date": day, "invoice": [invoice.pk], "once": "b"}
    )
    html = response.content.decode()
    assert response.status_code == 422 and "Renseignez l&#x27;IBAN" in html
    assert not SepaBatch.objects.exists()


def make_batches(direction, count: int) -> list[SepaBatch]:
    batches = []
    for offset in range(count):
        mandate_with_invoice()
        batches.append(
            sepa_batch_create(collection_date=collection_day(3 + 7 * offset), by=direction)
        )
    return batches


def test_list_and_detail_query_counts(
    client_for, direction, company, django_assert_max_num_queries
):
    batches = make_batches(direction, 3)
    for _ in range(5):
        mandate_with_invoice()
    big = sepa_batch_create(collection_date=collection_day(40), by=direction)
    sepa_batch_transmit(batch=big, by=direction)
    client = client_for(direction)
    with django_assert_max_num_queries(12):
        page = client.get("/payments/sepa/")
    html = page.content.decode()
    assert page.status_code == 200
    assert batches[0].collection_date.strftime("%d/%m/%Y") in html and "Transmis" in html
    with django_assert_max_num_queries(14):
        page = client.get(f"/payments/sepa/{big.pk}/")
    html = page.content.decode()
    assert html.count("Rejet…") == 5 and "Marquer comme transmis" not in html
    page = client.get(f"/payments/sepa/{batches[0].pk}/")
    assert "Marquer comme transmis" in page.content.decode()


def test_download_transmit_reject_and_customer_record(client_for, accountant, direction, company):
    mandate, invoice = mandate_with_invoice(amount="100")
    batch = sepa_batch_create(collection_date=collection_day(), by=direction)
    client = client_for(accountant)
    download = client.get(f"/payments/sepa/{batch.pk}/file.xml")
    assert download.status_code == 200 and download["Content-Type"] == "application/xml"
    assert download.content == sepa_batch_xml(batch)
    item = batch.items.get()
    reject_url = f"/payments/sepa/{batch.pk}/items/{item.pk}/reject/"
    response = client.post(reject_url, {"reason_code": "AM04"})
    assert response.status_code == 422 and "transmis" in response.content.decode()
    assert client.post(f"/payments/sepa/{batch.pk}/transmitted/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == "transmitted"
    page = client.get(reject_url)
    assert "AM04 – Provision insuffisante" in page.content.decode()  # noqa: RUF001
    assert 'value="6,00"' in page.content.decode()
    response = client.post(reject_url, {"reason_code": "NOPE"})
    assert response.status_code == 422 and "Motif de rejet inconnu" in response.content.decode()
    response = client.post(reject_url, {"reason_code": "AM04", "add_fee": "on", "fee": "6,00"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == SepaItemStatus.REJECTED and item.reject_fee_invoice.total_gross == 6
    tab = client_for(direction).get(f"/payments/customer/{mandate.customer_id}/")
    html = tab.content.decode()
    assert "Prélèvements rejetés" in html and "AM04" in html and invoice.number in html


@pytest.mark.parametrize("role", ["rep", "planner"])
def test_other_roles_get_404(request, client_for, direction, company, role):
    mandate_with_invoice()
    batch = sepa_batch_create(collection_date=collection_day(), by=direction)
    item = batch.items.get()
    client = client_for(request.getfixturevalue(role))
    for url in ("/payments/sepa/", "/payments/sepa/new/", f"/payments/sepa/{batch.pk}/",
                f"/payments/sepa/{batch.pk}/file.xml",
                f"/payments/sepa/{batch.pk}/items/{item.pk}/reject/"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post(f"/payments/sepa/{batch.pk}/transmitted/").status_code == 404
    assert SepaBatch.objects.get().status == "prepared"
    menu = client.get("/customers/").content.decode()
    assert "/payments/sepa/" not in menu
    assert "/payments/sepa/" in client_for(direction).get("/customers/").content.decode()


def test_company_form_has_the_sepa_section(client_for, direction, company):
    client = client_for(direction)
    html = client.get("/settings/company/").content.decode()
    assert "Prélèvement SEPA" in html and "sepa_pain_version" in html


def test_command(company, direction, capsys):
    mandate_with_invoice(amount="100")
    day = collection_day().isoformat()
    call_command("sepa_batch", "--collection-date", day, "--dry-run")
    assert "1 prélèvement" in capsys.readouterr().out and not SepaBatch.objects.exists()
    call_command("sepa_batch", "--collection-date", day)
    out = capsys.readouterr().out
    batch = SepaBatch.objects.get()
    assert batch.item_count == 1 and batch.message_id in out
