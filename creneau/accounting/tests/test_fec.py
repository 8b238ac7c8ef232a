"""The FEC of a year of demo-like data, read back by the checker: format, balances,
numbering, totals equal to the invoices and payments, lettering; its name; the year
without a closing date; the closed year served as it was kept."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from creneau.accounting.fec import FEC_COLUMNS, FecWriter, fec_filename
from creneau.accounting.lettering import letter_code
from creneau.accounting.models import FiscalYear
from creneau.accounting.services import fec_build, fec_content, fiscal_year_close
from creneau.accounting.tests.fec_checker import fec_check
from creneau.accounting.tests.fec_data import issue, year_data
from creneau.billing.models import Invoice
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import Payment, Refund

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")


def fec_bytes(fiscal_year: FiscalYear) -> bytes:
    return b"".join(fec_content(fiscal_year))


@pytest.fixture
def data():
    return year_data()


def test_the_fec_of_a_year_passes_the_checker_and_adds_up(data):
    fec = fec_check(fec_bytes(data.fiscal_year))
    year = data.fiscal_year
    invoices = Invoice.objects.filter(
        issue_date__range=(year.start_date, year.end_date), kind="invoice"
    ).exclude(status="draft")
    credit_notes = Invoice.objects.filter(
        issue_date__range=(year.start_date, year.end_date), kind="credit_note"
    )
    gross = invoices.aggregate(total=Sum("total_gross"))["total"]
    credited = credit_notes.aggregate(total=Sum("total_gross"))["total"]
    vat = (
        invoices.aggregate(total=Sum("total_vat"))["total"]
        - credit_notes.aggregate(total=Sum("total_vat"))["total"]
    )
    net = (
        invoices.aggregate(total=Sum("total_net"))["total"]
        - credit_notes.aggregate(total=Sum("total_net"))["total"]
    )
    # VT: 411 is what was invoiced minus what was credited; 706 and 4457 the other way.
    assert fec.account_balance("411", "VT") == gross - credited
    assert fec.account_balance("706", "VT") == -net
    assert fec.account_balance("4457", "VT") == -vat
    assert fec.account_balance("445711", "VT") < 0 and fec.account_balance("445712", "VT") < 0
    assert {line.account for line in fec.lines if line.account.startswith("706")} == {
        "706000", "706100", "706200",
    }  # fmt: skip
    # BQ: 411 credited by the payments, debited by the reversals and the refunds.
    received = Payment.objects.filter(reversal_of__isnull=True).aggregate(t=Sum("amount"))["t"]
    reversed_ = Payment.objects.filter(reversal_of__isnull=False).aggregate(t=Sum("amount"))["t"]
    refunded = Refund.objects.aggregate(t=Sum("amount"))["t"]
    assert fec.account_balance("411", "BQ") == reversed_ + refunded - received
    # The money: 512 + 530 + 5112 hold what was received, less reversals and refunds.
    money = sum((fec.account_balance(p, "BQ") for p in ("512", "530", "511")), ZERO)
    assert money == received - reversed_ - refunded
    # The cheque deposit emptied 511200 of the deposited cheques; the bounced one came back.
    assert fec.account_balance("511200") == ZERO
    journals = {line.journal for line in fec.lines}
    assert journals == {"VT", "BQ"}


def test_lettering_of_a_paid_invoice_and_none_on_a_partly_paid_one(data):
    fec = fec_check(fec_bytes(data.fiscal_year))
    paid = [line for line in fec.by_piece(data.paid.number) if line.account == "411000"]
    payment = [line for line in fec.by_piece(f"REG{data.payment.pk}") if line.account == "411000"]
    assert paid[0].letter and paid[0].letter == payment[0].letter
    assert paid[0].letter_day == f"{data.payment.date:%Y%m%d}"  # the latest of the group
    partly = [line for line in fec.by_piece(data.partly_paid.number) if line.account == "411000"]
    assert partly[0].letter == "" and partly[0].letter_day == ""
    # An invoice cancelled by its credit note: lettered together.
    credited = [line for line in fec.by_piece(data.credited.number) if line.account == "411000"]
    note = [line for line in fec.by_piece(data.credit_note.number) if line.account == "411000"]
    assert credited[0].letter and credited[0].letter == note[0].letter
    # Only the customers' account is lettered; the bank side never.
    assert all(line.account == "411000" for line in fec.lines if line.letter)


def test_credit_notes_are_written_the_other_way_round(data):
    fec = fec_check(fec_bytes(data.fiscal_year))
    lines = fec.by_piece(data.credit_note.number)
    customer = next(line for line in lines if line.account == "411000")
    assert customer.credit == data.credit_note.total_gross and customer.debit == ZERO
    assert all(line.debit > 0 for line in lines if line.account != "411000")


def test_auxiliary_accounts_and_text_without_tabs(data):
    fec = fec_check(fec_bytes(data.fiscal_year))
    line = next(line for line in fec.by_piece(data.paid.number) if line.account == "411000")
    # No accounting code on the record: the customer code, which starts with a letter.
    assert line.aux == data.paid.customer.code
    assert "Dupont Marie" in line.label
    lines = fec.by_piece(data.partly_paid.number)
    partly = next(line for line in lines if line.account == "411000")
    assert partly.aux == data.partly_paid.customer.accounting_code


def test_the_file_name_and_header(data):
    assert fec_filename(data.fiscal_year) == f"493868806FEC{data.fiscal_year.end_date:%Y%m%d}.txt"
    content = fec_bytes(data.fiscal_year)
    assert content.split(b"\r\n")[0].decode() == "\t".join(FEC_COLUMNS)
    assert "Éloïse".encode("iso8859_15") in content


def test_letter_codes():
    numbers = (0, 1, 25, 26, 675, 676, 677, 676 + 17_575, 676 + 17_576)
    assert [letter_code(n) for n in numbers] == [
        "AA", "AB", "AZ", "BA", "ZZ", "AAA", "AAB", "ZZZ", "AAAA",
    ]  # fmt: skip


def test_a_year_without_closing_date_answers_422(api_for, accountant, client_for, data):
    response = api_for(accountant).get("/api/v1/accounting/fec", {"year": 2019})
    assert response.status_code == 422
    message = response.json()["detail"][0]["msg"]
    assert message == (
        "Aucun exercice ne se clôt en 2019 : fixez sa date de clôture dans "
        "Paramètres › Comptabilité."  # noqa: RUF001
    )
    with pytest.raises(CommandError, match="Aucun exercice ne se clôt en 2019"):
        call_command("export_fec", "--year", "2019")


def test_the_api_serves_the_file_named_after_the_siren(api_for, accountant, data):
    year = data.fiscal_year.end_date.year
    response = api_for(accountant).get("/api/v1/accounting/fec", {"year": year})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert fec_filename(data.fiscal_year) in response["Content-Disposition"]
    fec_check(b"".join(response.streaming_content))


def test_the_command_writes_the_file(tmp_path, data):
    output = tmp_path / "fec.txt"
    call_command("export_fec", "--year", str(data.fiscal_year.end_date.year),
                 "--output", str(output))  # fmt: skip
    assert output.read_bytes() == fec_bytes(data.fiscal_year)


def test_a_closed_year_is_served_byte_identical(data, accountant, api_for, settings):
    fiscal_year = data.fiscal_year
    # A year closes once its closing date is past: the data's year ends after today, so
    # it is shortened to end on the day of the credit note.
    FiscalYear.objects.filter(pk=fiscal_year.pk).update(end_date=data.credit_note.issue_date)
    fiscal_year.refresh_from_db()
    closed = fiscal_year_close(by=accountant, fiscal_year=fiscal_year)
    kept = fec_bytes(closed)
    fec_check(kept)
    assert hashlib.sha256(kept).hexdigest() == closed.fec_sha256
    # A later change in the database (a customer renamed, an account changed)...
    Invoice.objects.filter(pk=data.paid.pk).update(customer_name="Changé")
    data.paid.customer.__class__.objects.filter(pk=data.paid.customer_id).update(name="Autre")
    fresh = io.BytesIO()
    fec_build(closed, fresh)
    assert fresh.getvalue() != kept  # what a new writing would give
    response = api_for(accountant).get("/api/v1/accounting/fec", {"year": closed.end_date.year})
    assert b"".join(response.streaming_content) == kept


def test_an_invoice_without_lines_goes_to_the_default_revenue_account(data):
    invoice = issue(CustomerFactory(), [(None, "1", "10", "20")], 5)
    invoice.lines.all().delete()
    fec = fec_check(fec_bytes(data.fiscal_year))
    lines = fec.by_piece(invoice.number)
    assert {line.account for line in lines} == {"411000", "706000", "445711"}


def test_line_count_of_the_writer(data):
    writer = FecWriter(data.fiscal_year)
    lines = list(writer.lines())
    assert writer.line_count == len(lines) - 1
