"""The customer statement on the record's "Factures et règlements" tab: its form, the PDF
download, the e-mail to the reminder recipients through the outbox (to a real SMTP
server), and who may do what."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from creneau.billing.tests.factories import issued_invoice
from creneau.billing.tests.facturx_fixtures import company_with_identity, pdf_text
from creneau.core.models import AuditEvent, OutboxEmail
from creneau.customers.models import InvoiceRecipient
from creneau.customers.tests.factories import ContactFactory, CustomerFactory
from creneau.payments.statement_sending import statement_recipients_for, statement_send
from creneau.payments.tests.test_statement import invoice_on, pay_on

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PERIOD = {"start": "2025-01-01", "end": "2025-03-31"}


def htmx() -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": "record-pane"}


@pytest.fixture
def customer(rep):
    customer = CustomerFactory(
        name="Syndic Horizon", code="C00042", sales_rep=rep, email="accueil@horizon.fr"
    )
    invoice = invoice_on(customer, date(2025, 1, 5), "200", due=date(2025, 2, 4))
    pay_on(customer, date(2025, 2, 1), "50", reference="VIR-FEV")
    customer.statement_invoice = invoice  # the invoice of the period, for the assertions
    return customer


def recipient(customer, group: str, *, reminders: bool = True, invoices: bool = True, **fields):
    return InvoiceRecipient.objects.create(
        customer=customer, billing_group=group, for_reminders=reminders, for_invoices=invoices,
        **fields,
    )  # fmt: skip


def statement_url(customer, suffix: str = "") -> str:
    return f"/payments/customer/{customer.pk}/statement{suffix}"


# --- the tab and the download -------------------------------------------------------------


def test_the_tab_offers_the_statement_with_its_recipients(customer, accountant, client_for):
    recipient(customer, "B", email="compta@horizon.fr")
    html = (
        client_for(accountant)
        .get(f"/payments/customer/{customer.pk}/", headers=htmx())
        .content.decode()
    )
    assert 'id="statement-toggle"' in html and "Relevé de compte" in html
    assert f'action="{statement_url(customer, ".pdf")}"' in html
    assert 'name="start"' in html and 'name="end"' in html
    assert "Envoyer par e-mail" in html
    assert "Envoi par e-mail à : compta@horizon.fr" in html


def test_a_sales_rep_downloads_but_does_not_send(customer, rep, client_for):
    html = (
        client_for(rep).get(f"/payments/customer/{customer.pk}/", headers=htmx()).content.decode()
    )
    assert 'id="statement-download"' in html and 'id="statement-send"' not in html
    response = client_for(rep).get(statement_url(customer, ".pdf"), PERIOD)
    assert response.status_code == 200
    response = client_for(rep).post(statement_url(customer, "/send/"), PERIOD, headers=htmx())
    assert response.status_code == 403
    assert not OutboxEmail.objects.exists()


def test_the_pdf_is_downloaded_with_the_lines_of_the_period(customer, direction, client_for):
    company_with_identity()
    response = client_for(direction).get(statement_url(customer, ".pdf"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    filename = "releve-c00042-syndic-horizon-2025-01-01-2025-03-31.pdf"
    assert filename in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert f"Facture {customer.statement_invoice.number}" in text
    assert "VIR-FEV" in text and "du 01/01/2025 au 31/03/2025" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-03-01", "end": "2025-02-01"}, "La fin de la période ne peut précéder"),
        ({"start": "2025-02-30", "end": "2025-03-01"}, "Saisissez une date valide"),
        ({"start": "1990-01-01", "end": "1990-02-01"}, "de 2000 à 2099"),
        ({"start": "2010-01-01", "end": "2025-02-01"}, "5 ans au plus"),
        ({"start": "x" * 5000, "end": ""}, "Saisissez une date valide"),
    ],
)
def test_a_bad_period_shows_the_form_again_at_the_field(
    customer, direction, client_for, query, message
):
    response = client_for(direction).get(statement_url(customer, ".pdf"), query)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert message in html and "is-invalid" in html
    assert 'id="statement-form"' in html


def test_empty_dates_take_the_year_to_today(customer, direction, client_for):
    response = client_for(direction).get(statement_url(customer, ".pdf"), {"start": "", "end": ""})
    assert response.status_code == 200
    assert "Relevé de compte du 01/01/" in pdf_text(response.content)


def test_the_statement_page_has_the_form(customer, accountant, client_for):
    response = client_for(accountant).get(statement_url(customer, "/"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="statement-form"' in html and "Retour à la fiche" in html


def test_who_sees_no_payments_gets_404(customer, planner, other_rep, client_for):
    for user in (planner, other_rep):
        client = client_for(user)
        assert client.get(statement_url(customer, ".pdf"), PERIOD).status_code == 404
        assert client.get(statement_url(customer, "/")).status_code == 404
        assert client.post(statement_url(customer, "/send/"), PERIOD).status_code == 404
    assert not OutboxEmail.objects.exists()


def test_the_tab_query_count_stays_flat_with_recipients(customer, direction, client_for):
    client = client_for(direction)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(f"/payments/customer/{customer.pk}/", headers=htmx())
        assert response.status_code == 200
        return len(context)

    few = queries()
    for group in "ABCDEF":
        recipient(customer, group, contact=ContactFactory(customer=customer))
        issued_invoice(customer=customer)
    assert queries() == few


def test_the_download_query_count_is_flat(customer, direction, client_for):
    client = client_for(direction)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(statement_url(customer, ".pdf"), PERIOD).status_code == 200
        return len(context)

    client.get(statement_url(customer, ".pdf"), PERIOD)  # the company row cached, fonts read
    few = queries()
    for day in range(1, 10):
        invoice_on(customer, date(2025, 3, day))
        pay_on(customer, date(2025, 3, day), "7")
    assert queries() == few


# --- the e-mail ---------------------------------------------------------------------------


def test_recipients_are_every_groups_reminder_recipients_else_the_customers_email(customer):
    assert statement_recipients_for(customer) == ["accueil@horizon.fr"]
    recipient(customer, "B", email="syndic@horizon.fr")
    recipient(customer, "A", email="Compta@horizon.fr")
    recipient(customer, "A", email="factures@horizon.fr", reminders=False)
    recipient(customer, "C", email="compta@horizon.fr")  # the same address, once
    contact = ContactFactory(customer=customer, email="gerant@horizon.fr")
    recipient(customer, "C", contact=contact)
    assert statement_recipients_for(customer) == [
        "Compta@horizon.fr",
        "syndic@horizon.fr",
        "gerant@horizon.fr",
    ]


def test_without_any_address_nothing_is_queued_and_the_user_is_told(accountant, client_for):
    customer = CustomerFactory(email="")
    recipient(customer, "A", email="factures@client.fr", reminders=False)
    client = client_for(accountant)
    tab = client.get(f"/payments/customer/{customer.pk}/", headers=htmx()).content.decode()
    assert "Aucun destinataire de relances ni adresse e-mail" in tab
    response = client.post(statement_url(customer, "/send/"), PERIOD, headers=htmx())
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="statement-error"' in html
    assert "ni destinataire de relances ni adresse e-mail. Ajoutez un destinataire" in html
    assert not OutboxEmail.objects.exists()
    response = client.post(statement_url(customer, "/send/"), PERIOD)  # without htmx
    assert response.status_code == 200
    assert "ni destinataire de relances" in response.content.decode()


def test_a_bad_period_sends_nothing(customer, accountant, client_for):
    bad = {"start": "2025-03-01", "end": "2025-01-01"}
    response = client_for(accountant).post(statement_url(customer, "/send/"), bad, headers=htmx())
    assert response.status_code == 200
    assert "ne peut précéder" in response.content.decode()
    assert not OutboxEmail.objects.exists()


def test_sending_queues_one_email_with_the_pdf(customer, accountant, client_for):
    company_with_identity()
    recipient(customer, "A", email="compta@horizon.fr")
    recipient(customer, "B", contact=ContactFactory(customer=customer, email="gerant@horizon.fr"))
    response = client_for(accountant).post(
        statement_url(customer, "/send/"), PERIOD, headers=htmx()
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "mis en file d'envoi pour compta@horizon.fr, gerant@horizon.fr" in html
    email = OutboxEmail.objects.get()
    assert email.to == ["compta@horizon.fr", "gerant@horizon.fr"]
    assert email.customer_id == customer.pk and email.created_by == accountant
    subject = "Relevé de compte du 01/01/2025 au 31/03/2025 \u2013 Clair & Net Services"
    assert email.subject == subject
    assert "Solde restant dû au 31/03/2025 : 190,00\u00a0€." in email.body
    [attachment] = email.attachments.all()
    assert attachment.mimetype == "application/pdf"
    assert attachment.filename == "releve-c00042-syndic-horizon-2025-01-01-2025-03-31.pdf"
    with attachment.file.open("rb") as handle:
        assert "VIR-FEV" in pdf_text(handle.read())
    assert AuditEvent.objects.filter(
        customer_id=customer.pk, message__startswith="Relevé de compte du 01/01/2025"
    ).exists()


def test_without_htmx_the_send_returns_to_the_record(customer, accountant, client_for):
    client = client_for(accountant)
    response = client.post(statement_url(customer, "/send/"), PERIOD)
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/?tab=invoices"
    page = client.get(response["Location"]).content.decode()
    assert "Relevé de compte envoyé à accueil@horizon.fr." in page


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_receives_the_statement_once(rep, accountant, smtp_server, settings):
    settings.TASKS = IMMEDIATE
    company_with_identity()
    customer = CustomerFactory(name="Syndic Horizon", code="C00042", sales_rep=rep, email="")
    invoice_on(customer, date(2025, 1, 5), "200", due=date(2025, 2, 4))
    recipient(customer, "A", email="compta@horizon.fr")
    recipient(customer, "B", email="syndic@horizon.fr")
    with transaction.atomic():
        email = statement_send(
            customer=customer, start=date(2025, 1, 1), end=date(2025, 3, 31), by=accountant
        )
    [message] = smtp_server.messages
    assert message["To"] == "compta@horizon.fr, syndic@horizon.fr"
    assert "Relevé de compte du 01/01/2025 au 31/03/2025" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().startswith("releve-c00042-")
    text = pdf_text(attachment.get_payload(decode=True))
    assert "Relevé de compte" in text and "Solde au 31/03/2025" in text
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
