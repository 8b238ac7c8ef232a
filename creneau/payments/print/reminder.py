"""The data that reminder.typ prints, formatted the French way: every value is text.

A reminder letter carries what LEGAL.md asks of a mise en demeure, whatever the level:
the debt (each invoice with its date, due date, amount and what remains due, then the
fees, the 40 € indemnity and the late interest the level adds), a final deadline, how to
pay; and, on the last level, what follows if the deadline passes. The level's own text
(the office's words) comes before, as written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation

from creneau.billing.models import Invoice
from creneau.catalog.templatetags.amount_formats import percent
from creneau.core.models import Company
from creneau.customers.display import iban_groups
from creneau.payments.dunning import date_text, money_text
from creneau.payments.models import Reminder, ReminderInvoice

CONSEQUENCE = (
    "À défaut de règlement à cette date, nous engagerons sans autre avis une procédure de "
    "recouvrement judiciaire."
)


def _paragraphs(body: str) -> list[str]:
    text = body.replace("\r\n", "\n").strip()
    return [part.strip("\n") for part in text.split("\n\n") if part.strip()]


def _payment(company: Company) -> list[str]:
    if not company.iban:
        return []
    transfer = f"Règlement par virement : IBAN {iban_groups(company.iban)}"
    if company.bic:
        transfer += f" \N{EN DASH} BIC {company.bic}"
    return [transfer]


def _totals(items: list[ReminderInvoice]) -> list[tuple[str, str]]:
    due = sum((item.amount_due for item in items), Decimal(0))
    fee = sum((item.fee for item in items), Decimal(0))
    indemnity = sum((item.indemnity for item in items), Decimal(0))
    interest = sum((item.interest for item in items), Decimal(0))
    rows = [("Reste dû", money_text(due))]
    if fee:
        rows.append(("Frais de relance", money_text(fee)))
    if indemnity:
        rows.append(("Indemnité forfaitaire pour frais de recouvrement", money_text(indemnity)))
    if interest:
        rows.append(("Intérêts de retard", money_text(interest)))
    rows.append(("Total à régler", money_text(due + fee + indemnity + interest)))
    return rows


def _interest_note(items: list[ReminderInvoice], invoices: dict[int, Invoice]) -> str:
    rates = sorted(
        {invoices[item.invoice_id].late_penalty_rate for item in items if item.interest} - {None}
    )
    if not rates:
        return ""
    return (
        "Intérêts de retard au taux annuel de "
        + ", ".join(percent(rate) for rate in rates)
        + " porté sur la facture, calculés depuis l'échéance."
    )


def reminder_print_data(
    *,
    reminder: Reminder,
    items: list[ReminderInvoice],
    company: Company,
    letter_date: date,
    deadline: date,
    final: bool,
) -> dict[str, Any]:
    """What reminder.typ prints for one reminder: `items` are the invoices it chases (with
    `invoice` read), `final` says the level is the dunning's last (the mise en demeure)."""
    items = sorted(items, key=lambda item: (item.invoice.due_date, item.invoice_id))
    with translation.override("fr"):
        customer = reminder.customer
        level = reminder.level
        invoices = {item.invoice_id: item.invoice for item in items}
        return {
            "title": f"{level.name} \N{EN DASH} {customer.name}",
            "heading": level.name,
            "heading_mark": "",
            "meta": [
                ("Date :", date_text(letter_date)),
                ("Client :", customer.code),
                ("Niveau :", str(level.rank)),
            ],
            "recipient": {"name": customer.name, "lines": list(customer.address_lines)},
            "running_reference": f"{level.name} · {customer.name}",
            "subject": reminder.subject,
            "paragraphs": _paragraphs(reminder.body),
            "rows": [
                [
                    item.invoice.number or "",
                    date_text(item.invoice.issue_date),
                    date_text(item.invoice.due_date),
                    money_text(item.invoice.total_gross),
                    money_text(item.amount_due),
                ]
                for item in items
            ],
            "totals": _totals(items),
            "deadline": f"À régler au plus tard le {date_text(deadline)}.",
            "consequence": CONSEQUENCE if final else "",
            "payment": _payment(company),
            "interest_note": _interest_note(items, invoices),
        }
