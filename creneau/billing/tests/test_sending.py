"""Sending invoices by e-mail, against a real SMTP server (aiosmtpd): the Factur-X PDF
attached, `sent_at` recorded when the mail server accepted it, no recipient means "à
envoyer par courrier", and a mail server that is down loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.billing.sending import (
    invoice_emails,
    invoice_recipients_for,
    invoice_send,
    invoice_send_auto,
)
from creneau.billing.tests import sending_helpers
from creneau.billing.tests.sending_helpers import draft_invoice, issued_invoice
from creneau.core.models import AuditEvent, OutboxEmail
from creneau.core.services import email_send
from creneau.customers.models import InvoiceRecipient
from creneau.customers.tests.factories import ContactFactory, CustomerFactory

# The fixtures of the helpers module, used by name.
company = sending_helpers.company
invoice_pdf = sending_helpers.invoice_pdf
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def recipient(customer, group="A", **fields) -> InvoiceRecipient:
    return InvoiceRecipient.objects.create(customer=customer, billing_group=group, **fields)


# --- who receives it -------------------------------------------------------------------


@pytest.mark.django_db
def test_recipients_are_the_groups_then_the_customers_email_then_none(direction):
    customer = CustomerFactory(email="client@example.fr")
    invoice = draft_invoice(customer, direction, group="B")
    assert invoice_recipients_for(invoice) == ["client@example.fr"]
    contact = ContactFactory(customer=customer, email="compta@example.fr")
    recipient(customer, "B", contact=contact)
    recipient(customer, "B", email="dg@example.fr", for_invoices=False)  # reminders only
    recipient(customer, "A", email="autre-groupe@example.fr")
    recipient(customer, "B", email="COMPTA@example.fr")  # the same address, once
    assert invoice_recipients_for(invoice) == ["compta@example.fr"]
    nobody = CustomerFactory(email="")
    assert invoice_recipients_for(draft_invoice(nobody, direction)) == []


@pytest.mark.django_db
def test_a_draft_is_never_sent(direction, company, invoice_pdf):
    invoice = draft_invoice(CustomerFactory(email="client@example.fr"), direction)
    with pytest.raises(ValidationError) as refused:
        invoice_send(invoice=invoice, by=direction)
    assert "brouillon" in refused.value.messages[0]
    assert invoice_send_auto(invoice_id=invoice.pk) is None
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db
def test_without_any_address_the_invoice_is_to_be_posted(direction, company, invoice_pdf):
    invoice = issued_invoice(CustomerFactory(email=""), direction)
    assert invoice_send_auto(invoice_id=invoice.pk) is None
    invoice.refresh_from_db()
    assert invoice.needs_posting and invoice.sent_at is None
    assert not OutboxEmail.objects.exists()
    assert AuditEvent.objects.filter(
        object_type="invoice", message="Aucune adresse e-mail : à envoyer par courrier"
    ).exists()
    with pytest.raises(ValidationError) as refused:
        invoice_send(invoice=invoice, by=direction)
    assert "par courrier" in refused.value.message_dict["to"][0]


@pytest.mark.django_db
def test_an_automatic_send_goes_once_even_when_a_run_is_resumed(direction, company, invoice_pdf):
    customer = CustomerFactory(email="client@example.fr")
    recipient(customer, email="compta@example.fr")
    invoice = issued_invoice(customer, direction)
    email = invoice_send_auto(invoice_id=invoice.pk)
    assert email.to == ["compta@example.fr"]
    assert email.related_type == "invoice" and email.related_id == str(invoice.pk)
    assert email.subject == f"Facture {invoice.number} \N{EN DASH} Clair & Net Services"
    assert invoice_send_auto(invoice_id=invoice.pk) is None
    assert list(invoice_emails(invoice)) == [email]
    # By hand, it can always be sent again.
    again = invoice_send(invoice=invoice, by=direction, to=["autre@example.fr"])
    assert list(invoice_emails(invoice)) == [again, email]


@pytest.mark.django_db
def test_the_message_names_the_number_amount_and_due_date(direction, company, invoice_pdf):
    invoice = issued_invoice(CustomerFactory(email="client@example.fr"), direction)
    email = invoice_send(invoice=invoice, by=direction)
    assert f"facture n° {invoice.number} du {invoice.issue_date:%d/%m/%Y}" in email.body
    assert "96,00\xa0€ TTC" in email.body
    assert f"au plus tard le {invoice.due_date:%d/%m/%Y}" in email.body
    assert "Clair & Net Services" in email.body and "&amp;" not in email.body


# --- against the mail server ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_pdf_is_attached_and_sent_at_recorded_when_accepted(
    direction, company, invoice_pdf, smtp_server, settings
):
    settings.TASKS = IMMEDIATE
    customer = CustomerFactory(email="client@example.fr")
    invoice = issued_invoice(customer, direction)
    with transaction.atomic():
        email = invoice_send(invoice=invoice, by=direction)
    [message] = smtp_server.messages
    assert message["To"] == "client@example.fr"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == invoice_pdf.invoice_pdf_filename(invoice)
    assert attachment.get_filename().endswith(".pdf")
    content = attachment.get_payload(decode=True)
    assert content == invoice_pdf.invoice_pdf_document(invoice=Invoice.objects.get(pk=invoice.pk))
    assert content.startswith(b"%PDF")
    email.refresh_from_db()
    invoice.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert invoice.sent_at == email.sent_at
    history = list(
        AuditEvent.objects.filter(object_type="invoice", object_id=str(invoice.pk))
        .order_by("id")
        .values_list("message", flat=True)
    )
    assert history[-2:] == [
        "E-mail mis en file d'envoi pour client@example.fr",
        "E-mail parti vers client@example.fr (accepté par le serveur d'envoi)",
    ]


@pytest.mark.django_db(transaction=True)
def test_smtp_down_during_sending_loses_nothing(
    direction, company, invoice_pdf, smtp_server, settings
):
    """A run's invoices sent while the mail server is down: each e-mail waits in the
    outbox, nothing is marked sent; when the server is back, each one arrives once and
    every invoice records when."""
    settings.TASKS = IMMEDIATE
    settings.OUTBOX_RETRY_MINUTES = [1, 5]
    invoices = []
    for number in range(4):
        customer = CustomerFactory(email=f"client{number}@example.fr")
        invoices.append(issued_invoice(customer, direction))
    smtp_server.stop()
    emails = [invoice_send_auto(invoice_id=invoice.pk) for invoice in invoices]
    assert all(email is not None for email in emails)
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"retrying"}
    assert not Invoice.objects.filter(sent_at__isnull=False).exists()

    smtp_server.start()
    OutboxEmail.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    call_command("send_outbox", grace=0, verbosity=0)

    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
    counts = smtp_server.message_id_counts()
    assert sorted(counts) == sorted(email.message_id_header for email in emails)
    assert set(counts.values()) == {1}, "an e-mail arrived twice"
    for invoice, email in zip(invoices, emails, strict=True):
        invoice.refresh_from_db()
        email.refresh_from_db()
        assert invoice.sent_at == email.sent_at is not None
    received = sorted(message["To"] for message in smtp_server.messages)
    assert received == [f"client{number}@example.fr" for number in range(4)]
    for message in smtp_server.messages:
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename().endswith(".pdf")


@pytest.mark.django_db
def test_a_rolled_back_send_queues_nothing(direction, company, invoice_pdf):
    invoice = issued_invoice(CustomerFactory(email="client@example.fr"), direction)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_send(invoice=invoice, by=direction)
        raise RuntimeError
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db
def test_a_second_email_keeps_the_first_sent_at(direction, company, invoice_pdf, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    invoice = issued_invoice(CustomerFactory(email="client@example.fr"), direction)
    first = invoice_send(invoice=invoice, by=direction)
    assert email_send(email_id=first.pk) == OutboxEmail.Status.SENT
    first.refresh_from_db()
    second = invoice_send(invoice=invoice, by=direction)
    assert email_send(email_id=second.pk) == OutboxEmail.Status.SENT
    invoice.refresh_from_db()
    assert invoice.sent_at == first.sent_at


# --- the page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_send_page_prefills_the_recipients_and_sends(
    direction, company, invoice_pdf, client_for
):
    customer = CustomerFactory(email="client@example.fr")
    ContactFactory(customer=customer, email="autre@example.fr", name="Zoé Autre")
    recipient(customer, email="compta@example.fr")
    invoice = issued_invoice(customer, direction)
    url = reverse("billing:send", args=[invoice.pk])
    assert url == f"/invoices/{invoice.pk}/send/"
    client = client_for(direction)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["recipients"] == ["compta@example.fr"]
    html = page.content.decode()
    assert "compta@example.fr" in html and "autre@example.fr" in html
    assert f"Facture {invoice.number} \N{EN DASH} Clair &amp; Net Services" in html
    response = client.post(
        url,
        {
            "recipients": ["compta@example.fr"],
            "other": "dg@example.fr",
            "subject": "Votre facture",
            "message": "Bonjour",
        },
    )
    assert response.status_code == 302
    email = OutboxEmail.objects.get()
    assert email.to == ["compta@example.fr", "dg@example.fr"]
    assert email.subject == "Votre facture" and email.related_id == str(invoice.pk)


@pytest.mark.django_db
def test_the_send_page_shows_errors_at_the_field(direction, company, invoice_pdf, client_for):
    invoice = issued_invoice(CustomerFactory(email=""), direction)
    url = reverse("billing:send", args=[invoice.pk])
    response = client_for(direction).post(
        url, {"other": "pas-une-adresse", "subject": "Facture", "message": "Bonjour"}
    )
    assert response.status_code == 200
    assert "n'est pas une adresse e-mail valide" in response.context["form"].errors["other"][0]
    empty = client_for(direction).post(url, {"subject": "Facture", "message": "Bonjour"})
    assert "par courrier" in empty.context["form"].errors["other"][0]
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db
def test_who_may_open_the_send_page(
    direction, rep, other_rep, planner, accountant, company, invoice_pdf, client_for
):
    invoice = issued_invoice(CustomerFactory(sales_rep=rep, email="c@example.fr"), direction)
    url = reverse("billing:send", args=[invoice.pk])
    assert client_for(accountant).get(url).status_code == 200
    assert client_for(rep).get(url).status_code == 403  # reads it, may not send it
    assert client_for(other_rep).get(url).status_code == 404
    assert client_for(planner).get(url).status_code == 404
    assert client_for(rep).post(url, {"subject": "x", "message": "y"}).status_code == 403
    draft = draft_invoice(invoice.customer, direction)
    response = client_for(direction).get(reverse("billing:send", args=[draft.pk]))
    assert response.status_code == 302
    assert not OutboxEmail.objects.exists()
