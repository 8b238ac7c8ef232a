"""Reminders sent, made directly in the database for the tests of the history and holds
(the dunning run that makes them for real is tested with the run)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.core.models import OutboxEmail
from creneau.customers.models import Customer
from creneau.payments.models import DunningRun, Reminder, ReminderInvoice, ReminderLevel


def sent_reminder(
    customer: Customer,
    invoices: list[Invoice],
    *,
    rank: int = 1,
    days_ago: int = 0,
    fee: str = "0.00",
    indemnity: str = "0.00",
    recipients: list[str] | None = None,
    email: OutboxEmail | None = None,
    run: DunningRun | None = None,
) -> Reminder:
    """A reminder of the level `rank`, sent `days_ago` days ago for these invoices."""
    level = ReminderLevel.objects.get(rank=rank)
    sent_at = timezone.now() - timedelta(days=days_ago)
    run = run or DunningRun.objects.create(
        as_of=sent_at.date(), status=DunningRun.Status.SENT, sent_at=sent_at
    )
    if recipients is None:
        recipients = [customer.email or "compta@example.fr"]
    amount = sum((invoice.amount_due for invoice in invoices), Decimal("0.00"))
    fees = (Decimal(fee) + Decimal(indemnity)) * len(invoices)
    reminder = Reminder.objects.create(
        run=run,
        customer=customer,
        billing_group=invoices[0].billing_group,
        level=level,
        channel=level.channel,
        status=Reminder.Status.SENT,
        recipients=recipients,
        subject=f"{level.name} : {', '.join(invoice.number for invoice in invoices)}",
        body=f"Bonjour,\n\nNiveau {rank} pour {customer.name}.\nMontant dû : {amount} €",
        amount_due=amount,
        fees=fees,
        email=email,
        sent_at=sent_at,
    )
    ReminderInvoice.objects.bulk_create(
        ReminderInvoice(
            reminder=reminder,
            invoice=invoice,
            level_rank=rank,
            amount_due=invoice.amount_due,
            fee=Decimal(fee),
            indemnity=Decimal(indemnity),
            sent=True,
            sent_on=sent_at.date(),
        )
        for invoice in invoices
    )
    return reminder
