"""The data that deposit_slip.typ prints: a cheque deposit's slip (bordereau de remise de
chèques), handed to the bank with the cheques. Every value is text, formatted here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import translation

from creneau.core.models import Company
from creneau.core.templatetags.creneau import money
from creneau.customers.display import iban_groups
from creneau.payments.models import ChequeDeposit, Payment

DATE_FORMAT = "%d/%m/%Y"


def deposit_slip_data(
    *, deposit: ChequeDeposit, cheques: list[Payment], company: Company
) -> dict[str, Any]:
    """What deposit_slip.typ prints: the account credited, then each cheque (drawer,
    bank, number, amount) in the order typed, and the total. Printed in French."""
    with translation.override("fr"):
        total = sum((cheque.amount for cheque in cheques), Decimal("0.00"))
        label = f"Remise du {deposit.date.strftime(DATE_FORMAT)}"
        if deposit.reference:
            label += f" n° {deposit.reference}"
        meta = [("Date de remise :", deposit.date.strftime(DATE_FORMAT))]
        if deposit.reference:
            meta.insert(0, ("N° de bordereau :", deposit.reference))
        meta += [("Chèques :", str(len(cheques))), ("Total :", money(total))]
        account = []
        if company.iban:
            account.append(("Compte crédité :", f"IBAN {iban_groups(company.iban)}"))
            if company.bic:
                account.append(("BIC :", company.bic))
        account.append(("Titulaire :", company.legal_name))
        return {
            "title": f"Bordereau de remise de chèques \N{EN DASH} {label}",
            "heading": "Remise de chèques",
            "meta": meta,
            "recipient": None,  # handed to the bank, not mailed
            "running_reference": f"Bordereau · {label}",
            "account": account,
            "cheques": [
                {
                    "position": str(position),
                    "drawer": cheque.customer.name,
                    "code": cheque.customer.code,
                    "bank": cheque.cheque_bank,
                    "number": cheque.cheque_number,
                    "amount": money(cheque.amount),
                }
                for position, cheque in enumerate(cheques, start=1)
            ],
            "count": str(len(cheques)),
            "total": money(total),
        }
