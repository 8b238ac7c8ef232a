"""The demo's payments and dunning (`manage.py demo`): payments on most invoices by every
usual method, a deposit of cheques, a bounced cheque, a customer in credit, invoices overdue
at each dunning level with the reminders already sent, one customer on hold."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from creneau.billing.journal import journal_verify
from creneau.billing.models import Invoice
from creneau.customers.models import Customer
from creneau.payments.models import (
    ChequeDeposit,
    DunningHold,
    DunningRun,
    Payment,
    PaymentMethod,
    ReminderInvoice,
)
from creneau.payments.selectors import customer_balance


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo loaded once for this module (it takes seconds), rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    """Each test runs in a savepoint inside the module's transaction."""


def invoices():
    return Invoice.objects.filter(kind=Invoice.Kind.INVOICE).exclude(status=Invoice.Status.DRAFT)


def test_most_invoices_are_paid_some_in_part(demo):
    paid = invoices().filter(allocations__isnull=False).distinct().count()
    assert paid > invoices().count() / 2
    assert invoices().filter(status=Invoice.Status.PARTIALLY_PAID).exists()
    assert invoices().filter(status=Invoice.Status.PAID).exists()
    assert invoices().filter(status=Invoice.Status.ISSUED).exists()
    balances = [
        customer_balance(c).balance
        for c in Customer.objects.filter(invoices__isnull=False).distinct()
    ]
    assert any(balance > 0 for balance in balances)
    assert journal_verify().ok


def test_payments_by_every_usual_method_cesu_for_individuals(demo):
    methods = set(Payment.objects.values_list("method", flat=True))
    assert {PaymentMethod.TRANSFER, PaymentMethod.CHEQUE, PaymentMethod.CARD} <= methods
    cesu = Payment.objects.filter(method__in=[PaymentMethod.CESU, PaymentMethod.CESU_PREFINANCED])
    assert cesu.exists()
    assert not cesu.exclude(customer__kind=Customer.Kind.INDIVIDUAL).exists()
    for cheque in Payment.objects.filter(method=PaymentMethod.CHEQUE, reversal_of=None):
        assert cheque.cheque_bank and cheque.cheque_number


def test_a_deposit_of_several_cheques(demo):
    deposit = ChequeDeposit.objects.get()
    cheques = deposit.payments.all()
    assert cheques.count() >= 3
    assert set(cheques.values_list("method", flat=True)) == {PaymentMethod.CHEQUE}


def test_one_bounced_cheque_reversed_with_its_reason(demo):
    # (The SEPA demo reverses a rejected debit too: demo_batches.)
    reversal = Payment.objects.get(
        reversal_of__isnull=False, reversal_of__method=PaymentMethod.CHEQUE
    )
    assert "impayé" in reversal.reason
    invoice = reversal.reversal_of.allocations.get().invoice
    invoice.refresh_from_db()
    assert invoice.amount_due == invoice.total_gross and invoice.is_overdue


def test_one_customer_in_credit(demo):
    credits = [
        customer_balance(payment.customer).credit
        for payment in Payment.objects.filter(reversal_of=None).select_related("customer")
    ]
    assert any(credit == Decimal("50.00") for credit in credits)


def test_invoices_overdue_at_each_age(demo):
    today = timezone.localdate()
    overdue = [i for i in invoices() if i.is_overdue]
    ages = sorted((today - invoice.due_date).days for invoice in overdue)
    assert any(7 < age <= 21 for age in ages)
    assert any(21 < age <= 45 for age in ages)
    assert any(age > 45 for age in ages)


def test_reminders_sent_at_each_level_in_order(demo):
    items = ReminderInvoice.objects.select_related("reminder__run", "invoice")
    assert {item.level_rank for item in items} == {1, 2, 3}
    for item in items:
        assert item.sent and item.reminder.status == "sent"
        assert item.reminder.run.status == DunningRun.Status.SENT
        assert "{" not in item.reminder.body and item.invoice.number in item.reminder.body
        # Never a level before the one below it, and each when its delay had passed.
        level = item.reminder.level
        assert item.sent_on == item.invoice.due_date + timedelta(days=level.days_after_due)
        if item.level_rank > 1:
            below = items.get(invoice=item.invoice, level_rank=item.level_rank - 1)
            assert below.sent_on < item.sent_on
    third = items.get(level_rank=3)
    assert third.invoice.is_business and third.indemnity == Decimal("40.00")
    assert not items.filter(level_rank__lt=3, indemnity__gt=0).exists()


def test_one_customer_on_hold_with_a_reason(demo):
    hold = DunningHold.objects.get()
    assert hold.customer is not None and hold.released_at is None and hold.reason
    assert customer_balance(hold.customer).overdue > 0


def test_a_second_run_adds_nothing(demo):
    counts = (Invoice.objects.count(), Payment.objects.count(), ReminderInvoice.objects.count())
    output = StringIO()
    call_command("demo", stdout=output)
    assert (
        Invoice.objects.count(),
        Payment.objects.count(),
        ReminderInvoice.objects.count(),
    ) == counts
    assert "Règlements : déjà présents." in output.getvalue()


def test_the_demo_has_sepa_mandates(demo):
    from creneau.payments.models import Mandate, MandateStatus

    active = Mandate.objects.filter(status=MandateStatus.ACTIVE, signature_date__isnull=False)
    individuals = Customer.objects.filter(kind=Customer.Kind.INDIVIDUAL).exclude(iban="")
    core = active.filter(scheme="CORE", type="RCUR").count()
    # About one in five, and the three the SEPA batches' demo signs for past invoices.
    assert 0 < core <= individuals.count() // 5 + 1 + 3
    assert active.filter(scheme="B2B", customer__kind=Customer.Kind.BUSINESS).count() == 1
    assert Mandate.objects.filter(status=MandateStatus.REVOKED).count() == 1
