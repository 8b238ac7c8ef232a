"""Sending invoices and credit notes by e-mail, through the outbox, with their Factur-X
PDF attached: to the billing group's recipients, else to the customer's own address, else
nowhere (the invoice is flagged "à envoyer par courrier").

An e-mail is written to the outbox in the caller's transaction and leaves after commit; a
mail server that is down delays it (the outbox retries), it never loses it. The invoice
records `sent_at` when the mail server has accepted its first e-mail
(invoice_email_sent, registered in apps.py). A draft is never sent.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from creneau.billing import documents
from creneau.billing.models import Invoice
from creneau.core.models import AuditEvent, Company, OutboxEmail
from creneau.core.params import parse_id
from creneau.core.services import audit_record, email_queue
from creneau.customers.models import InvoiceRecipient

# An invoice goes to its customer's accounting and a few colleagues, not to a list.
MAX_RECIPIENTS = 10


def invoice_recipients_for(invoice: Invoice) -> list[str]:
    """Where the invoice goes: its billing group's recipients for invoices, else the
    customer's own e-mail, else nowhere (an empty list: it must be posted)."""
    recipients = InvoiceRecipient.objects.filter(
        customer_id=invoice.customer_id,
        billing_group=invoice.billing_group,
        for_invoices=True,
    ).select_related("contact")
    addresses: list[str] = []
    for recipient in recipients.order_by("id"):
        address = (recipient.address or "").strip()
        if address and address.lower() not in {known.lower() for known in addresses}:
            addresses.append(address)
    if addresses:
        return addresses
    email = (invoice.customer.email or "").strip()
    return [email] if email else []


def invoice_email_defaults(*, invoice: Invoice, by: User | None) -> tuple[str, str]:
    """The subject and message proposed for an invoice's e-mail (the user may change them)."""
    context = {
        "invoice": invoice,
        "customer": invoice.customer,
        "company": Company.load(),
        "sender": by if by is not None and by.is_authenticated else None,
    }
    with translation.override("fr"):
        subject = render_to_string("billing/email/invoice_subject.txt", context)
        body = render_to_string("billing/email/invoice_body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def _ensure_sendable(invoice: Invoice) -> None:
    if invoice.is_draft:
        raise ValidationError(
            _("Une facture en brouillon ne s'envoie pas : émettez-la d'abord."), code="draft"
        )


def _pdf_attachment(invoice: Invoice) -> tuple[str, bytes, str]:
    # The Factur-X PDF, as issued (documents.py renders and stores it once).
    content = documents.invoice_pdf_document(invoice=invoice)
    return (documents.invoice_pdf_filename(invoice), content, "application/pdf")


def invoice_send(
    *,
    invoice: Invoice,
    by: User | None,
    to: list[str] | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> OutboxEmail:
    """Queue one e-mail of an issued invoice (or credit note) with its Factur-X PDF: to the
    given addresses, or to invoice_recipients_for(). Refused for a draft, and when there
    is no address (the invoice is then to be posted)."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("customer").get(pk=invoice.pk)
        _ensure_sendable(locked)
        recipients = invoice_recipients_for(locked) if to is None else list(to)
        if not [address for address in recipients if (address or "").strip()]:
            raise ValidationError(
                {"to": _("Aucune adresse e-mail pour cette facture : envoyez-la par courrier.")},
                code="no_recipient",
            )
        if len(recipients) > MAX_RECIPIENTS:
            raise ValidationError(
                {
                    "to": _("Une facture s'envoie à %(limit)s adresses au plus.")
                    % {"limit": MAX_RECIPIENTS}
                },
                code="too_many_recipients",
            )
        default_subject, default_body = invoice_email_defaults(invoice=locked, by=by)
        email = email_queue(
            to=recipients,
            subject=(subject or "").strip() or default_subject,
            body=(body or "").strip() or default_body,
            attachments=[_pdf_attachment(locked)],
            by=by,
            customer_id=locked.customer_id,
            related=locked,
        )
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            customer=locked.customer,
            message=_("E-mail mis en file d'envoi pour %(to)s") % {"to": ", ".join(email.to)},
        )
    return email


def invoice_send_auto(*, invoice_id: int) -> OutboxEmail | None:
    """After a billing run with "Envoyer": send an issued invoice to its recipients, or
    flag it "à envoyer par courrier" when it has none. Once: an invoice that already has
    an e-mail (a resumed run) is not sent again. Returns the e-mail, or None."""
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update()
            .select_related("customer")
            .filter(pk=invoice_id)
            .exclude(status=Invoice.Status.DRAFT)
            .first()
        )
        if invoice is None or invoice_emails(invoice).exists():
            return None
        if not invoice_recipients_for(invoice):
            Invoice.objects.filter(pk=invoice.pk).update(needs_posting=True)
            audit_record(
                by=None,
                action=AuditEvent.Action.OTHER,
                instance=invoice,
                customer=invoice.customer,
                message=_("Aucune adresse e-mail : à envoyer par courrier"),
            )
            return None
        return invoice_send(invoice=invoice, by=None)


def invoice_emails(invoice: Invoice):
    """The e-mails of an invoice, newest first (what its page lists)."""
    return OutboxEmail.objects.filter(
        related_type=Invoice._meta.model_name, related_id=str(invoice.pk)
    ).order_by("-created_at", "-id")


def invoice_email_sent(email: OutboxEmail) -> None:
    """The outbox's word that an invoice's e-mail has left (the mail server accepted it),
    in the transaction that marks the e-mail sent: `sent_at` is when the first one left,
    the invoice no longer needs posting, and the history says to whom."""
    invoice = (
        Invoice.objects.filter(pk=parse_id(email.related_id) or 0)
        .select_related("customer")
        .first()
    )
    if invoice is None:
        return
    Invoice.objects.filter(pk=invoice.pk, sent_at__isnull=True).update(sent_at=email.sent_at)
    Invoice.objects.filter(pk=invoice.pk, needs_posting=True).update(needs_posting=False)
    audit_record(
        by=email.created_by,
        action=AuditEvent.Action.OTHER,
        instance=invoice,
        customer=invoice.customer,
        message=_("E-mail parti vers %(to)s (accepté par le serveur d'envoi)")
        % {"to": ", ".join([*email.to, *email.cc])},
    )
