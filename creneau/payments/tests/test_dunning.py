"""The dunning run: what it proposes (the next level whose delays have passed, grouped by
customer and billing group), the fees, the recipients and the texts; unticking; and the
sending, which checks every invoice again under lock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.core.models import AuditEvent, OutboxEmail
from creneau.core.templatetags.creneau import money
from creneau.customers.models import InvoiceRecipient
from creneau.customers.tests.factories import ContactFactory, CustomerFactory
from creneau.payments.dunning import (
    RUN_CLOSED,
    dunning_proposals,
    dunning_run_create,
    dunning_run_exclude,
    money_text,
)
from creneau.payments.dunning_send import dropped_items, dunning_run_send
from creneau.payments.models import DunningHold, DunningRun, Reminder, ReminderInvoice
from creneau.payments.services import payment_create
from creneau.payments.tests import dunning_helpers
from creneau.payments.tests.dunning_helpers import business, days_ago, overdue, run_at

company = dunning_helpers.company
pytestmark = pytest.mark.django_db


def pay(customer, amount) -> None:
    payment_create(customer=customer, by=None, amount=Decimal(amount), method="transfer")


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
@hypothesis_settings(max_examples=200)
def test_the_fast_money_text_is_the_french_money_of_core(value):
    with translation.override("fr"):
        assert money_text(value) == money(value)


# --- what a run proposes ------------------------------------------------------------------


def test_a_customer_whose_credit_covers_its_debt_is_not_reminded(company, direction):
    paid_ahead = CustomerFactory(email="avance@example.fr")
    pay(paid_ahead, "120")  # no invoice yet: all of it is credit
    overdue(paid_ahead, due=days_ago(30))  # 120 € TTC
    short = CustomerFactory(email="court@example.fr")
    pay(short, "50")
    overdue(short, due=days_ago(30))
    [draft] = dunning_proposals(as_of=days_ago(0))
    assert draft.customer_id == short.pk and draft.amount_due == Decimal("120.00")


def test_an_invoice_gets_the_first_level_once_its_delay_has_passed(company, direction):
    customer = CustomerFactory(email="client@example.fr")
    early = overdue(customer, due=days_ago(6))
    late = overdue(customer, due=days_ago(7))
    [draft] = dunning_proposals(as_of=days_ago(0))
    assert [invoice.id for invoice in draft.invoices] == [late.pk]
    assert draft.level.rank == 1 and draft.channel == "email"
    assert draft.recipients == ["client@example.fr"]
    assert early.pk not in [invoice.id for invoice in draft.invoices]


def test_drafts_paid_invoices_and_credit_notes_are_not_chased(company, direction):
    customer = CustomerFactory(email="client@example.fr")
    paid = overdue(customer, due=days_ago(30))
    cancelled = overdue(customer, due=days_ago(30))
    pay(customer, paid.total_gross)
    credit_note_create(invoice=cancelled, by=direction)
    assert Invoice.objects.get(pk=paid.pk).amount_due == 0
    assert dunning_proposals(as_of=days_ago(0)) == []


def test_one_reminder_per_customer_and_billing_group(company, direction):
    customer = CustomerFactory(email="client@example.fr")
    first = overdue(customer, due=days_ago(30), group="A")
    second = overdue(customer, due=days_ago(10), group="A")
    other_group = overdue(customer, due=days_ago(10), group="B")
    drafts = dunning_proposals(as_of=days_ago(0))
    assert sorted(
        (draft.billing_group, [invoice.id for invoice in draft.invoices]) for draft in drafts
    ) == [("A", [first.pk, second.pk]), ("B", [other_group.pk])]
    run = dunning_run_create(as_of=days_ago(0), by=direction)
    reminder = run.reminders.get(billing_group="A")
    assert reminder.amount_due == first.amount_due + second.amount_due
    assert reminder.level.rank == 1
    assert sorted(reminder.items.values_list("invoice_id", flat=True)) == [first.pk, second.pk]


def test_the_next_level_waits_for_its_days_and_for_the_gap_since_the_last(company, direction):
    customer = CustomerFactory(email="client@example.fr")
    invoice = overdue(customer, due=days_ago(40))
    # Day 10 after the due date: level 1 (7 days).
    run_at(invoice.due_date + timedelta(days=10), direction)
    # Day 21: level 2's days have passed, but only 11 of the 14 days since level 1.
    assert dunning_proposals(as_of=invoice.due_date + timedelta(days=21)) == []
    [draft] = dunning_proposals(as_of=invoice.due_date + timedelta(days=24))
    assert draft.level.rank == 2


def test_a_missed_month_is_caught_up_one_level_at_a_time(company, direction):
    customer = CustomerFactory(email="client@example.fr")
    invoice = overdue(customer, due=days_ago(80))
    due = invoice.due_date
    # Nothing ran for 60 days: level 1 only, never 1, 2 and 3 at once.
    run = run_at(due + timedelta(days=60), direction)
    assert list(ReminderInvoice.objects.filter(sent=True).values_list("level_rank", flat=True)) == [
        1
    ]
    assert dunning_proposals(as_of=due + timedelta(days=60)) == []  # the same day: nothing
    assert dunning_proposals(as_of=due + timedelta(days=73)) == []  # 13 days after level 1
    run = run_at(due + timedelta(days=74), direction)
    assert run.reminders.get().level.rank == 2
    assert dunning_proposals(as_of=due + timedelta(days=97)) == []  # 23 days after level 2
    run = run_at(due + timedelta(days=98), direction)
    assert run.reminders.get().level.rank == 3
    assert dunning_proposals(as_of=due + timedelta(days=400)) == []  # no level 4


def test_the_fee_and_the_indemnity_once_and_for_businesses_only(company, direction):
    from creneau.payments.models import ReminderLevel

    ReminderLevel.objects.filter(rank=2).update(fee=Decimal("15.00"))
    firm = business(email="compta@firm.example.com")
    person = CustomerFactory(email="client@example.fr")
    firm_invoices = [overdue(firm, due=days_ago(60)), overdue(firm, due=days_ago(60))]
    person_invoice = overdue(person, due=days_ago(60))
    due = days_ago(60)
    for day in (10, 30, 60, 90, 120):
        run_at(due + timedelta(days=day), direction)
    sent = ReminderInvoice.objects.filter(sent=True)
    assert sent.count() == 9  # three invoices, three levels each
    firm_items = sent.filter(invoice__in=firm_invoices)
    # The level 2 fee: once for the firm's reminder, never for the individual.
    assert [item.fee for item in firm_items.filter(level_rank=2)].count(Decimal("15.00")) == 1
    assert sum(item.fee for item in firm_items) == Decimal("15.00")
    # The 40 € indemnity: at level 3, once per invoice of the business.
    assert sorted(
        firm_items.filter(indemnity__gt=0).values_list("invoice_id", flat=True)
    ) == sorted(invoice.pk for invoice in firm_invoices)
    assert set(firm_items.filter(indemnity__gt=0).values_list("indemnity", flat=True)) == {
        Decimal("40.00")
    }
    person_items = sent.filter(invoice=person_invoice)
    assert all(item.fee == item.indemnity == 0 for item in person_items)


def test_late_interest_at_the_invoices_rate(company, direction):
    from creneau.payments.models import ReminderLevel

    ReminderLevel.objects.filter(rank=1).update(add_late_interest=True)
    customer = CustomerFactory(email="client@example.fr")
    invoice = overdue(customer, due=days_ago(73), price="1000")  # 1,200 € gross
    Invoice.objects.filter(pk=invoice.pk).update(late_penalty_rate=Decimal("12.00"))
    [draft] = dunning_proposals(as_of=invoice.due_date + timedelta(days=73))
    # 1,200 x 12 % x 73 / 365 = 28.80
    assert draft.invoices[0].interest == Decimal("28.80")
    assert draft.fees == Decimal("28.80")


def test_reminder_recipients_then_the_customers_email_then_a_letter(company, direction):
    with_group = CustomerFactory(email="client@example.fr")
    contact = ContactFactory(customer=with_group, email="compta@example.fr")
    InvoiceRecipient.objects.create(customer=with_group, billing_group="A", contact=contact)
    InvoiceRecipient.objects.create(
        customer=with_group, billing_group="A", email="dg@example.fr", for_reminders=False
    )
    InvoiceRecipient.objects.create(
        customer=with_group, billing_group="A", email="COMPTA@example.fr"
    )
    with_email = CustomerFactory(email="solo@example.fr")
    nobody = CustomerFactory(email="")
    for customer in (with_group, with_email, nobody):
        overdue(customer, due=days_ago(10))
    run = dunning_run_create(as_of=days_ago(0), by=direction)
    reminders = {reminder.customer_id: reminder for reminder in run.reminders.all()}
    assert reminders[with_group.pk].recipients == ["compta@example.fr"]
    assert reminders[with_email.pk].recipients == ["solo@example.fr"]
    assert reminders[nobody.pk].recipients == []
    assert reminders[nobody.pk].channel == "letter"


def test_the_text_is_filled_in_the_french_way(company, direction):
    customer = CustomerFactory(name="Lucie Martin", email="client@example.fr")
    invoice = overdue(customer, due=days_ago(10), price="1000")
    run = dunning_run_create(as_of=days_ago(0), by=direction)
    assert run.reminders.get().body == ""  # written when sent, with that day's deadline
    run = dunning_run_send(run=run, by=direction)
    reminder = run.reminders.get()
    assert reminder.subject == f"Rappel : facture(s) {invoice.number} en attente de règlement"
    assert f"la facture n° {invoice.number} du {invoice.issue_date:%d/%m/%Y}" in reminder.body
    assert "1\u202f200,00\xa0€" in reminder.body
    assert "FR76 3000 6000 0112 3456 7890 189" in reminder.body
    assert reminder.body.endswith("Cordialement,\nClair & Net Services")


def test_holds_keep_invoices_and_customers_out(company, direction):
    held_invoice_customer = CustomerFactory(email="a@example.fr")
    held = overdue(held_invoice_customer, due=days_ago(10))
    free = overdue(held_invoice_customer, due=days_ago(10))
    held_customer = CustomerFactory(email="b@example.fr")
    overdue(held_customer, due=days_ago(10))
    ended = CustomerFactory(email="c@example.fr")
    ended_invoice = overdue(ended, due=days_ago(10))
    DunningHold.objects.create(invoice=held, reason="Litige")
    DunningHold.objects.create(customer=held_customer, reason="Échéancier")
    DunningHold.objects.create(customer=ended, reason="Échéancier", until=days_ago(1))
    chased = {
        invoice.id for draft in dunning_proposals(as_of=days_ago(0)) for invoice in draft.invoices
    }
    assert chased == {free.pk, ended_invoice.pk}
    # A hold ending on the run's date still holds that day.
    assert ended_invoice.pk not in {
        invoice.id for draft in dunning_proposals(as_of=days_ago(1)) for invoice in draft.invoices
    }


def test_only_direction_and_accounting_run_the_dunning(company, rep, planner, accountant):
    for user in (rep, planner):
        with pytest.raises(PermissionDenied):
            dunning_run_create(as_of=days_ago(0), by=user)
    assert dunning_run_create(as_of=days_ago(0), by=accountant).status == "preview"


def test_a_date_out_of_bounds_is_refused(company, direction):
    from datetime import date

    with pytest.raises(ValidationError) as refused:
        dunning_run_create(as_of=date(1999, 12, 31), by=direction)
    assert "2000 à 2099" in refused.value.message_dict["as_of"][0]
    assert not DunningRun.objects.exists()


# --- unticking and sending ------------------------------------------------------------------


def test_unticked_reminders_are_not_sent_and_a_run_goes_once(company, direction):
    kept = CustomerFactory(email="a@example.fr")
    unticked = CustomerFactory(email="b@example.fr")
    by_api = CustomerFactory(email="c@example.fr")
    for customer in (kept, unticked, by_api):
        overdue(customer, due=days_ago(10))
    run = dunning_run_create(as_of=days_ago(0), by=direction)
    reminder = run.reminders.get(customer=unticked)
    assert (
        dunning_run_exclude(run=run, by=direction, excluded=True, reminder_ids=[reminder.pk]) == 1
    )
    run = dunning_run_send(run=run, by=direction, excluded_customer_ids=[by_api.pk])
    assert run.status == "sent" and run.sent_at is not None
    statuses = dict(run.reminders.values_list("customer_id", "status"))
    assert statuses == {kept.pk: "sent", unticked.pk: "proposed", by_api.pk: "proposed"}
    assert OutboxEmail.objects.count() == 1
    assert OutboxEmail.objects.get().to == ["a@example.fr"]
    with pytest.raises(ValidationError) as refused:
        dunning_run_send(run=run, by=direction)
    assert refused.value.code == RUN_CLOSED
    with pytest.raises(ValidationError):
        dunning_run_exclude(run=run, by=direction, excluded=False, customer_ids=[kept.pk])
    assert OutboxEmail.objects.count() == 1


def test_a_run_with_every_reminder_unticked_is_not_sent(company, direction):
    customer = CustomerFactory(email="a@example.fr")
    overdue(customer, due=days_ago(10))
    run = dunning_run_create(as_of=days_ago(0), by=direction)
    with pytest.raises(ValidationError, match="Toutes les relances sont décochées"):
        dunning_run_send(run=run, by=direction, excluded_customer_ids=[customer.pk])
    run.refresh_from_db()
    assert run.status == "preview" and not run.reminders.filter(excluded=True).exists()
    assert not OutboxEmail.objects.exists()


def test_unknown_customers_to_leave_out_are_refused(company, direction):
    overdue(CustomerFactory(email="a@example.fr"), due=days_ago(10))
    stranger = CustomerFactory()
    run = dunning_run_create(as_of=days_ago(0), by=direction)
    with pytest.raises(ValidationError) as refused:
        dunning_run_send(run=run, by=direction, excluded_customer_ids=[stranger.pk])
    assert str(stranger.pk) in refused.value.message_dict["excluded_customer_ids"][0]
    run.refresh_from_db()
    assert run.status == "preview"


def test_what_changed_since_the_preview_is_dropped_with_why(company, direction):
    customer = CustomerFactory(email="client@example.fr")
    settled = overdue(customer, due=days_ago(10))
    partly = overdue(customer, due=days_ago(9))
    held = overdue(customer, due=days_ago(8))
    alone = CustomerFactory(email="seul@example.fr")
    alone_invoice = overdue(alone, due=days_ago(10))
    run = dunning_run_create(as_of=days_ago(0), by=direction)
    # Meanwhile: a payment settles one invoice and part of another, a hold, and another run
    # sends the lone customer's reminder first.
    pay(customer, settled.total_gross + Decimal("20.00"))
    DunningHold.objects.create(invoice=held, reason="Litige")
    other = dunning_run_create(as_of=days_ago(0), by=direction)
    other.reminders.exclude(customer=alone).update(excluded=True)
    dunning_run_send(run=other, by=direction)

    run = dunning_run_send(run=run, by=direction)
    reminder = run.reminders.get(customer=customer)
    assert reminder.status == "sent"
    [item] = reminder.items.filter(sent=True)
    assert item.invoice_id == partly.pk
    assert item.amount_due == partly.total_gross - Decimal("20.00")
    assert reminder.amount_due == item.amount_due
    assert settled.number not in reminder.body and partly.number in reminder.body
    assert run.reminders.get(customer=alone).status == "dropped"
    reasons = {row["item"].invoice_id: row["code"] for row in dropped_items(run)}
    assert reasons == {settled.pk: "settled", held.pk: "on_hold", alone_invoice.pk: "already_sent"}
    assert AuditEvent.objects.filter(
        customer_id=customer.pk, message__startswith=f"Facture {settled.number} retirée"
    ).exists()
    # Every invoice got level 1 once.
    assert ReminderInvoice.objects.filter(sent=True, invoice=alone_invoice).count() == 1


def test_the_database_refuses_a_level_twice(company, direction):
    from django.db import IntegrityError, transaction

    invoice = overdue(CustomerFactory(email="a@example.fr"), due=days_ago(10))
    run_at(days_ago(0), direction)
    reminder = Reminder.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderInvoice.objects.create(
            reminder=Reminder.objects.create(
                run=DunningRun.objects.create(), customer=reminder.customer,
                billing_group="A", level=reminder.level, channel="email",
            ),
            invoice=invoice, level_rank=1, amount_due=1, sent=True,
        )  # fmt: skip


def test_a_sent_reminder_is_in_the_customers_audit_trail(company, direction):
    customer = CustomerFactory(email="a@example.fr")
    invoice = overdue(customer, due=days_ago(10))
    run_at(days_ago(0), direction)
    event = AuditEvent.objects.get(customer_id=customer.pk, object_type="reminder")
    assert event.message == f"Relance envoyée (Relance amiable, E-mail) : {invoice.number}"
    assert event.actor == direction
