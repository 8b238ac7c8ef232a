"""The tax certificates' page and API: the list and its query count, generating, sending,
regenerating, printing all, the exclusions page, the API's fields and 422s in French, and
the roles (a 404 for sales reps and planners)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from creneau.accounting.models import TaxCertificate
from creneau.accounting.tax_certificate_services import (
    tax_certificate_pdfs_render,
    tax_certificates_generate,
)
from creneau.accounting.tests.tax_certificate_data import (
    AMOUNT_PAID,
    CESU,
    YEAR,
    dated,
    line,
    make_invoice,
    pay,
    with_visits,
    worked_example,
)
from creneau.billing.tests.facturx_fixtures import euros, pdf_text
from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db
# A literal: reversing at import would read the URLs before pytest-django turns DEBUG off.
LIST = "/accounting/tax-certificates/"


@pytest.fixture
def example():
    example = worked_example()
    with_visits(example)
    return example


def generated() -> TaxCertificate:
    tax_certificates_generate(year=YEAR, by=None)
    tax_certificate_pdfs_render(year=YEAR)
    return TaxCertificate.objects.get(year=YEAR)


def more_customers(example, count: int) -> None:
    for index in range(count):
        customer = CustomerFactory(name=f"Client {index:02d}", email="")
        SiteFactory(customer=customer)
        invoice = make_invoice(customer, None, [line(example["home_help"], "1")])
        pay(customer, dated(invoice, invoice.issue_date.replace(year=YEAR)).issue_date, "33.00",
            invoice)  # fmt: skip


def test_generate_from_the_page_then_the_list(
    example, client_for, accountant, django_capture_on_commit_callbacks
):
    client = client_for(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounting:tax_certificates_generate"), {"year": "2025"})
    assert response.status_code == 302 and "year=2025" in response["Location"]
    certificate = TaxCertificate.objects.get()
    assert certificate.amount_paid == AMOUNT_PAID and not certificate.pdf
    # The PDFs are left to the task worker.
    assert DBTaskResult.objects.filter(task_path__endswith="render_tax_certificate_pdfs").exists()
    page = client.get(LIST, {"year": "2025"}).content.decode()
    assert "Jeanne Martin" in page and euros("392,26") in page and euros("36,74") in page
    assert "6,75" in page and "À envoyer" in page and "PDF en préparation" in page
    # A PDF asked for before the worker made it is made at once.
    response = client.get(reverse("accounting:tax_certificate_pdf", args=[certificate.pk]))
    assert response.status_code == 200 and euros("392,26") in pdf_text(response.content)


def test_the_list_page_query_count_is_flat(example, client_for, direction,
                                            django_assert_max_num_queries):  # fmt: skip
    more_customers(example, 30)
    generated_count = tax_certificates_generate(year=YEAR, by=None).created
    assert generated_count == 31
    client = client_for(direction)
    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"year": "2025"})
    assert response.status_code == 200
    assert "pas d'e-mail" in response.content.decode()


def test_send_one_and_send_all(example, client_for, accountant, django_capture_on_commit_callbacks):
    certificate = generated()
    client = client_for(accountant)
    response = client.post(reverse("accounting:tax_certificate_send", args=[certificate.pk]))
    assert response.status_code == 302
    email = OutboxEmail.objects.get()
    assert email.to == ["jeanne.martin@example.fr"] and email.attachments.count() == 1
    certificate.refresh_from_db()
    assert certificate.status == TaxCertificate.Status.SENT
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounting:tax_certificates_send"), {"year": "2025"})
    assert response.status_code == 302  # nothing left to send: no task
    assert not DBTaskResult.objects.filter(task_path__endswith="send_tax_certificates").exists()


def test_regenerate_after_sending_shows_the_change(example, client_for, direction):
    certificate = generated()
    client = client_for(direction)
    client.post(reverse("accounting:tax_certificate_send", args=[certificate.pk]))
    customer = example["customer"]
    from datetime import date

    extra = dated(make_invoice(customer, None, [line(example["home_help"], "1")]), date(2025, 9, 1))
    pay(customer, date(2025, 9, 2), "33.00", extra)
    client.post(reverse("accounting:tax_certificate_regenerate", args=[certificate.pk]))
    certificate.refresh_from_db()
    assert certificate.status == TaxCertificate.Status.DRAFT
    assert certificate.sent_amount_paid == AMOUNT_PAID
    page = client.get(LIST, {"year": "2025"}).content.decode()
    assert "modifiée depuis l" in page and euros("425,26") in page
    sent = client.get(
        reverse("accounting:tax_certificate_pdf", args=[certificate.pk]), {"version": "sent"}
    )
    assert euros("392,26") in pdf_text(sent.content)


def test_print_all_in_one_pdf(example, client_for, accountant):
    more_customers(example, 2)
    tax_certificates_generate(year=YEAR, by=None)
    response = client_for(accountant).get(reverse("accounting:tax_certificates_print"),
                                          {"year": "2025"})  # fmt: skip
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert text.count("Attestation fiscale") >= 3
    assert "Jeanne Martin" in text and "Client 01" in text


def test_the_exclusions_page(example, client_for, accountant):
    unpaid = CustomerFactory(name="Zoé Impayé")
    SiteFactory(customer=unpaid)
    from datetime import date

    dated(make_invoice(unpaid, None, [line(example["home_help"], "1")]), date(2025, 4, 1))
    page = client_for(accountant).get(
        reverse("accounting:tax_certificates_exclusions"), {"year": "2025"}
    )
    assert page.status_code == 200
    assert "Zoé Impayé" in page.content.decode()
    assert "Rien de réglé dans l" in page.content.decode()


def test_a_bad_year_on_the_page(example, client_for, direction):
    client = client_for(direction)
    response = client.get(LIST, {"year": "2999"})
    assert response.status_code == 200 and "Année hors limites" in response.content.decode()
    response = client.post(
        reverse("accounting:tax_certificates_generate"), {"year": "2999"}, follow=True
    )
    assert "Année hors limites" in response.content.decode()
    assert not TaxCertificate.objects.exists()


# An intervenant is kept to its own pages by the middleware (403) before any view.
@pytest.mark.parametrize(
    ("role", "status"), [("rep", 404), ("planner", 404), ("field_worker", 403)]
)
def test_other_roles_get_404_everywhere(example, client_for, role, status, request):
    certificate = generated()
    client = client_for(request.getfixturevalue(role))
    pk = certificate.pk
    for name, args in [
        ("tax_certificates", []), ("tax_certificates_exclusions", []),
        ("tax_certificates_print", []), ("tax_certificate_pdf", [pk]),
    ]:  # fmt: skip
        assert client.get(reverse(f"accounting:{name}", args=args)).status_code == status
    for name, args in [
        ("tax_certificates_generate", []), ("tax_certificates_send", []),
        ("tax_certificate_send", [pk]), ("tax_certificate_regenerate", [pk]),
    ]:  # fmt: skip
        response = client.post(reverse(f"accounting:{name}", args=args), {"year": "2025"})
        assert response.status_code == status
    assert not OutboxEmail.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]


# API -------------------------------------------------------------------------------------


def test_api_generate_list_read_pdf_send(example, api_for, accountant):
    api = api_for(accountant)
    response = api.post("/api/v1/tax-certificates", {"year": 2025})
    assert response.status_code == 201
    body = response.json()
    assert (body["generated"], body["created"], body["excluded"]) == (1, 1, [])
    listed = api.get("/api/v1/tax-certificates", {"year": 2025}).json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert item == {
        "id": item["id"], "customer_id": example["customer"].pk, "year": 2025,
        "amount_paid": f"{AMOUNT_PAID}", "cesu_prefinanced": f"{CESU}", "hours": "6.75",
        "employees": [{"name": "Alice Durand", "hours": "5.50"},
                      {"name": "Bruno Petit", "hours": "1.25"}],
        "status": "draft", "sent_at": None, "sent_amount_paid": None,
    }  # fmt: skip
    by_customer = api.get("/api/v1/tax-certificates", {"customer_id": example["customer"].pk})
    assert by_customer.json()["count"] == 1
    detail = api.get(f"/api/v1/tax-certificates/{item['id']}").json()
    assert detail["amount_paid"] == "392.26"
    pdf = api.get(f"/api/v1/tax-certificates/{item['id']}/pdf")
    assert pdf["Content-Type"] == "application/pdf" and euros("392,26") in pdf_text(pdf.content)
    sent = api.post(f"/api/v1/tax-certificates/{item['id']}/send")
    assert sent.status_code == 200 and sent.json()["to"] == ["jeanne.martin@example.fr"]
    assert api.get(f"/api/v1/tax-certificates/{item['id']}").json()["status"] == "sent"


def test_api_excluded_and_unreachable(example, api_for, direction):
    lonely = CustomerFactory(name="Yves Sansmail", email="")
    SiteFactory(customer=lonely)
    invoice = make_invoice(lonely, None, [line(example["home_help"], "1")])
    from datetime import date

    pay(lonely, dated(invoice, date(2025, 2, 1)).issue_date, "33.00", invoice)
    unpaid = CustomerFactory(name="Zoé Impayé")
    SiteFactory(customer=unpaid)
    dated(make_invoice(unpaid, None, [line(example["home_help"], "1")]), date(2025, 4, 1))
    api = api_for(direction)
    body = api.post("/api/v1/tax-certificates", {"year": 2025}).json()
    assert body["excluded"] == [
        {"customer_id": unpaid.pk, "customer_name": "Zoé Impayé", "reason": "nothing_paid"}
    ]
    certificate = TaxCertificate.objects.get(customer=lonely)
    response = api.post(f"/api/v1/tax-certificates/{certificate.pk}/send")
    assert response.status_code == 422
    assert "Aucune adresse e-mail" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"year": 2999}, "year", "Année hors limites : de 2000 à"),
        ({"year": 1999}, "year", "Année hors limites : de 2000 à"),
        ({"year": 2025, "send": True}, "send", "Champ inconnu."),
    ],
)
def test_api_422_in_french(example, api_for, direction, payload, field, message):
    response = api_for(direction).post("/api/v1/tax-certificates", payload)
    assert response.status_code == 422
    errors = {error["field"]: error["msg"] for error in response.json()["detail"]}
    assert message in errors[field]
    assert not TaxCertificate.objects.exists()


def test_api_list_bad_year_is_422(api_for, direction):
    response = api_for(direction).get("/api/v1/tax-certificates", {"year": 2999})
    assert response.status_code == 422


def test_api_404_for_other_roles(example, api_for, rep, planner):
    certificate = generated()
    for user in (rep, planner):
        api = api_for(user)
        assert api.post("/api/v1/tax-certificates", {"year": 2025}).status_code == 404
        assert api.get("/api/v1/tax-certificates").status_code == 404
        assert api.get(f"/api/v1/tax-certificates/{certificate.pk}").status_code == 404
        assert api.get(f"/api/v1/tax-certificates/{certificate.pk}/pdf").status_code == 404
        assert api.post(f"/api/v1/tax-certificates/{certificate.pk}/send").status_code == 404
    assert not OutboxEmail.objects.exists()
    assert certificate.amount_paid == Decimal("392.26")


def test_the_progress_line_polls_until_the_pdfs_are_made(
    example, client_for, accountant, django_assert_max_num_queries
):
    tax_certificates_generate(year=YEAR, by=None)
    client = client_for(accountant)
    headers = {"HX-Request": "true", "HX-Target": "certificates-progress"}
    with django_assert_max_num_queries(4):  # session, user, the totals
        response = client.get(LIST, {"year": "2025"}, headers=headers)
    text = response.content.decode()
    assert "PDF en préparation : 1 sur 1" in text and 'hx-trigger="every 3s"' in text
    assert "<table" not in text
    tax_certificate_pdfs_render(year=YEAR)
    text = client.get(LIST, {"year": "2025"}, headers=headers).content.decode()
    assert "hx-trigger" not in text and "1 attestation prête, 392,26" in text


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_makes_the_pdfs_then_sends(accountant, client_for):
    """Générer then Envoyer from the page, the task worker doing the PDFs and the sending."""
    import signal

    from django.core.management import call_command

    worked_example()

    def work() -> None:
        saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
        finally:
            for signum, handler in saved.items():
                signal.signal(signum, handler)

    client = client_for(accountant)
    client.post(reverse("accounting:tax_certificates_generate"), {"year": "2025"})
    assert not TaxCertificate.objects.get().pdf
    work()
    assert TaxCertificate.objects.get().pdf
    client.post(reverse("accounting:tax_certificates_send"), {"year": "2025"})
    work()
    certificate = TaxCertificate.objects.get()
    assert certificate.status == TaxCertificate.Status.SENT
    assert OutboxEmail.objects.get().to == ["jeanne.martin@example.fr"]
