"""The dunning over time and over the wire: 90 simulated days with missed days and
payments in between, the letters (one PDF to print, and attached to the e-mail of a
mise en demeure), a real SMTP server that receives each reminder exactly once, and two
sends of one run at once on PostgreSQL."""

from __future__ import annotations

import io
import random
import threading
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections
from pypdf import PdfReader

from creneau.billing.models import Invoice
from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.dunning import RUN_CLOSED, dunning_run_create
from creneau.payments.dunning_send import dunning_run_send
from creneau.payments.models import Reminder, ReminderInvoice, ReminderLevel
from creneau.payments.services import payment_create
from creneau.payments.tests import dunning_helpers
from creneau.payments.tests.dunning_helpers import business, days_ago, overdue, run_at

company = dunning_helpers.company
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.django_db
def test_ninety_days_with_missed_days_and_payments(company, direction):
    """Each invoice gets levels 1, 2, 3 in order, each once, never two on one day; the fee
    and the indemnity once, for businesses only; nothing after a payment."""
    ReminderLevel.objects.filter(rank=2).update(fee=Decimal("10.00"))
    rng = random.Random(12)
    start = days_ago(150)
    customers = [business(email=f"firm{n}@example.com") for n in range(3)] + [
        CustomerFactory(email=f"person{n}@example.fr") for n in range(3)
    ]
    invoices = []
    for customer in customers:
        for _ in range(2):
            due = start - timedelta(days=rng.randrange(0, 10))
            invoices.append(overdue(customer, due=due, group=rng.choice("AB")))
    paid_on: dict[int, object] = {}
    payer = customers[1]  # a business that pays everything on day 30
    missed = {day for day in range(91) if day % 7 in (5, 6)} | set(range(40, 48))
    for day in range(91):
        as_of = start + timedelta(days=day)
        if day == 30:
            owed = sum(i.amount_due for i in Invoice.objects.filter(customer=payer))
            payment_create(customer=payer, by=None, amount=owed, method="transfer")
            for invoice in invoices:
                if invoice.customer_id == payer.pk:
                    paid_on[invoice.pk] = as_of
        if day in missed:
            continue
        run_at(as_of, direction)

    sent = defaultdict(list)
    for item in ReminderInvoice.objects.filter(sent=True).order_by("sent_on", "level_rank"):
        sent[item.invoice_id].append(item)
    for invoice in invoices:
        items = sent[invoice.pk]
        ranks = [item.level_rank for item in items]
        if invoice.pk in paid_on:
            assert all(item.sent_on < paid_on[invoice.pk] for item in items)
            assert ranks == [1, 2, 3][: len(ranks)]
            continue
        assert ranks == [1, 2, 3], f"{invoice.number}: {ranks}"
        days = [item.sent_on for item in items]
        assert len(set(days)) == 3, "two levels on one day"
        assert (days[1] - days[0]).days >= 14 and (days[2] - days[1]).days >= 24
        is_business = invoice.customer.kind == "business"
        assert sum(item.indemnity for item in items) == (Decimal("40.00") if is_business else 0)
    for customer in customers:
        items = ReminderInvoice.objects.filter(sent=True, invoice__customer=customer)
        fees = [item.fee for item in items if item.fee]
        if customer.kind == "business" and customer != payer:
            # Once per reminder at level 2: one reminder per billing group it used.
            groups = set(items.values_list("reminder__billing_group", flat=True))
            assert fees == [Decimal("10.00")] * len(groups)
        elif customer.kind != "business":
            assert fees == []


@pytest.mark.django_db
def test_a_mise_en_demeure_is_a_letter_naming_the_debt_and_what_follows(company, direction):
    firm = business(name="Bureaux Durand SARL", email="compta@durand.example.com")
    first = overdue(firm, due=days_ago(60), price="1000")
    second = overdue(firm, due=days_ago(50), price="250")
    run_at(days_ago(50), direction)  # the first invoice's level 1
    run_at(days_ago(30), direction)  # its level 2, the second's level 1
    run = run_at(days_ago(0), direction)
    reminder = run.reminders.get()
    assert reminder.level.rank == 3 and reminder.channel == "both"
    # The indemnity of the invoice at level 3 only (the other is at level 2).
    assert dict(reminder.items.values_list("invoice_id", "level_rank")) == {
        first.pk: 3,
        second.pk: 2,
    }
    assert reminder.fees == Decimal("40.00")
    assert run.letters_pdf.name
    with run.letters_pdf.open("rb") as handle:
        letters = handle.read()
    text = pdf_text(letters)
    for expected in (
        "Mise en demeure",
        "Bureaux Durand SARL",
        first.number,
        second.number,
        f"{first.due_date:%d/%m/%Y}",
        "Indemnité forfaitaire pour frais de recouvrement 40,00\xa0€",
        "Total à régler 1\u202f540,00\xa0€",
        "À régler au plus tard le",
        "procédure de",
        "FR76 3000 6000 0112 3456 7890 189",
    ):
        assert expected in text, expected
    email = OutboxEmail.objects.get(pk=reminder.email_id)
    [attachment] = email.attachments.all()
    assert attachment.mimetype == "application/pdf" and attachment.filename.endswith(".pdf")
    assert first.number in pdf_text(attachment.file.read())


