"""A year of demo-like data for the FEC tests: invoices at two VAT rates over three revenue
accounts, credit notes, payments fully and partly allocated, a reversal, a refund and a
cheque deposit, dated within a fiscal year that ends after today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from creneau.accounting.models import AccountingSettings, FiscalYear, VatRateAccount
from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.core.models import Company
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment
from creneau.payments.services import (
    cheque_deposit_create,
    payment_create,
    payment_reverse,
    refund_create,
)


def fiscal_year_around_today() -> FiscalYear:
    """Twelve months from the first day of the month eleven months ago: today is in it,
    with at least 300 days before it."""
    start = timezone.localdate().replace(day=1) - relativedelta(months=11)
    return FiscalYear.objects.create(
        start_date=start, end_date=start + relativedelta(years=1) - timedelta(days=1)
    )


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def issue(customer, lines, days: int) -> Invoice:
    """lines: (service or None, quantity, price, VAT %)."""
    invoice = invoice_create(customer=customer, by=None)
    for service, quantity, price, rate in lines:
        invoice_line_add(
            invoice=invoice,
            by=None,
            line_type="service" if service else "free",
            service=service,
            description="Entretien",
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            vat_rate=vat_rate(rate),
        )
    invoice = invoice_issue(invoice=invoice, by=None)
    return backdate(invoice, days)


def backdate(invoice: Invoice, days: int) -> Invoice:
    day = days_ago(days)
    Invoice.objects.filter(pk=invoice.pk).update(issue_date=day, due_date=day + timedelta(30))
    invoice.refresh_from_db()
    return invoice


@dataclass
class YearData:
    fiscal_year: FiscalYear
    paid: Invoice
    partly_paid: Invoice
    credited: Invoice
    credit_note: Invoice
    payment: Payment
    reversed_payment: Payment


def year_data() -> YearData:
    company = Company.load()
    company.siret = "49386880600768"
    company.save(update_fields=["siret"])
    settings = AccountingSettings.load()
    settings.cheques_to_deposit_account = "511200"
    settings.save()
    VatRateAccount.objects.create(
        vat_rate=vat_rate("10"), vat_account="445712", revenue_account="706200"
    )
    fiscal_year = fiscal_year_around_today()
    cleaning = ServiceFactory(revenue_account="706100", vat_rate=vat_rate("20"))
    dupont = CustomerFactory(name="Dupont\tMarie", accounting_code="")
    martin = CustomerFactory(name="Martin SARL")
    bernard = CustomerFactory(name="Bernard Éloïse")
    # 2 x 50 at 20 % on 706100, 30 at 10 % on 706200, 40 at 20 % on 706000: 210,00 TTC...
    paid = issue(
        dupont, [(cleaning, "2", "50", "20"), (None, "1", "30", "10"), (None, "1", "40", "20")], 280
    )
    payment = payment_create(
        customer=dupont,
        by=None,
        amount=paid.total_gross,
        method="transfer",
        date=days_ago(260),
        allocations=[{"invoice_id": paid.pk, "amount": paid.total_gross}],
    )
    partly_paid = issue(martin, [(None, "1", "100", "20"), (None, "1", "50", "10")], 250)
    payment_create(
        customer=martin,
        by=None,
        amount=Decimal("50.00"),
        method="card",
        date=days_ago(240),
        allocations=[{"invoice_id": partly_paid.pk, "amount": "50.00"}],
    )
    credited = issue(bernard, [(cleaning, "4", "50", "20")], 200)
    credit_note = backdate(credit_note_create(invoice=credited, by=None, reason="Erreur"), 190)
    # A cheque that bounces, then paid again by a deposit of cheques.
    bounced_invoice = issue(martin, [(None, "3", "25", "10")], 150)
    reversed_payment = payment_create(
        customer=martin,
        by=None,
        amount=bounced_invoice.total_gross,
        method="cheque",
        date=days_ago(140),
    )
    payment_reverse(payment=reversed_payment, by=None, reason="Chèque impayé")
    cheque_deposit_create(
        by=None,
        date=days_ago(100),
        reference="BORD-1",
        cheques=[
            {
                "customer": martin,
                "amount": bounced_invoice.total_gross,
                "cheque_bank": "CIC",
                "cheque_number": "1234567",
                "invoice": bounced_invoice,
            },
            {
                "customer": dupont,
                "amount": Decimal("80.00"),
                "cheque_bank": "LCL",
                "cheque_number": "7654321",
                "invoice": None,
            },
        ],
    )
    # Bernard pays 60 that nothing asks any more: refunded.
    extra = payment_create(
        customer=bernard,
        by=None,
        amount=Decimal("60.00"),
        method="transfer",
        date=days_ago(90),
        allocations=[],
    )
    refund_create(
        payment=extra, by=None, amount=Decimal("60.00"), method="transfer", date=days_ago(80)
    )
    # Cash, and a credit note for part of an invoice.
    cash_invoice = issue(bernard, [(None, "1", "20", "20")], 60)
    credit_note_create(invoice=cash_invoice, by=None, amount=Decimal("12.00"))
    payment_create(
        customer=bernard, by=None, amount=Decimal("12.00"), method="cash", date=days_ago(30)
    )
    return YearData(
        fiscal_year, paid, partly_paid, credited, credit_note, payment, reversed_payment
    )
