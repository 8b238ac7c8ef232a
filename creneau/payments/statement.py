"""The customer statement (relevé de compte): a customer's issued invoices and credit notes,
payments, reversals and refunds over a period, in date order, with a running balance.

The balance is the one of selectors.customer_balance, refunds included: invoices, less
credit notes, less payments, plus reversals (a reversed payment counts on its own date,
and its reversal on its own: both inside the period show the money in and out), plus
refunds (money paid back out of the customer's credit). The opening balance is summed by
the database, whatever the number of documents before the period; the lines of the
period are read in three queries. A statement is bounded: a period of at most
MAX_PERIOD_YEARS, and at most MAX_LINES lines (a PDF, not an export).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.billing.models import Invoice
from creneau.core.params import parse_date_or_none
from creneau.customers.models import Customer
from creneau.payments.models import Payment, Refund
from creneau.payments.selectors import ZERO

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
MAX_PERIOD_YEARS = 5
MAX_LINES = 3000


class LineKind:
    """What a statement line is; also the order of the lines of one day: the documents,
    then the money received, then what cancels or pays it back."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    REVERSAL = "reversal"
    REFUND = "refund"

    ORDER = (INVOICE, CREDIT_NOTE, PAYMENT, REVERSAL, REFUND)


@dataclass(frozen=True)
class StatementLine:
    """One line: a debit (what the customer owes more) or a credit (owes less), and the
    balance after it. `details` holds what its label needs (number, method, reason...)."""

    kind: str
    date: date
    object_id: int
    debit: Decimal
    credit: Decimal
    balance: Decimal
    details: dict[str, Any]


@dataclass(frozen=True)
class Statement:
    customer: Customer
    start: date
    end: date
    today: date
    opening: Decimal
    lines: list[StatementLine]
    total_debit: Decimal
    total_credit: Decimal
    closing: Decimal
    overdue: Decimal  # as of `today`: what the customer should have paid by now

    @property
    def in_customer_favour(self) -> Decimal:
        """A closing balance below zero, as the amount the company owes the customer."""
        return -self.closing if self.closing < 0 else ZERO


def statement_default_period(today: date | None = None) -> tuple[date, date]:
    """The current year, to today."""
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today


def statement_period(start: object, end: object, *, today: date | None = None) -> tuple[date, date]:
    """The period asked (ISO dates, or dates; empty: the default), checked: real dates
    from 2000 to 2099, the end not before the start, at most MAX_PERIOD_YEARS. Raises a
    ValidationError naming the field, in French."""
    default_start, default_end = statement_default_period(today)
    errors: dict[str, str] = {}
    values = {}
    for field, value, default in (("start", start, default_start), ("end", end, default_end)):
        if value is None or (isinstance(value, str) and not value.strip()):
            values[field] = default
            continue
        day = parse_date_or_none(value)
        if day is None:
            errors[field] = _("Saisissez une date valide (AAAA-MM-JJ).")
        elif not EARLIEST <= day <= LATEST:
            errors[field] = _("Date hors des limites : de 2000 à 2099.")
        else:
            values[field] = day
    if errors:
        raise ValidationError(errors)
    start, end = values["start"], values["end"]
    if end < start:
        raise ValidationError({"end": _("La fin de la période ne peut précéder son début.")})
    if end >= start + relativedelta(years=MAX_PERIOD_YEARS):
        raise ValidationError(
            {"end": _("Un relevé couvre %(years)s ans au plus.") % {"years": MAX_PERIOD_YEARS}}
        )
    return start, end


def _opening_and_overdue(customer: Customer, start: date, today: date) -> tuple[Decimal, Decimal]:
    """The balance on the eve of `start`, and what is overdue today: three sums."""
    before = Q(issue_date__lt=start)
    invoices = (
        Invoice.objects.filter(customer=customer)
        .exclude(status=Invoice.Status.DRAFT)
        .aggregate(
            invoiced=Sum("total_gross", filter=before & Q(kind=Invoice.Kind.INVOICE)),
            credited=Sum("total_gross", filter=before & Q(kind=Invoice.Kind.CREDIT_NOTE)),
            overdue=Sum(
                "amount_due",
                filter=Q(kind=Invoice.Kind.INVOICE, due_date__lt=today, amount_due__gt=0),
            ),
        )
    )
    payments = Payment.objects.filter(customer=customer, date__lt=start).aggregate(
        paid=Sum("amount", filter=Q(reversal_of__isnull=True)),
        reversed=Sum("amount", filter=Q(reversal_of__isnull=False)),
    )
    refunded = Refund.objects.filter(customer=customer, date__lt=start).aggregate(
        total=Sum("amount")
    )["total"]
    opening = (
        (invoices["invoiced"] or ZERO)
        - (invoices["credited"] or ZERO)
        - (payments["paid"] or ZERO)
        + (payments["reversed"] or ZERO)
        + (refunded or ZERO)
    )
    return opening, invoices["overdue"] or ZERO


