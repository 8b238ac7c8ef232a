"""The demo's invoicing (`manage.py demo`): the past months of the demo planning billed by
billing runs, one credit note, recipients on some groups; loaded once, whatever the runs."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from creneau.billing.demo import billing_periods
from creneau.billing.journal import journal_verify
from creneau.billing.models import BilledIntervention, BillingRun, Invoice
from creneau.customers.models import InvoiceRecipient
from creneau.planning.models import Intervention


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


def test_periods_are_the_months_up_to_yesterday():
    assert billing_periods(date(2026, 11, 2), date(2026, 11, 30)) == [
        (date(2026, 11, 1), date(2026, 11, 29))
    ]
    assert billing_periods(date(2026, 10, 20), date(2026, 11, 1)) == [
        (date(2026, 10, 1), date(2026, 10, 31))
    ]
    assert billing_periods(date(2026, 12, 28), date(2027, 1, 15))[-1] == (
        date(2027, 1, 1),
        date(2027, 1, 14),
    )


def test_the_past_months_are_billed_once_with_a_credit_note(demo):
    invoices = Invoice.objects.filter(kind=Invoice.Kind.INVOICE)
    assert invoices.count() > 10
    assert not invoices.filter(status=Invoice.Status.DRAFT).exists()
    assert BillingRun.objects.exists()
    assert not BillingRun.objects.exclude(status=BillingRun.Status.ISSUED).exists()
    done = Intervention.objects.filter(status=Intervention.Status.DONE, billing__isnull=False)
    assert done.exists()
    billed = BilledIntervention.objects.values_list("intervention_id", flat=True)
    assert len(billed) == len(set(billed))
    # This year's (last year's home services have one of their own, by the payments' demo).
    this_year = timezone.localdate().year
    credit_note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE, issue_date__year=this_year)
    assert credit_note.number.startswith("A-") and credit_note.credited_invoice.number
    assert credit_note.credited_invoice.amount_due < credit_note.credited_invoice.total_gross
    assert journal_verify().ok


def test_some_groups_have_recipients(demo):
    recipients = InvoiceRecipient.objects.all()
    assert recipients.filter(contact__isnull=False).exists()
    assert recipients.filter(contact__isnull=True).exclude(email="").exists()


def test_a_second_run_adds_nothing(demo):
    counts = (Invoice.objects.count(), InvoiceRecipient.objects.count())
    output = StringIO()
    call_command("demo", stdout=output)
    assert (Invoice.objects.count(), InvoiceRecipient.objects.count()) == counts
    assert "factures déjà présentes" in output.getvalue()
