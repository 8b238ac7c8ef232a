"""The customer statement: its lines in date order with a running balance (invoices, credit
notes, partial payments, reversals, refunds), the opening balance summed from before the
period, the checks of the period, a query count flat in the number of documents, and the
PDF read back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.billing.tests.factories import draft_invoice, issued_invoice
from creneau.billing.tests.facturx_fixtures import NBSP, company_with_identity, euros, pdf_text
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments import statement as statement_module
from creneau.payments.models import Payment, PaymentMethod, Refund
from creneau.payments.print.statement import statement_filename, statement_pdf
from creneau.payments.selectors import customer_balance
from creneau.payments.services import payment_create, payment_reverse
from creneau.payments.statement import customer_statement, statement_period

pytestmark = pytest.mark.django_db

START, END = date(2025, 1, 1), date(2025, 3, 31)
TODAY = date(2025, 4, 15)  # the statement's "today": overdue is reckoned on it


def invoice_on(customer, day: date, price: str = "100", due: date | None = None) -> Invoice:
    """An issued invoice of `price` excl. VAT (20 %), dated `day`."""
    invoice = issued_invoice(customer=customer, lines=[("Ménage", "1", price, "20")])
    Invoice.objects.filter(pk=invoice.pk).update(issue_date=day, due_date=due or day)
    return Invoice.objects.get(pk=invoice.pk)


def credit_note_on(invoice: Invoice, day: date, amount: str) -> Invoice:
    note = credit_note_create(invoice=invoice, by=None, amount=Decimal(amount), reason="Geste")
    Invoice.objects.filter(pk=note.pk).update(issue_date=day, due_date=day)
    return Invoice.objects.get(pk=note.pk)


def pay_on(customer, day: date, amount: str, **kwargs) -> Payment:
    kwargs.setdefault("method", PaymentMethod.TRANSFER)
    return payment_create(customer=customer, by=None, amount=Decimal(amount), date=day, **kwargs)


def reverse_on(payment: Payment, day: date, reason: str = "Chèque impayé") -> Payment:
    reversal = payment_reverse(payment=payment, by=None, reason=reason)
    Payment.objects.filter(pk=reversal.pk).update(date=day)
    return Payment.objects.get(pk=reversal.pk)


def refund_on(payment: Payment, day: date, amount: str) -> Refund:
    return Refund.objects.create(
        payment=payment, customer=payment.customer, date=day, amount=Decimal(amount),
        method=Refund.Method.TRANSFER, reference="REMB-1",
    )  # fmt: skip


@pytest.fixture
def account():
    """A customer with a year of history: before the period, an invoice of 120 partly paid
    (20); in the period, an invoice of 240, a credit note of 60 on it, a partial payment of
    50, a cheque of 30 that bounced, a payment of 400 that leaves a credit, a refund of 10
    of that credit; after the period, an invoice of 360 that the statement leaves out."""
    customer = CustomerFactory(name="Syndic Horizon", code="C00042", email="compta@horizon.fr")
    old = invoice_on(customer, date(2024, 11, 10), due=date(2024, 12, 10))
    pay_on(customer, date(2024, 12, 1), "20")
    big = invoice_on(customer, date(2025, 1, 5), "200", due=date(2025, 2, 4))
    credit_note_on(big, date(2025, 1, 20), "60")
    pay_on(customer, date(2025, 2, 1), "50", reference="VIR-FEV")
    cheque = pay_on(customer, date(2025, 2, 10), "30", method="cheque", cheque_number="0012")
    reverse_on(cheque, date(2025, 2, 20))
    credit = pay_on(customer, date(2025, 3, 1), "400", reference="VIR-MARS")
    refund_on(credit, date(2025, 3, 5), "10")
    invoice_on(customer, date(2025, 4, 10), "300", due=date(2025, 5, 10))
    return {"customer": customer, "old": old, "big": big}


def test_the_lines_and_the_running_balance(account):
    statement = customer_statement(customer=account["customer"], start=START, end=END, today=TODAY)
    assert statement.opening == Decimal("100.00")  # 120 invoiced - 20 paid, before 1 January
    rows = [(ln.date, ln.kind, ln.debit, ln.credit, ln.balance) for ln in statement.lines]
    assert rows == [
        (date(2025, 1, 5), "invoice", Decimal("240.00"), 0, Decimal("340.00")),
        (date(2025, 1, 20), "credit_note", 0, Decimal("60.00"), Decimal("280.00")),
        (date(2025, 2, 1), "payment", 0, Decimal("50.00"), Decimal("230.00")),
        (date(2025, 2, 10), "payment", 0, Decimal("30.00"), Decimal("200.00")),
        (date(2025, 2, 20), "reversal", Decimal("30.00"), 0, Decimal("230.00")),
        (date(2025, 3, 1), "payment", 0, Decimal("400.00"), Decimal("-170.00")),
        (date(2025, 3, 5), "refund", Decimal("10.00"), 0, Decimal("-160.00")),
    ]
    assert statement.total_debit == Decimal("280.00")
    assert statement.total_credit == Decimal("540.00")
    assert statement.closing == Decimal("-160.00") == statement.lines[-1].balance
    assert statement.in_customer_favour == Decimal("160.00")
    # On 15 April nothing is past due: the 400 settled both invoices, April's is not due.
    assert statement.overdue == Decimal("0.00")
    assert statement.lines[0].details["number"] == account["big"].number


def test_the_opening_balance_is_the_closing_balance_of_the_period_before(account):
    customer = account["customer"]
    before = customer_statement(customer=customer, start=date(2024, 1, 1), end=date(2024, 12, 31))
    during = customer_statement(customer=customer, start=START, end=END)
    assert before.opening == 0 and before.closing == during.opening == Decimal("100.00")
    # Over everything, the closing balance is the customer's balance (refunds included).
    everything = customer_statement(customer=customer, start=date(2000, 1, 1), end=TODAY)
    assert everything.opening == 0
    assert everything.closing == customer_balance(customer).balance
    assert everything.closing == Decimal("200.00")  # 120 + 240 - 60 + 360 - 450 - 20 + 10


def test_a_day_holds_documents_before_payments_and_reversals_after():
    customer = CustomerFactory()
    day = date(2025, 6, 2)
    payment = pay_on(customer, day, "10")  # recorded first, printed after the invoice
    invoice_on(customer, day)
    reverse_on(payment, day)
    statement = customer_statement(customer=customer, start=day, end=day)
    assert [line.kind for line in statement.lines] == ["invoice", "payment", "reversal"]
    assert [line.balance for line in statement.lines] == [Decimal("120.00"), 110, 120]


def test_drafts_and_other_customers_are_left_out():
    customer, other = CustomerFactory(), CustomerFactory()
    invoice_on(other, date(2025, 2, 1))
    pay_on(other, date(2025, 2, 1), "5")
    draft_invoice(customer=customer)
    statement = customer_statement(customer=customer, start=date(2000, 1, 1), end=date(2099, 1, 1))
    assert statement.lines == [] and statement.opening == statement.closing == 0


def test_the_overdue_amount_counts_what_is_past_due_on_the_day():
    customer = CustomerFactory()
    invoice_on(customer, date(2025, 1, 5), due=date(2025, 2, 4))
    invoice_on(customer, date(2025, 3, 5), due=date(2025, 4, 30))
    pay_on(customer, date(2025, 3, 10), "20")  # oldest first: 100 left on the first
    statement = customer_statement(customer=customer, start=START, end=END, today=TODAY)
    assert statement.overdue == Decimal("100.00")
    assert statement.closing == Decimal("220.00")


# --- the period ---------------------------------------------------------------------------


def test_the_default_period_is_the_year_to_today():
    assert statement_period("", None, today=date(2026, 5, 17)) == (
        date(2026, 1, 1),
        date(2026, 5, 17),
    )
    assert statement_period("2025-01-01", "2025-01-01") == (date(2025, 1, 1), date(2025, 1, 1))


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("2025-02-30", "2025-03-01", "start", "date valide"),
        ("hier", "2025-03-01", "start", "date valide"),
        ("2025-03-01", "2025-02-28", "end", "ne peut précéder"),
        ("1999-12-31", "2025-01-01", "start", "de 2000 à 2099"),
        ("2025-01-01", "2100-01-01", "end", "de 2000 à 2099"),
        ("2020-01-01", "2025-01-01", "end", "5 ans au plus"),
    ],
)
def test_a_bad_period_is_refused_at_its_field(start, end, field, message):
    with pytest.raises(ValidationError) as error:
        statement_period(start, end)
    assert message in " ".join(error.value.message_dict[field])


def test_five_years_less_a_day_is_accepted():
    assert statement_period("2020-01-01", "2024-12-31")[1] == date(2024, 12, 31)


def test_too_many_lines_are_refused(monkeypatch):
    monkeypatch.setattr(statement_module, "MAX_LINES", 3)
    customer = CustomerFactory()
    for day in range(1, 5):
        pay_on(customer, date(2025, 1, day), "1")
    with pytest.raises(ValidationError, match="Plus de 3 écritures"):
        customer_statement(customer=customer, start=START, end=END)
    assert len(customer_statement(customer=customer, start=START, end=date(2025, 1, 3)).lines) == 3


# --- queries ------------------------------------------------------------------------------


def test_the_query_count_is_flat_in_the_number_of_documents():
    customer = CustomerFactory()

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as context:
            statement = customer_statement(customer=customer, start=START, end=END)
        return len(context), len(statement.lines)

    invoice = invoice_on(customer, date(2024, 12, 1))
    pay_on(customer, date(2025, 1, 2), "10")
    few, lines = queries()
    for day in range(1, 8):
        invoice_on(customer, date(2024, 6, day))  # before the period: summed
        invoice = invoice_on(customer, date(2025, 2, day))
        credit_note_on(invoice, date(2025, 2, day + 1), "12")
        payment = pay_on(customer, date(2025, 3, day), "5")
        reverse_on(payment, date(2025, 3, day + 1))
        refund_on(pay_on(customer, date(2025, 3, day), "500"), date(2025, 3, 20), "1")
    many, more_lines = queries()
    assert more_lines > lines + 40
    assert many == few == 6


# --- the PDF ------------------------------------------------------------------------------


def test_the_pdf_prints_every_line_with_its_balance(account):
    company_with_identity()
    statement = customer_statement(customer=account["customer"], start=START, end=END, today=TODAY)
    content = statement_pdf(statement=statement)
    assert content.startswith(b"%PDF")
    assert b"pdfaid:part" in content and b"pdfaid:conformance" in content  # PDF/A
    text = pdf_text(content)
    for expected in (
        "Relevé de compte",
        "Clair & Net Services",
        "Syndic Horizon",
        "C00042",
        "du 01/01/2025 au 31/03/2025",
        "Solde antérieur",
        euros("100,00"),
        f"Facture {account['big'].number}",
        "Échéance le 04/02/2025",
        f"Sur la facture {account['big'].number}",
        "VIR-FEV",
        "Chèque n° 0012",
        "Annulation du règlement du 10/02/2025",
        "Chèque impayé",
        "Remboursement",
        euros("340,00"),
        euros("230,00"),
        "-" + euros("170,00"),
        "Solde au 31/03/2025",
        "-" + euros("160,00"),
        "Montant échu au 15/04/2025",
        "Solde en votre faveur au 31/03/2025 : " + euros("160,00"),
    ):
        assert expected in text, expected
    assert "10/04/2025" not in text  # the invoice after the period
    assert NBSP + "€" in text


def test_an_empty_period_says_so_and_the_file_is_named_after_the_customer():
    customer = CustomerFactory(name="Jeanne Martin", code="C00007")
    statement = customer_statement(customer=customer, start=START, end=END, today=TODAY)
    text = pdf_text(statement_pdf(statement=statement))
    assert "Aucune écriture sur la période." in text
    assert "Votre compte est soldé au 31/03/2025." in text
    assert statement_filename(statement) == "releve-c00007-jeanne-martin-2025-01-01-2025-03-31.pdf"