def _too_many(count: int) -> None:
    if count > MAX_LINES:
        raise ValidationError(
            {
                "end": _(
                    "Plus de %(max)s écritures sur cette période : choisissez une période "
                    "plus courte."
                )
                % {"max": f"{MAX_LINES:,}".replace(",", "\u202f")}
            }
        )


def _period_entries(customer: Customer, start: date, end: date) -> list[tuple]:
    """(date, kind, id, debit, credit, details) of the period, unsorted: three queries,
    each cut at MAX_LINES + 1 so that a huge period is refused without reading it all."""
    limit = MAX_LINES + 1
    documents = (
        Invoice.objects.filter(customer=customer, issue_date__range=(start, end))
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("issue_date", "id")
        .values(
            "id", "kind", "number", "issue_date", "due_date", "total_gross",
            "credited_invoice__number",
        )[:limit]
    )  # fmt: skip
    entries: list[tuple] = []
    for row in documents:
        is_invoice = row["kind"] == Invoice.Kind.INVOICE
        kind = LineKind.INVOICE if is_invoice else LineKind.CREDIT_NOTE
        amount = row["total_gross"]
        details = {
            "number": row["number"],
            "due_date": row["due_date"] if is_invoice else None,
            "credited_number": row["credited_invoice__number"] or "",
        }
        debit, credit = (amount, ZERO) if is_invoice else (ZERO, amount)
        entries.append((row["issue_date"], kind, row["id"], debit, credit, details))
    _too_many(len(entries))
    payments = (
        Payment.objects.filter(customer=customer, date__range=(start, end))
        .order_by("date", "id")
        .values(
            "id", "date", "amount", "method", "reference", "cheque_number", "reason",
            "reversal_of_id", "reversal_of__date",
        )[:limit]
    )  # fmt: skip
    for row in payments:
        details = {
            "method": row["method"],
            "reference": row["reference"],
            "cheque_number": row["cheque_number"],
            "reason": row["reason"],
            "reversed_payment_date": row["reversal_of__date"],
        }
        if row["reversal_of_id"] is None:
            entry = (row["date"], LineKind.PAYMENT, row["id"], ZERO, row["amount"], details)
        else:
            entry = (row["date"], LineKind.REVERSAL, row["id"], row["amount"], ZERO, details)
        entries.append(entry)
    _too_many(len(entries))
    refunds = (
        Refund.objects.filter(customer=customer, date__range=(start, end))
        .order_by("date", "id")
        .values("id", "date", "amount", "method", "reference", "reason")[:limit]
    )
    for row in refunds:
        details = {"method": row["method"], "reference": row["reference"], "reason": row["reason"]}
        entries.append((row["date"], LineKind.REFUND, row["id"], row["amount"], ZERO, details))
    _too_many(len(entries))
    return entries


def customer_statement(
    *, customer: Customer, start: date, end: date, today: date | None = None
) -> Statement:
    """The statement of a customer already fetched through customers_visible_to, for a
    period checked by statement_period. Six queries, whatever the number of documents."""
    today = today or timezone.localdate()
    opening, overdue = _opening_and_overdue(customer, start, today)
    entries = _period_entries(customer, start, end)
    entries.sort(key=lambda entry: (entry[0], LineKind.ORDER.index(entry[1]), entry[2]))
    lines, balance = [], opening
    total_debit = total_credit = ZERO
    for day, kind, object_id, debit, credit, details in entries:
        balance = balance + debit - credit
        total_debit += debit
        total_credit += credit
        lines.append(StatementLine(kind, day, object_id, debit, credit, balance, details))
    return Statement(
        customer=customer,
        start=start,
        end=end,
        today=today,
        opening=opening,
        lines=lines,
        total_debit=total_debit,
        total_credit=total_credit,
        closing=balance,
        overdue=overdue,
    )
