"""The closed period: closing the books (forward only, never in the future), the fiscal
years, and each write of billing and payments refused in a closed period, in French, with
nothing written."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from creneau.accounting.models import FiscalYear
from creneau.accounting.services import books_close, fiscal_year_close, fiscal_year_create
from creneau.accounting.tests.fec_data import days_ago, issue
from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice, JournalEntry
from creneau.billing.services import invoice_issue
from creneau.billing.tests.factories import draft_invoice
from creneau.core.models import AuditEvent, Company
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import ChequeDeposit, Payment, PaymentAllocation, Refund
from creneau.payments.services import (
    cheque_deposit_create,
    payment_allocate,
    payment_create,
    payment_reverse,
    refund_create,
)

pytestmark = pytest.mark.django_db
CLOSED = "La période est close jusqu'au"


def today():
    return timezone.localdate()


def close_until(day):
    Company.load()
    Company.objects.update(books_closed_until=day)


def counts() -> tuple:
    return (
        Invoice.objects.exclude(status="draft").count(),
        Payment.objects.count(),
        PaymentAllocation.objects.count(),
        Refund.objects.count(),
        ChequeDeposit.objects.count(),
        JournalEntry.objects.count(),
    )


def refused(call) -> str:
    before = counts()
    with pytest.raises(ValidationError) as error:
        call()
    assert counts() == before, "nothing written"
    message = " ".join(error.value.messages)
    assert CLOSED in message
    return message


# Closing ------------------------------------------------------------------------------


def test_the_books_close_forward_only_and_never_in_the_future(direction):
    with pytest.raises(ValidationError, match="période à venir"):
        books_close(by=direction, until=today() + timedelta(days=1))
    books_close(by=direction, until=days_ago(10))
    assert Company.load().books_closed_until == days_ago(10)
    with pytest.raises(ValidationError, match="ne revient pas en arrière"):
        books_close(by=direction, until=days_ago(20))
    books_close(by=direction, until=days_ago(5))
    assert Company.load().books_closed_until == days_ago(5)
    assert AuditEvent.objects.filter(object_type="company", message__contains="close").exists()


def test_the_command_closes_the_books(capsys):
    call_command("close_period", "--until", f"{days_ago(3):%Y-%m-%d}")
    assert Company.load().books_closed_until == days_ago(3)
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("close_period", "--until", "31/12/2026")


def test_fiscal_years_do_not_overlap_nor_last_more_than_24_months(direction):
    first = fiscal_year_create(
        by=direction, start_date=today().replace(year=2024, month=1, day=1),
        end_date=today().replace(year=2024, month=12, day=31),
    )  # fmt: skip
    assert first.pk
    with pytest.raises(ValidationError, match="chevauche"):
        fiscal_year_create(by=direction, start_date=first.end_date - timedelta(days=3),
                           end_date=first.end_date + timedelta(days=200))  # fmt: skip
    with pytest.raises(ValidationError, match="24 mois"):
        fiscal_year_create(by=direction, start_date=first.end_date + timedelta(days=1),
                           end_date=first.end_date + timedelta(days=800))  # fmt: skip
    with pytest.raises(ValidationError, match="suit le début"):
        fiscal_year_create(by=direction, start_date=first.end_date + timedelta(days=10),
                           end_date=first.end_date + timedelta(days=5))  # fmt: skip


def test_a_fiscal_year_closes_after_the_previous_one_and_once(direction):
    previous = FiscalYear.objects.create(start_date=days_ago(700), end_date=days_ago(400))
    year = FiscalYear.objects.create(start_date=days_ago(399), end_date=days_ago(30))
    with pytest.raises(ValidationError, match="Clôturez d'abord"):
        fiscal_year_close(by=direction, fiscal_year=year)
    fiscal_year_close(by=direction, fiscal_year=previous)
    closed = fiscal_year_close(by=direction, fiscal_year=year)
    assert closed.closed_at and closed.fec and len(closed.fec_sha256) == 64
    assert Company.load().books_closed_until == days_ago(30)
    with pytest.raises(ValidationError, match="déjà clôturé"):
        fiscal_year_close(by=direction, fiscal_year=closed)
    future = FiscalYear.objects.create(start_date=days_ago(29), end_date=today() + timedelta(300))
    with pytest.raises(ValidationError, match="période à venir"):
        fiscal_year_close(by=direction, fiscal_year=future)
    assert not FiscalYear.objects.get(pk=future.pk).is_closed


# Billing ----------------------------------------------------------------------------


def test_no_invoice_is_issued_in_a_closed_period():
    invoice = draft_invoice()
    close_until(today())
    message = refused(lambda: invoice_issue(invoice=invoice, by=None))
    assert today().strftime("%d/%m/%Y") in message
    assert Invoice.objects.get(pk=invoice.pk).status == "draft"


def test_no_credit_note_in_a_closed_period():
    invoice = issue(CustomerFactory(), [(None, "1", "100", "20")], 40)
    close_until(today())
    refused(lambda: credit_note_create(invoice=invoice, by=None))
    assert not Invoice.objects.filter(kind="credit_note").exists()


# Payments ---------------------------------------------------------------------------


def test_no_payment_dated_in_a_closed_period():
    invoice = issue(CustomerFactory(), [(None, "1", "100", "20")], 40)
    close_until(days_ago(10))
    refused(lambda: payment_create(customer=invoice.customer, by=None, amount=Decimal("10"),
                                   method="transfer", date=days_ago(10)))  # fmt: skip
    # The day after the closed period is open.
    payment_create(customer=invoice.customer, by=None, amount=Decimal("10"),
                   method="transfer", date=days_ago(9))  # fmt: skip


def test_no_allocation_of_a_payment_dated_in_a_closed_period():
    customer = CustomerFactory()
    payment = payment_create(customer=customer, by=None, amount=Decimal("50"),
                             method="transfer", date=days_ago(20))  # fmt: skip
    issue(customer, [(None, "1", "100", "20")], 5)
    close_until(days_ago(20))
    refused(lambda: payment_allocate(payment=payment, by=None))


def test_no_reversal_of_a_payment_dated_in_a_closed_period():
    customer = CustomerFactory()
    payment = payment_create(customer=customer, by=None, amount=Decimal("50"),
                             method="cheque", date=days_ago(20))  # fmt: skip
    close_until(days_ago(20))
    refused(lambda: payment_reverse(payment=payment, by=None, reason="Chèque impayé"))


def test_no_reversal_dated_in_a_closed_period():
    customer = CustomerFactory()
    payment = payment_create(customer=customer, by=None, amount=Decimal("50"),
                             method="cheque", date=today())  # fmt: skip
    close_until(today())  # the reversal would be dated today
    Payment.objects.filter(pk=payment.pk).update(date=today() + timedelta(days=1))
    payment.refresh_from_db()
    refused(lambda: payment_reverse(payment=payment, by=None, reason="Chèque impayé"))


def test_no_refund_dated_in_a_closed_period():
    customer = CustomerFactory()
    payment = payment_create(customer=customer, by=None, amount=Decimal("50"),
                             method="transfer", date=days_ago(20))  # fmt: skip
    close_until(days_ago(5))
    refused(lambda: refund_create(payment=payment, by=None, amount=Decimal("20"),
                                  method="transfer", date=days_ago(5)))  # fmt: skip


def test_no_cheque_deposit_dated_in_a_closed_period():
    customer = CustomerFactory()
    close_until(days_ago(2))
    cheques = [{"customer": customer, "amount": Decimal("30"), "cheque_bank": "CIC",
                "cheque_number": "1234", "invoice": None}]  # fmt: skip
    refused(lambda: cheque_deposit_create(by=None, date=days_ago(2), reference="B1",
                                          cheques=cheques))  # fmt: skip


def test_a_billing_run_is_not_issued_in_a_closed_period(accountant):
    from creneau.billing.models import BillingRun
    from creneau.billing.runs import billing_run_execute, billing_run_issue
    from creneau.billing.tests.test_runs import make_customers, new_run

    make_customers(2)
    run = new_run(accountant)
    close_until(today())
    refused(lambda: billing_run_issue(run=run, by=accountant, enqueue=False))
    assert BillingRun.objects.get(pk=run.pk).status == BillingRun.Status.PREVIEW
    # A run already handed to the worker before the closing: each item records the refusal.
    Company.objects.update(books_closed_until=None)
    billing_run_issue(run=run, by=accountant, enqueue=False)
    close_until(today())
    before = counts()
    billing_run_execute(run_id=run.pk)
    assert counts() == before
    errors = [item.proposal.get("error", "") for item in run.items.all()]
    assert errors and all(CLOSED in error for error in errors)


@pytest.mark.django_db(transaction=True)
def test_closing_waits_for_a_payment_being_written():
    """A payment that checked the period just before it closed, still being written, is in
    the FEC kept at closing: the closing waits for it."""
    import threading

    from django.db import connection, connections, transaction

    from creneau.accounting.services import fec_content

    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once need PostgreSQL")
    customer = CustomerFactory()
    year = FiscalYear.objects.create(start_date=days_ago(300), end_date=days_ago(10))
    checked, release, closed = threading.Event(), threading.Event(), []

    def write_payment():
        try:
            with transaction.atomic():
                payment_create(customer=customer, by=None, amount=Decimal("42.00"),
                               method="transfer", date=days_ago(20))  # fmt: skip
                checked.set()
                release.wait(5)
        finally:
            connections.close_all()

    def close_year():
        try:
            closed.append(fiscal_year_close(by=None, fiscal_year=year))
        finally:
            connections.close_all()

    writer = threading.Thread(target=write_payment)
    writer.start()
    assert checked.wait(5)
    closer = threading.Thread(target=close_year)
    closer.start()
    closer.join(1.0)
    assert closer.is_alive(), "the closing waits for the payment being written"
    release.set()
    writer.join(5)
    closer.join(30)
    kept = b"".join(fec_content(closed[0]))
    assert b"42,00" in kept
