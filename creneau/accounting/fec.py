"""The FEC (fichier des écritures comptables, LPF art. A47 A-1) of a fiscal year, written
from the invoices, credit notes, payments, reversals, refunds and cheque deposits.

- 18 columns in the legal order, tab-separated, one line per CRLF, ISO 8859-15 (the
  character sets the administration lists: ASCII, ISO 8859-15, EBCDIC);
- dates AAAAMMJJ, amounts with a decimal comma, both Debit and Credit written (0,00);
- journal VT (ventes): each invoice debits 411 (with the customer's auxiliary account)
  by its amount incl. VAT, and credits its revenue accounts (per account, from its lines)
  and its VAT accounts (per rate, from its VAT breakdown); a credit note the other way;
- journal BQ (banque): a payment debits its bank account and credits 411, a reversal the
  other way, a refund debits 411 and credits the bank; with a cheques-to-deposit account,
  cheques are received on it and each deposit moves its total to the bank;
- each entry balanced, numbered continuously per journal in date order (VT000001…);
- lettering of the 411 lines (lettering.py).

Streamed: a few queries read in chunks (server-side cursors on PostgreSQL), merged in
date order; nothing grows with the year but the lettering's compact arrays.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import groupby

from django.db import transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _

from creneau.accounting.accounts import AccountPlan, account_plan_load, customer_aux_code
from creneau.accounting.lettering import Lettering
from creneau.accounting.models import FiscalYear
from creneau.accounting.streaming import json_value, query_rows
from creneau.billing.models import Invoice, InvoiceLine
from creneau.core.models import Company
from creneau.payments.models import ChequeDeposit, Payment, PaymentMethod, Refund

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
FEC_ENCODING = "iso8859_15"
LINE_END = "\r\n"
CHUNK = 5000
ZERO = Decimal("0.00")
ZERO_TEXT = "0,00"
# No tab nor line break inside a field.
_FIELD_CLEAN = str.maketrans({"\t": " ", "\r": " ", "\n": " "})


def fec_filename(fiscal_year: FiscalYear, company: Company | None = None) -> str:
    """<SIREN>FEC<AAAAMMJJ>.txt, after the closing date."""
    company = company or Company.load()
    siren = (company.siret or "")[:9] or "000000000"
    return f"{siren}FEC{fiscal_year.end_date:%Y%m%d}.txt"


def _text(value: str | None) -> str:
    if not value:
        return ""
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.translate(_FIELD_CLEAN)
    return value.strip()


def _money(value: Decimal) -> str:
    text = str(value)  # the database's amounts have two decimals: "12.50"
    if len(text) < 4 or text[-3] != "." or "E" in text:
        text = f"{value:.2f}"
    return text.replace(".", ",")


class _Days:
    """AAAAMMJJ of each date, formatted once."""

    def __init__(self) -> None:
        self.cache: dict[date, str] = {}

    def __call__(self, day: date | None) -> str:
        if day is None:
            return ""
        text = self.cache.get(day)
        if text is None:
            text = self.cache[day] = f"{day:%Y%m%d}"
        return text


class _Journal:
    """One journal's code, label and continuous entry numbers."""

    def __init__(self, code: str, label: str) -> None:
        self.code, self.label, self.count = _text(code), _text(label), 0

    def head(self, day: str) -> str:
        """The next entry's first four cells: journal, its label, number and date."""
        self.count += 1
        return f"{self.code}\t{self.label}\t{self.code}{self.count:06d}\t{day}\t"


NO_AUX = "\t"
NO_LETTER = "\t"


