"""Reads of the reminders sent (the dunning's history), on an invoice and on a customer
record: what was sent, when, at which level, by which channel, to whom, with its text as
sent. Each read is a fixed number of queries however many reminders there are."""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from creneau.billing.models import Invoice
from creneau.core.params import parse_id
from creneau.customers.models import Customer
from creneau.customers.selectors import AnyUser, customers_visible_to
from creneau.payments.models import Reminder, ReminderInvoice
from creneau.payments.rules import user_sees_payments


def invoice_reminders_sent(invoice: Invoice) -> QuerySet[ReminderInvoice]:
    """The reminders sent for an invoice, newest first: each line is the invoice's part of
    a reminder (its amount due and fees then), with the reminder (level, text) joined."""
    return (
        ReminderInvoice.objects.filter(invoice=invoice, sent=True)
        .select_related("reminder", "reminder__level")
        .annotate(total_fees=F("fee") + F("indemnity") + F("interest"))
        .order_by("-sent_on", "-reminder__sent_at", "-id")
    )


def customer_reminders_sent(customer: Customer) -> QuerySet[Reminder]:
    """The reminders sent to a customer, newest first, with the invoices each one chased
    (prefetched: one more query for a page of them)."""
    return (
        Reminder.objects.filter(customer=customer, status=Reminder.Status.SENT)
        .select_related("level")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=ReminderInvoice.objects.select_related("invoice").order_by(
                    "invoice__number", "id"
                ),
            )
        )
        .order_by("-sent_at", "-id")
    )


def reminder_get(*, user: AnyUser, pk: int | str) -> Reminder:
    """One reminder sent, of a customer the user sees, or 404."""
    if not user_sees_payments(user):
        raise Http404
    reminders = Reminder.objects.filter(status=Reminder.Status.SENT)
    customers = customers_visible_to(user)
    if customers.query.where or customers.query.is_sliced:
        reminders = reminders.filter(customer__in=customers)
    return get_object_or_404(
        reminders.select_related("customer", "level", "email", "run").prefetch_related(
            Prefetch(
                "items",
                queryset=ReminderInvoice.objects.select_related("invoice").order_by(
                    "invoice__number", "id"
                ),
            )
        ),
        pk=parse_id(pk) or 0,
    )
