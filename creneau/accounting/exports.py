"""The CSV exports of a period for tools that do not read the FEC: the invoices and credit
notes issued, and the payments, reversals and refunds. Written by core.csv_export (UTF-8
with BOM, `;`, decimal comma, dates JJ/MM/AAAA), streamed from the database; the columns
are listed in docs/accounting.md."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creneau.accounting.accounts import AccountPlan, account_plan_load, customer_aux_code
from creneau.billing.models import Invoice
from creneau.core.csv_export import Cell
from creneau.payments.models import Payment, PaymentMethod, Refund

CHUNK = 2000
ZERO = Decimal("0.00")
# The VAT rates with columns of their own; any other rate goes to "autres taux".
CSV_RATES = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"))

INVOICE_COLUMNS = [
    gettext_lazy("Date"),
    gettext_lazy("Numéro"),
    gettext_lazy("Type"),
    gettext_lazy("Facture d'origine"),
    gettext_lazy("Code client"),
    gettext_lazy("Compte auxiliaire"),
    gettext_lazy("Client"),
    gettext_lazy("Échéance"),
    gettext_lazy("Total HT"),
    gettext_lazy("Total TVA"),
    gettext_lazy("Total TTC"),
    gettext_lazy("HT 20 %"),
    gettext_lazy("TVA 20 %"),
    gettext_lazy("HT 10 %"),
    gettext_lazy("TVA 10 %"),
    gettext_lazy("HT 5,5 %"),
    gettext_lazy("TVA 5,5 %"),
    gettext_lazy("HT 2,1 %"),
    gettext_lazy("TVA 2,1 %"),
    gettext_lazy("HT autres taux"),
    gettext_lazy("TVA autres taux"),
    gettext_lazy("Reste dû"),
    gettext_lazy("Statut"),
]

PAYMENT_COLUMNS = [
    gettext_lazy("Date"),
    gettext_lazy("Pièce"),
    gettext_lazy("Type"),
    gettext_lazy("Code client"),
    gettext_lazy("Compte auxiliaire"),
    gettext_lazy("Client"),
    gettext_lazy("Mode"),
    gettext_lazy("Référence"),
    gettext_lazy("Banque du chèque"),
    gettext_lazy("N° de chèque"),
    gettext_lazy("Remise"),
    gettext_lazy("Compte"),
    gettext_lazy("Montant"),
    gettext_lazy("Motif"),
]


def invoices_filename(start: date, end: date) -> str:
    return f"factures-{start:%Y%m%d}-{end:%Y%m%d}.csv"


def payments_filename(start: date, end: date) -> str:
    return f"reglements-{start:%Y%m%d}-{end:%Y%m%d}.csv"


def _rate_columns(breakdown: list[dict], sign: int) -> list[Decimal]:
    cells = {rate: [ZERO, ZERO] for rate in (*CSV_RATES, None)}
    for row in breakdown or []:
        rate = Decimal(row["rate"]).normalize()
        cell = cells[rate if rate in cells else None]
        cell[0] += sign * Decimal(row["base"])
        cell[1] += sign * Decimal(row["vat"])
    return [amount for rate in (*CSV_RATES, None) for amount in cells[rate]]


def invoice_rows(start: date, end: date) -> Iterator[list[Cell]]:
    """One row per invoice or credit note issued in the period (a credit note's amounts
    negative), in date and number order."""
    kinds, statuses = dict(Invoice.Kind.choices), dict(Invoice.Status.choices)
    rows = (
        Invoice.objects.filter(issue_date__gte=start, issue_date__lte=end)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("issue_date", "id")
        .values_list(
            "issue_date",
            "number",
            "kind",
            "credited_invoice__number",
            "customer__code",
            "customer__accounting_code",
            "customer_name",
            "due_date",
            "total_net",
            "total_vat",
            "total_gross",
            "vat_breakdown",
            "amount_due",
            "status",
        )
        .iterator(chunk_size=CHUNK)
    )
    for (
        day,
        number,
        kind,
        credited,
        code,
        accounting_code,
        name,
        due,
        net,
        vat,
        gross,
        breakdown,
        amount_due,
        status,
    ) in rows:
        sign = -1 if kind == Invoice.Kind.CREDIT_NOTE else 1
        yield [
            day,
            number,
            str(kinds.get(kind, kind)),
            credited or "",
            code,
            customer_aux_code(accounting_code or "", code),
            name,
            due,
            sign * net,
            sign * vat,
            sign * gross,
            *_rate_columns(breakdown, sign),
            amount_due,
            str(statuses.get(status, status)),
        ]


def _payments(start: date, end: date, plan: AccountPlan) -> Iterator:
    methods = dict(PaymentMethod.choices)
    rows = (
        Payment.objects.filter(date__gte=start, date__lte=end)
        .order_by("date", "id")
        .values_list(
            "id",
            "date",
            "reversal_of_id",
            "customer__code",
            "customer__accounting_code",
            "customer__name",
            "method",
            "reference",
            "cheque_bank",
            "cheque_number",
            "deposit__reference",
            "reversal_of__deposit_id",
            "amount",
            "reason",
        )
        .iterator(chunk_size=CHUNK)
    )
    for (
        pk,
        day,
        reversed_id,
        code,
        accounting_code,
        name,
        method,
        reference,
        bank,
        number,
        deposit,
        reversed_deposit_id,
        amount,
        reason,
    ) in rows:
        # A reversal takes the money back from where it was: the bank once deposited.
        deposited = reversed_id is not None and reversed_deposit_id is not None
        kind = _("Annulation") if reversed_id else _("Règlement")
        piece = f"ANN{pk}" if reversed_id else f"REG{pk}"
        row = [
            day,
            piece,
            kind,
            code,
            customer_aux_code(accounting_code or "", code),
            name,
            str(methods.get(method, method)),
            reference,
            bank,
            number,
            deposit or "",
            plan.received_account(method, deposited=deposited),
            -amount if reversed_id else amount,
            reason,
        ]
        yield (day, 0, pk), row


def _refunds(start: date, end: date, plan: AccountPlan) -> Iterator:
    methods = dict(Refund.Method.choices)
    rows = (
        Refund.objects.filter(date__gte=start, date__lte=end)
        .order_by("date", "id")
        .values_list(
            "id",
            "date",
            "customer__code",
            "customer__accounting_code",
            "customer__name",
            "method",
            "reference",
            "amount",
            "reason",
        )
        .iterator(chunk_size=CHUNK)
    )
    for pk, day, code, accounting_code, name, method, reference, amount, reason in rows:
        row = [
            day,
            f"RBT{pk}",
            _("Remboursement"),
            code,
            customer_aux_code(accounting_code or "", code),
            name,
            str(methods.get(method, method)),
            reference,
            "",
            "",
            "",
            plan.refund_account(method),
            -amount,
            reason,
        ]
        yield (day, 1, pk), row


def payment_rows(start: date, end: date) -> Iterator[list[Cell]]:
    """Payments (positive), reversals and refunds (negative) of the period, by date."""
    plan = account_plan_load()
    merged = heapq.merge(
        _payments(start, end, plan), _refunds(start, end, plan), key=lambda item: item[0]
    )
    for _key, row in merged:
        yield row
