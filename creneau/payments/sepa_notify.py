"""Pre-notification of SEPA debits: each debtor is told the amount and the date before
the collection (Company.sepa_prenotification_days ahead; a shorter notice is the
creditor's risk, the batch page says so). One e-mail per customer and batch, through the
outbox; an invoice e-mailed with the debit announced already counts
(sepa_batches.is_prenotified) and gets none."""

from __future__ import annotations

import logging
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from creneau.core.models import Company
from creneau.core.services import email_queue
from creneau.customers.models import InvoiceRecipient
from creneau.payments.models import SepaBatch, SepaBatchItem

logger = logging.getLogger(__name__)


def _email(batch: SepaBatch, items: list[SepaBatchItem], company: Company) -> tuple[str, str]:
    context = {
        "batch": batch,
        "items": items,
        "mandate": items[0].mandate,
        "total": sum((item.amount for item in items), Decimal("0.00")),
        "company": company,
    }
    with translation.override("fr"):
        subject = render_to_string("payments/email/sepa_prenotification_subject.txt", context)
        body = render_to_string("payments/email/sepa_prenotification_body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def _recipients(items_by_customer: dict[int, list[SepaBatchItem]]) -> dict[int, list[str]]:
    """Where each customer's notice goes, as its invoices do (billing.sending): the
    recipients of its first debited invoice's billing group, else its own e-mail; read in
    one query for the whole batch."""
    groups = {
        customer_id: items[0].invoice.billing_group
        for customer_id, items in items_by_customer.items()
    }
    found: dict[int, list[str]] = {}
    rows = (
        InvoiceRecipient.objects.filter(customer_id__in=groups, for_invoices=True)
        .select_related("contact")
        .order_by("id")
    )
    for recipient in rows:
        if recipient.billing_group != groups[recipient.customer_id]:
            continue
        address = (recipient.address or "").strip()
        known = found.setdefault(recipient.customer_id, [])
        if address and address.lower() not in {item.lower() for item in known}:
            known.append(address)
    for customer_id, items in items_by_customer.items():
        email = (items[0].customer.email or "").strip()
        if not found.get(customer_id) and email:
            found[customer_id] = [email]
    return found


@task()
def sepa_prenotify(batch_id: int, user_id: int | None = None) -> int:
    """The worker's side of sepa_batch_create: the batch's pre-notification e-mails."""
    from django.contrib.auth.models import User

    by = User.objects.filter(pk=user_id).first() if user_id else None
    return sepa_prenotifications_queue(batch_id=batch_id, by=by)


def sepa_prenotifications_queue(*, batch_id: int, by: User | None) -> int:
    """E-mail the debtors of a batch not yet pre-notified; returns how many e-mails were
    queued. A customer without an address is left without (its items keep no
    prenotified_at: the batch page lists them)."""
    batch = SepaBatch.objects.get(pk=batch_id)
    company = Company.load()
    pending = (
        batch.items.filter(prenotified_at__isnull=True)
        .select_related("invoice", "customer", "mandate")
        .order_by("customer_id", "invoice__due_date", "id")
    )
    by_customer: dict[int, list[SepaBatchItem]] = defaultdict(list)
    for item in pending:
        by_customer[item.customer_id].append(item)
    sent = 0
    addresses = _recipients(by_customer)
    for customer_id, items in by_customer.items():
        recipients = addresses.get(customer_id)
        if not recipients:
            continue
        subject, body = _email(batch, items, company)
        try:
            with transaction.atomic():
                email_queue(
                    to=recipients,
                    subject=subject,
                    body=body,
                    by=by,
                    customer_id=items[0].customer_id,
                    related=batch,
                )
                SepaBatchItem.objects.filter(pk__in=[item.pk for item in items]).update(
                    prenotified_at=timezone.now()
                )
        except ValidationError:
            logger.warning("sepa batch %s: customer %s has no valid address", batch.pk,
                           items[0].customer_id)  # fmt: skip
            continue
        sent += 1
    return sent