class FecWriter:
    """The lines of one fiscal year's FEC, header first (`lines()`), or its bytes in
    chunks (`chunks()`)."""

    def __init__(self, fiscal_year: FiscalYear, plan: AccountPlan | None = None) -> None:
        self.start, self.end = fiscal_year.start_date, fiscal_year.end_date
        self.plan = plan or account_plan_load()
        settings = self.plan.settings
        self.sales = _Journal(settings.sales_journal_code, settings.sales_journal_label)
        self.bank = _Journal(settings.bank_journal_code, settings.bank_journal_label)
        self.day = _Days()
        self.lettering: Lettering | None = None
        self.line_count = 0
        self.account_cells: dict[str, str] = {}
        # Translated once: gettext per entry would cost a fifth of the time.
        self.words = {
            "invoice": _("Facture %(number)s %(name)s"),
            "credit_note": _("Avoir %(number)s sur %(invoice)s %(name)s"),
            "payment": _("Règlement"),
            "reversal": _("Annulation du règlement REG%(id)s du %(date)s %(name)s"),
            "refund": _("Remboursement"),
            "deposit": _("Remise de %(count)s chèque(s) %(reference)s"),
        }
        self.methods = {key: str(label) for key, label in PaymentMethod.choices}

    # Output ------------------------------------------------------------------------------

    def batches(self) -> Iterator[list[str]]:
        """The lines, an entry at a time (a list each): the header, VT, then BQ. In one
        transaction: on PostgreSQL, its server-side cursors then stream their rows as they
        are fetched, instead of materializing each whole result first (WITH HOLD)."""
        yield ["\t".join(FEC_COLUMNS) + LINE_END]
        with transaction.atomic():
            self.lettering = Lettering(self.start, self.end)
            yield from self._sales_lines()
            yield from self._bank_lines()

    def lines(self) -> Iterator[str]:
        for batch in self.batches():
            yield from batch

    def chunks(self, lines_per_chunk: int = 2000) -> Iterator[bytes]:
        buffer: list[str] = []
        for batch in self.batches():
            buffer += batch
            if len(buffer) >= lines_per_chunk:
                yield "".join(buffer).encode(FEC_ENCODING, "replace")
                buffer.clear()
        if buffer:
            yield "".join(buffer).encode(FEC_ENCODING, "replace")

    def _account(self, account: str) -> str:
        """The CompteNum and CompteLib cells of an account, made once."""
        cells = self.account_cells.get(account)
        if cells is None:
            cells = self.account_cells[account] = f"{account}\t{_text(self.plan.label(account))}"
        return cells

    def _line(
        self,
        head: str,
        account: str,
        aux: str,
        piece: str,
        debit: Decimal,
        credit: Decimal,
        letter: str,
        day: str,
    ) -> str:
        """One line: `head` (journal to date), `aux` (CompAuxNum and CompAuxLib), `piece`
        (PieceRef, PieceDate, EcritureLib), `letter` (EcritureLet and DateLet)."""
        self.line_count += 1
        if debit < 0 or credit < 0:  # a negative amount is written in the other column
            debit, credit = -credit, -debit
        debit_text = _money(debit) if debit else ZERO_TEXT
        credit_text = _money(credit) if credit else ZERO_TEXT
        return (
            f"{head}{self._account(account)}\t{aux}\t{piece}\t{debit_text}\t{credit_text}\t"
            f"{letter}\t{day}\t\t{LINE_END}"
        )

    def _aux(self, accounting_code: str, code: str, name: str) -> str:
        return f"{_text(customer_aux_code(accounting_code or '', code))}\t{_text(name)}"

    # Sales journal (VT) --------------------------------------------------------------------

    def _invoices(self):
        return query_rows(
            Invoice.objects.filter(issue_date__gte=self.start, issue_date__lte=self.end)
            .exclude(status=Invoice.Status.DRAFT)
            .order_by("issue_date", "id")
            .values_list(
                "id",
                "kind",
                "number",
                "issue_date",
                "total_gross",
                "vat_breakdown",
                "customer__accounting_code",
                "customer__code",
                "customer__name",
                "credited_invoice__number",
            ),
            CHUNK,
        )

    def _revenues(self):
        """Per invoice (in the invoices' order), the net of its lines per revenue account:
        the service's, else the VAT rate's, else the default."""
        account = Coalesce(
            NullIf("service__revenue_account", Value("")),
            NullIf("vat_rate__accounts__revenue_account", Value("")),
            Value(self.plan.default_revenue_account),
        )
        return query_rows(
            InvoiceLine.objects.filter(
                invoice__issue_date__gte=self.start,
                invoice__issue_date__lte=self.end,
                vat_rate_value__isnull=False,
            )
            .exclude(invoice__status=Invoice.Status.DRAFT)
            .annotate(account=account)
            .values_list("invoice__issue_date", "invoice_id", "account")
            .annotate(total=Sum("net"))
            .order_by("invoice__issue_date", "invoice_id", "account"),
            CHUNK,
        )

    def _sales_lines(self) -> Iterator[list[str]]:
        revenues = groupby(self._revenues(), key=lambda row: (row[0], row[1]))
        pending = next(revenues, None)
        for row in self._invoices():
            pk, _kind, _number, issue_date = row[:4]
            accounts: list[tuple[str, Decimal]] = []
            # Both queries are in (issue date, id) order: skip to this invoice's rows.
            while pending is not None and pending[0] < (issue_date, pk):
                pending = next(revenues, None)
            if pending is not None and pending[0] == (issue_date, pk):
                accounts = [(line[2], line[3]) for line in pending[1]]
                pending = next(revenues, None)
            yield self._invoice_entry(row, accounts)

    def _invoice_entry(self, row, accounts: list[tuple[str, Decimal]]) -> list[str]:
        pk, kind, number, issue_date, gross, breakdown, accounting_code, code, name, credited = row
        breakdown = json_value(breakdown)
        plan = self.plan
        day = self.day(issue_date)
        head = self.sales.head(day)
        vat: dict[str, Decimal] = {}
        for tax in breakdown or []:
            vat_account = plan.vat_account(tax["rate"])
            vat[vat_account] = vat.get(vat_account, ZERO) + Decimal(tax["vat"])
        if not accounts:  # no lines (imported documents): the bases, on the default account
            accounts = [
                (plan.default_revenue_account, sum((Decimal(t["base"]) for t in breakdown), ZERO))
            ]
        words = {"number": number, "invoice": credited or "", "name": name}
        credit_note = kind == Invoice.Kind.CREDIT_NOTE
        label = _text(self.words["credit_note" if credit_note else "invoice"] % words)
        piece = f"{number}\t{day}\t{label}"
        letter = self.lettering.invoice_cells(pk)
        aux = self._aux(accounting_code, code, name)
        end = f"\t{day}\t\t{LINE_END}"
        cells = self._account
        total = _money(gross)
        amounts = f"{ZERO_TEXT}\t{total}" if credit_note else f"{total}\t{ZERO_TEXT}"
        lines = [f"{head}{cells(plan.customers_account)}\t{aux}\t{piece}\t{amounts}\t{letter}{end}"]
        for pairs in (accounts, vat.items()):
            for account, amount in pairs:
                if not amount:
                    continue
                # Revenue and VAT on the credit side of an invoice, the debit side of a
                # credit note; a negative amount (a discount) on the other side.
                debit_side = credit_note != (amount < 0)
                text = _money(-amount if amount < 0 else amount)
                amounts = f"{text}\t{ZERO_TEXT}" if debit_side else f"{ZERO_TEXT}\t{text}"
                lines.append(
                    f"{head}{cells(account)}\t{NO_AUX}\t{piece}\t{amounts}\t{NO_LETTER}{end}"
                )
        self.line_count += len(lines)
        return lines

    # Bank journal (BQ) --------------------------------------------------------------------

    def _bank_lines(self) -> Iterator[list[str]]:
        """Payments, deposits, reversals and refunds, merged in date order."""
        streams = [self._payments(), self._reversals(), self._refunds()]
        if self.plan.cheques_account:
            streams.append(self._deposits())
        for _key, write in heapq.merge(*streams, key=lambda item: item[0]):
            yield write()

    def _payment_rows(self, reversals: bool):
        fields = [
            "id",
            "date",
            "amount",
            "method",
            "reference",
            "customer__accounting_code",
            "customer__code",
            "customer__name",
        ]
        if reversals:
            fields += ["reversal_of__deposit_id", "reversal_of_id", "reversal_of__date"]
        return query_rows(
            Payment.objects.filter(
                date__gte=self.start, date__lte=self.end, reversal_of__isnull=not reversals
            )
            .order_by("date", "id")
            .values_list(*fields),
            CHUNK,
        )

    def _payments(self):
        for row in self._payment_rows(reversals=False):
            yield (row[1], 0, row[0]), (lambda row=row: self._payment_entry(row))

    def _payment_entry(self, row) -> list[str]:
        pk, day, amount, method, reference, accounting_code, code, name = row
        plan = self.plan
        day_text = self.day(day)
        head = self.bank.head(day_text)
        label = _text(
            f"{self.words['payment']} {self.methods.get(method, method)} {name} {reference}"
        )
        piece = f"REG{pk}\t{day_text}\t{label}"
        # A cheque is received on the cheques-to-deposit account, if any: its deposit moves
        # it to the bank (_deposit_entry).
        bank = plan.received_account(method, deposited=False)
        letter = self.lettering.payment_cells(pk)
        aux = self._aux(accounting_code, code, name)
        return [
            self._line(head, bank, NO_AUX, piece, amount, ZERO, NO_LETTER, day_text),
            self._line(head, plan.customers_account, aux, piece, ZERO, amount, letter, day_text),
        ]

    def _reversals(self):
        for row in self._payment_rows(reversals=True):
            yield (row[1], 2, row[0]), (lambda row=row: self._reversal_entry(row))

    def _reversal_entry(self, row) -> list[str]:
        pk, day, amount, method, _reference, accounting_code, code, name = row[:8]
        deposit_id, reversed_id, reversed_day = row[8:]
        plan = self.plan
        day_text = self.day(day)
        head = self.bank.head(day_text)
        words = {"id": reversed_id, "date": f"{reversed_day:%d/%m/%Y}", "name": name}
        piece = f"ANN{pk}\t{day_text}\t{_text(self.words['reversal'] % words)}"
        bank = plan.received_account(method, deposited=deposit_id is not None)
        letter = self.lettering.payment_cells(pk)
        aux = self._aux(accounting_code, code, name)
        return [
            self._line(head, plan.customers_account, aux, piece, amount, ZERO, letter, day_text),
            self._line(head, bank, NO_AUX, piece, ZERO, amount, NO_LETTER, day_text),
        ]

    def _refunds(self):
        rows = query_rows(
            Refund.objects.filter(date__gte=self.start, date__lte=self.end)
            .order_by("date", "id")
            .values_list(
                "id",
                "date",
                "amount",
                "method",
                "reference",
                "customer__accounting_code",
                "customer__code",
                "customer__name",
            ),
            CHUNK,
        )
        for row in rows:
            yield (row[1], 3, row[0]), (lambda row=row: self._refund_entry(row))

    def _refund_entry(self, row) -> list[str]:
        pk, day, amount, method, reference, accounting_code, code, name = row
        plan = self.plan
        day_text = self.day(day)
        head = self.bank.head(day_text)
        label = _text(f"{self.words['refund']} {name} {reference}")
        piece = f"RBT{pk}\t{day_text}\t{label}"
        letter = self.lettering.refund_cells(pk)
        aux = self._aux(accounting_code, code, name)
        bank = plan.refund_account(method)
        return [
            self._line(head, plan.customers_account, aux, piece, amount, ZERO, letter, day_text),
            self._line(head, bank, NO_AUX, piece, ZERO, amount, NO_LETTER, day_text),
        ]

    def _deposits(self):
        rows = query_rows(
            ChequeDeposit.objects.filter(date__gte=self.start, date__lte=self.end)
            .annotate(
                total=Sum("payments__amount", filter=Q(payments__reversal_of__isnull=True)),
                cheques=Count("payments", filter=Q(payments__reversal_of__isnull=True)),
            )
            .order_by("date", "id")
            .values_list("id", "date", "reference", "total", "cheques"),
            CHUNK,
        )
        for row in rows:
            if row[3]:
                yield (row[1], 1, row[0]), (lambda row=row: self._deposit_entry(row))

    def _deposit_entry(self, row) -> list[str]:
        pk, day, reference, total, cheques = row
        plan = self.plan
        day_text = self.day(day)
        head = self.bank.head(day_text)
        label = _text(self.words["deposit"] % {"count": cheques, "reference": reference})
        piece = f"{_text(reference) or f'REM{pk}'}\t{day_text}\t{label}"
        bank = plan.method_account(PaymentMethod.CHEQUE)
        return [
            self._line(head, bank, NO_AUX, piece, total, ZERO, NO_LETTER, day_text),
            self._line(head, plan.cheques_account, NO_AUX, piece, ZERO, total, NO_LETTER, day_text),
        ]
