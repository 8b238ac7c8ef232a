"""The demo (`manage.py demo`) has this year's and last year's fiscal years, and the FEC of
its year, made from its invoices, credit note, payments, deposit and bounced cheque,
passes the checker and adds up to its invoices and payments."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from creneau.accounting.models import TaxCertificate
from creneau.accounting.selectors import fiscal_year_for
from creneau.accounting.services import fec_content
from creneau.accounting.tests.fec_checker import fec_check
from creneau.billing.models import Invoice
from creneau.payments.models import Payment, Refund


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    """Each test runs in a savepoint inside the module's transaction."""


def _sum(queryset, field: str) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or Decimal("0.00")


def test_the_demo_year_has_a_fec_that_adds_up(demo):
    year = fiscal_year_for(timezone.localdate().year)
    assert fiscal_year_for(year.end_date.year - 1)
    fec = fec_check(b"".join(fec_content(year)))
    issued = Invoice.objects.exclude(status="draft").filter(
        issue_date__range=(year.start_date, year.end_date)
    )
    invoiced = _sum(issued.filter(kind="invoice"), "total_gross")
    credited = _sum(issued.filter(kind="credit_note"), "total_gross")
    assert fec.account_balance("411", "VT") == invoiced - credited
    payments = Payment.objects.filter(date__range=(year.start_date, year.end_date))
    received = _sum(payments.filter(reversal_of__isnull=True), "amount")
    reversed_ = _sum(payments.filter(reversal_of__isnull=False), "amount")
    refunds = _sum(Refund.objects.filter(date__range=(year.start_date, year.end_date)), "amount")
    assert fec.account_balance("411", "BQ") == reversed_ + refunds - received
    assert any(line.letter for line in fec.lines)
    # A second loading adds no fiscal year.
    call_command("demo", stdout=StringIO())
    assert fiscal_year_for(year.end_date.year).pk == year.pk


def test_the_demo_has_last_years_tax_certificates(demo):
    year = timezone.localdate().year - 1
    certificates = list(TaxCertificate.objects.filter(year=year).select_related("customer"))
    assert len(certificates) >= 5
    assert all(certificate.amount_paid > 0 for certificate in certificates)
    assert any(certificate.cesu_prefinanced > 0 for certificate in certificates)
    for certificate in certificates:
        assert certificate.hours > 0
        assert certificate.employees and all(worker["name"] for worker in certificate.employees)
    # Last year's invoices are all settled: nothing of them is overdue in this year's dunning.
    last_year = Invoice.objects.filter(issue_date__year=year)
    assert last_year.filter(kind="credit_note").count() == 1
    assert not last_year.filter(kind="invoice", amount_due__gt=0).exists()
    # The December invoice paid in January is not in last year's amounts.
    assert Payment.objects.filter(
        date__year=year + 1, allocations__invoice__issue_date__year=year
    ).exists()