@pytest.mark.django_db
def test_letters_of_several_customers_make_one_pdf(company, direction):
    ReminderLevel.objects.filter(rank=1).update(channel="letter")
    for name in ("Alice", "Bruno", "Chloé"):
        overdue(CustomerFactory(name=name, email=""), due=days_ago(10))
    run = run_at(days_ago(0), direction)
    with run.letters_pdf.open("rb") as handle:
        reader = PdfReader(handle)
        pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 3
    # Each page is its customer's, in their order (another page may hold a name too: the
    # factories' random addresses and contacts).
    for name, page in zip(("Alice", "Bruno", "Chloé"), pages, strict=True):
        assert name in page, (name, page)
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_receives_each_reminder_exactly_once(
    company, direction, smtp_server, settings
):
    settings.TASKS = IMMEDIATE
    firm = business(email="compta@firm.example.com")
    overdue(firm, due=days_ago(60))
    for number in range(3):
        overdue(CustomerFactory(email=f"client{number}@example.fr"), due=days_ago(10))
    run_at(days_ago(50), direction)  # the firm's level 1
    run_at(days_ago(30), direction)  # its level 2
    before = len(smtp_server.messages)
    assert before == 2
    run = run_at(days_ago(0), direction)
    run_at(days_ago(0), direction)  # the same day again: nothing new
    call_command("send_outbox", grace=0, verbosity=0)  # the sweeper finds nothing due
    messages = smtp_server.messages[before:]
    assert sorted(message["To"] for message in messages) == [
        "client0@example.fr",
        "client1@example.fr",
        "client2@example.fr",
        "compta@firm.example.com",
    ]
    assert set(smtp_server.message_id_counts().values()) == {1}
    firm_message = next(m for m in messages if m["To"] == "compta@firm.example.com")
    assert firm_message["Subject"].startswith("Mise en demeure de payer")
    [attachment] = list(firm_message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert run.reminders.filter(status=Reminder.Status.SENT).count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_sends_of_one_run_at_once_send_it_once(company, direction, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for number in range(5):
        overdue(CustomerFactory(email=f"client{number}@example.fr"), due=days_ago(10))
    run = dunning_run_create(as_of=days_ago(0), by=direction)
    barrier, refused, done = threading.Barrier(2), [], []

    def send():
        try:
            barrier.wait()
            done.append(dunning_run_send(run=run, by=direction))
        except ValidationError as error:
            refused.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == 1 and len(refused) == 1
    assert refused[0].code == RUN_CLOSED
    assert ReminderInvoice.objects.filter(sent=True).count() == 5
    assert OutboxEmail.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_runs_sending_the_same_invoices_at_once_send_each_level_once(
    company, direction, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    for number in range(5):
        overdue(CustomerFactory(email=f"client{number}@example.fr"), due=days_ago(10))
    runs = [dunning_run_create(as_of=days_ago(0), by=direction) for _ in range(2)]
    barrier, errors = threading.Barrier(2), []

    def send(run):
        try:
            barrier.wait()
            dunning_run_send(run=run, by=direction)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ReminderInvoice.objects.filter(sent=True).count() == 5
    assert Reminder.objects.filter(status="sent").count() == 5
    assert Reminder.objects.filter(status="dropped").count() == 5
    assert OutboxEmail.objects.count() == 5


@pytest.mark.django_db
def test_an_interrupted_sending_is_finished_without_sending_twice(company, direction):
    from creneau.payments.dunning_send import SendContext, _send_one, dunning_run_resume
    from creneau.payments.models import DunningRun

    ReminderLevel.objects.filter(rank=1).update(channel="both")
    for name in ("Alice", "Bruno"):
        overdue(CustomerFactory(name=name, email=f"{name.lower()}@example.fr"), due=days_ago(10))
    run = dunning_run_create(as_of=days_ago(0), by=direction)
    # The worker sent Alice's reminder, then died before Bruno's and the letters.
    DunningRun.objects.filter(pk=run.pk).update(status=DunningRun.Status.SENDING)
    run.refresh_from_db()
    alice = run.reminders.get(customer__name="Alice")
    _send_one(SendContext(run), alice.pk, direction)
    with pytest.raises(ValidationError) as refused:
        dunning_run_send(run=run, by=direction)
    assert refused.value.code == RUN_CLOSED
    run = dunning_run_resume(run=run, by=direction)
    assert run.status == "sent"
    assert sorted(OutboxEmail.objects.values_list("to", flat=True)) == [
        ["alice@example.fr"],
        ["bruno@example.fr"],
    ]
    with run.letters_pdf.open("rb") as handle:
        text = pdf_text(handle.read())
    assert "Alice" in text and "Bruno" in text  # Alice's letter made again for the PDF
    with pytest.raises(ValidationError):
        dunning_run_resume(run=run, by=direction)
