"""Sending a customer statement by e-mail, through the outbox, with its PDF attached: to
the customer's reminder recipients (every billing group's), else to the customer's own
address, else nowhere (the user is told; nothing is queued).

The e-mail is written to the outbox in the caller's transaction and leaves after commit,
like an invoice's (billing/sending.py): a mail server that is down delays it, never loses
it.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent, Company, OutboxEmail
from creneau.core.services import audit_record, email_queue
from creneau.customers.models import Customer, InvoiceRecipient
from creneau.payments.print.statement import statement_filename, statement_pdf
from creneau.payments.statement import Statement, customer_statement

# A statement goes to the customer's accounting and a few colleagues, not to a list.
MAX_RECIPIENTS = 10


def statement_recipients_for(customer: Customer) -> list[str]:
    """The reminder recipients of all the customer's billing groups (in group order, each
    address once), else the customer's own e-mail, else none: one query, or two."""
    recipients = (
        InvoiceRecipient.objects.filter(customer=customer, for_reminders=True)
        .select_related("contact")
        .order_by("billing_group", "id")
    )
    addresses: list[str] = []
    known: set[str] = set()
    for recipient in recipients:
        address = (recipient.address or "").strip()
        if address and address.lower() not in known:
            known.add(address.lower())
            addresses.append(address)
    if addresses:
        return addresses[:MAX_RECIPIENTS]
    email = (customer.email or "").strip()
    return [email] if email else []


def statement_email_defaults(*, statement: Statement, by: User | None) -> tuple[str, str]:
    """The subject and message of a statement's e-mail, in French."""
    context = {
        "statement": statement,
        "customer": statement.customer,
        "company": Company.load(),
        "sender": by if by is not None and by.is_authenticated else None,
    }
    with translation.override("fr"):
        subject = render_to_string("payments/email/statement_subject.txt", context)
        body = render_to_string("payments/email/statement_body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def statement_send(*, customer: Customer, start: date, end: date, by: User | None) -> OutboxEmail:
    """Queue the statement of [start, end] (checked by statement_period) to
    statement_recipients_for(customer), its PDF attached. Refused, in French, when the
    customer has no address at all."""
    recipients = statement_recipients_for(customer)
    if not recipients:
        raise ValidationError(
            _(
                "Aucun destinataire : ce client n'a ni destinataire de relances ni adresse "
                "e-mail. Ajoutez un destinataire (onglet Sites de la fiche) ou téléchargez "
                "le relevé pour l'envoyer par courrier."
            ),
            code="no_recipient",
        )
    statement = customer_statement(customer=customer, start=start, end=end)
    # Laid out before the transaction: a PDF that fails leaves nothing behind.
    pdf = statement_pdf(statement=statement)
    subject, body = statement_email_defaults(statement=statement, by=by)
    with transaction.atomic():
        email = email_queue(
            to=recipients,
            subject=subject,
            body=body,
            attachments=[(statement_filename(statement), pdf, "application/pdf")],
            by=by,
            customer_id=customer.pk,
            related=customer,
        )
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=customer,
            customer=customer,
            message=_("Relevé de compte du %(start)s au %(end)s mis en file d'envoi pour %(to)s")
            % {
                "start": start.strftime("%d/%m/%Y"),
                "end": end.strftime("%d/%m/%Y"),
                "to": ", ".join(email.to),
            },
        )
    return email
