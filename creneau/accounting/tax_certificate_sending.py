"""Sending the tax certificates by e-mail, through the outbox, their PDF attached: to the
customer's own address, else to its invoice recipients, else nowhere (printed and posted).

Sending keeps a copy of what was sent (`sent_pdf`, `sent_amount_paid`, `sent_at`): a
certificate generated again later leaves that copy as it was.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from creneau.accounting.models import TaxCertificate
from creneau.accounting.print.tax_certificate import tax_certificate_filename
from creneau.accounting.tax_certificate_services import tax_certificate_pdf
from creneau.core.models import AuditEvent, Company, OutboxEmail
from creneau.core.services import audit_record, email_queue
from creneau.customers.models import Customer, InvoiceRecipient

logger = logging.getLogger(__name__)
MAX_RECIPIENTS = 10


def recipients_by_customer(customers: list[Customer]) -> dict[int, list[str]]:
    """customer id -> addresses: its own e-mail, else its invoice recipients (each
    address once), else none. One query for the customers without an e-mail."""
    found: dict[int, list[str]] = {}
    without = []
    for customer in customers:
        email = (customer.email or "").strip()
        if email:
            found[customer.pk] = [email]
        else:
            found[customer.pk] = []
            without.append(customer.pk)
    for index in range(0, len(without), 900):
        rows = (
            InvoiceRecipient.objects.filter(customer_id__in=without[index : index + 900])
            .filter(for_invoices=True)
            .select_related("contact")
            .order_by("customer_id", "billing_group", "id")
        )
        for recipient in rows:
            address = (recipient.address or "").strip()
            addresses = found[recipient.customer_id]
            if address and address.lower() not in {known.lower() for known in addresses}:
                addresses.append(address)
    return {pk: addresses[:MAX_RECIPIENTS] for pk, addresses in found.items()}


def tax_certificate_recipients(customer: Customer) -> list[str]:
    return recipients_by_customer([customer])[customer.pk]


def _email_text(certificate: TaxCertificate) -> tuple[str, str]:
    context = {"certificate": certificate, "company": Company.load()}
    with translation.override("fr"):
        subject = render_to_string("accounting/certificates_email_subject.txt", context)
        body = render_to_string("accounting/certificates_email_body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def tax_certificate_send(
    *, certificate: TaxCertificate, by: User | None, recipients: list[str] | None = None
) -> OutboxEmail:
    """Queue the certificate's current version to its customer, PDF attached, and keep
    it as the sent version. Refused, in French, without any address."""
    customer = certificate.customer
    if recipients is None:
        recipients = tax_certificate_recipients(customer)
    if not recipients:
        raise ValidationError(
            _(
                "Aucune adresse e-mail : ce client n'a ni e-mail ni destinataire de "
                "facturation. Imprimez l'attestation pour la poster."
            ),
            code="no_recipient",
        )
    pdf = tax_certificate_pdf(certificate)  # made before the transaction if missing
    filename = tax_certificate_filename(year=certificate.year, customer=customer)
    subject, body = _email_text(certificate)
    with transaction.atomic():
        email = email_queue(
            to=recipients,
            subject=subject,
            body=body,
            attachments=[(filename, pdf, "application/pdf")],
            by=by,
            customer_id=customer.pk,
            related=certificate,
        )
        old_sent = certificate.sent_pdf.name if certificate.sent_pdf else ""
        sent_name = filename.replace(".pdf", "-envoyee.pdf")
        certificate.sent_pdf.save(sent_name, ContentFile(pdf), save=False)
        certificate.sent_amount_paid = certificate.amount_paid
        certificate.sent_at = timezone.now()
        certificate.status = TaxCertificate.Status.SENT
        certificate.save(update_fields=["sent_pdf", "sent_amount_paid", "sent_at", "status"])
        if old_sent and old_sent != certificate.sent_pdf.name:
            name = old_sent
            transaction.on_commit(lambda: certificate.sent_pdf.storage.delete(name))
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=certificate,
            customer=customer,
            message=_("Attestation fiscale %(year)s mise en file d'envoi pour %(to)s")
            % {"year": certificate.year, "to": ", ".join(email.to)},
        )
    return email


def tax_certificates_send_year(*, year: int, by: User | None) -> tuple[int, int, int]:
    """Send every certificate of `year` still to send ("À envoyer"). Returns (sent,
    without an address, failed): one that fails does not stop the others."""
    sent = unreachable = failed = 0
    pending = list(
        TaxCertificate.objects.filter(year=year, status=TaxCertificate.Status.DRAFT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for index in range(0, len(pending), 200):
        chunk = list(
            TaxCertificate.objects.filter(pk__in=pending[index : index + 200])
            .select_related("customer")
            .order_by("pk")
        )
        recipients = recipients_by_customer([certificate.customer for certificate in chunk])
        for certificate in chunk:
            addresses = recipients[certificate.customer_id]
            if not addresses:
                unreachable += 1
                continue
            try:
                tax_certificate_send(certificate=certificate, by=by, recipients=addresses)
                sent += 1
            except Exception:
                failed += 1
                logger.exception("tax certificate %s not sent", certificate.pk)
    return sent, unreachable, failed
