"""The data that statement.typ prints, formatted the French way (every value is text), and
the statement's PDF and file name.

A statement is not an invoice: it prints the live customer (name, code, billing address),
the period, the opening balance, each line with its debit, credit and running balance,
the closing balance, and what is overdue on the day it is printed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.text import slugify

from creneau.core.models import Company
from creneau.core.pdf import render_pdf
from creneau.core.templatetags.creneau import money
from creneau.customers.display import iban_groups
from creneau.payments.models import PaymentMethod, Refund
from creneau.payments.statement import LineKind, Statement, StatementLine

TEMPLATE = "payments/statement.typ"
DATE_FORMAT = "%d/%m/%Y"
SEPARATOR = " \N{MIDDLE DOT} "


def _date(value: date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def _amount(value: Decimal) -> str:
    """A debit or credit column: empty rather than 0,00 €, so the eye finds the figure."""
    return money(value) if value else ""


def _joined(*parts: str) -> str:
    return SEPARATOR.join(part for part in parts if part)


def _line_label(line: StatementLine) -> tuple[str, str]:
    """(label, detail) of a line."""
    details = line.details
    methods = dict(PaymentMethod.choices)
    if line.kind == LineKind.INVOICE:
        return f"Facture {details['number']}", f"Échéance le {_date(details['due_date'])}"
    if line.kind == LineKind.CREDIT_NOTE:
        credited = details["credited_number"]
        return f"Avoir {details['number']}", f"Sur la facture {credited}" if credited else ""
    if line.kind == LineKind.PAYMENT:
        method = str(methods.get(details["method"], details["method"]))
        if details["cheque_number"]:
            method += f" n° {details['cheque_number']}"
        return "Règlement", _joined(method, details["reference"])
    if line.kind == LineKind.REVERSAL:
        original = _date(details["reversed_payment_date"])
        return f"Annulation du règlement du {original}", details["reason"]
    method = str(dict(Refund.Method.choices).get(details["method"], details["method"]))
    return "Remboursement", _joined(method, details["reference"], details["reason"])


def _line_data(line: StatementLine) -> dict[str, str]:
    label, detail = _line_label(line)
    return {
        "date": _date(line.date),
        "label": label,
        "detail": detail,
        "debit": _amount(line.debit),
        "credit": _amount(line.credit),
        "balance": money(line.balance),
    }


def _closing_note(statement: Statement, company: Company) -> list[str]:
    """What the closing balance means for the customer, and how to pay it."""
    closing = statement.closing
    if closing > 0:
        notes = [f"Solde restant dû au {_date(statement.end)} : {money(closing)}."]
        if company.iban:
            transfer = f"Règlement par virement : IBAN {iban_groups(company.iban)}"
            if company.bic:
                transfer += f" \N{EN DASH} BIC {company.bic}"
            notes.append(transfer)
        return notes
    if closing < 0:
        favour = money(statement.in_customer_favour)
        return [f"Solde en votre faveur au {_date(statement.end)} : {favour}."]
    return [f"Votre compte est soldé au {_date(statement.end)}."]


def statement_print_data(*, statement: Statement, company: Company) -> dict[str, Any]:
    """What statement.typ prints, in French whatever the language of who asks for it."""
    with translation.override("fr"):
        return _statement_data(statement, company)


def _statement_data(statement: Statement, company: Company) -> dict[str, Any]:
    customer = statement.customer
    period = f"du {_date(statement.start)} au {_date(statement.end)}"
    meta = [("Date :", _date(statement.today))]
    if customer.code:
        meta.append(("Client :", customer.code))
    meta.append(("Période :", period))
    eve = statement.start - timedelta(days=1)
    return {
        "title": f"Relevé de compte {period} \N{EN DASH} {customer.name}",
        "heading": "Relevé de compte",
        "heading_mark": "",
        "meta": meta,
        "recipient": {"name": customer.name, "lines": list(customer.address_lines)},
        "running_reference": f"Relevé de compte {period} · {customer.name}",
        "period": f"Relevé de compte {period}",
        "opening": {
            "date": _date(eve),
            "label": "Solde antérieur",
            "balance": money(statement.opening),
        },
        "lines": [_line_data(line) for line in statement.lines],
        "empty": "Aucune écriture sur la période." if not statement.lines else "",
        "totals": {
            "label": "Totaux de la période",
            "debit": money(statement.total_debit),
            "credit": money(statement.total_credit),
        },
        "summary": [
            (f"Solde au {_date(eve)}", money(statement.opening)),
            ("Total débit", money(statement.total_debit)),
            ("Total crédit", money(statement.total_credit)),
            (f"Solde au {_date(statement.end)}", money(statement.closing)),
        ],
        "overdue": (f"Montant échu au {_date(statement.today)}", money(statement.overdue)),
        "overdue_alert": statement.overdue > 0,
        "closing_notes": _closing_note(statement, company),
        "explanation": (
            "Débit : factures, annulations de règlements et remboursements. Crédit : avoirs "
            "et règlements. Un solde positif est dû par le client ; négatif, il est en sa "
            "faveur."
        ),
    }


def statement_pdf(*, statement: Statement) -> bytes:
    """The statement as a PDF/A-3b, with the shared layout."""
    company = Company.load()
    data = statement_print_data(statement=statement, company=company)
    return render_pdf(template=TEMPLATE, data=data, company=company)


def statement_filename(statement: Statement) -> str:
    """releve-C00042-dupont-2026-01-01-2026-03-15.pdf."""
    customer = statement.customer
    name = slugify(customer.name)[:40]
    parts = [
        "releve",
        slugify(customer.code),
        name,
        statement.start.isoformat(),
        statement.end.isoformat(),
    ]
    return "-".join(part for part in parts if part) + ".pdf"
