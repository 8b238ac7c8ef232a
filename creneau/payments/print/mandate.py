"""The data that mandate.typ prints, formatted the French way (every value is text), and
the mandate form's PDF and file name.

The form carries what the SEPA rulebook asks of a mandate (LEGAL.md): the title, the RUM,
the creditor's name, address and ICS, the debtor's name, address, IBAN and BIC, the type
(recurrent or one-off), the place, date and signature, and the rulebook's text: the debtor
authorises the creditor and its bank, and may be refunded within 8 weeks (CORE; no refund
under B2B).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import translation
from django.utils.text import slugify

from creneau.core.models import Company
from creneau.core.pdf import render_pdf
from creneau.customers.display import iban_groups, mask_iban
from creneau.payments.models import Mandate, MandateScheme, MandateType

TEMPLATE = "payments/mandate.typ"
DATE_FORMAT = "%d/%m/%Y"
HEADING = "Mandat de prélèvement SEPA"


def _date(value: date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def legal_text(mandate: Mandate, creditor: str) -> str:
    """The rulebook's authorisation, the same under both schemes."""
    return (
        f"En signant ce formulaire de mandat, vous autorisez (A) {creditor} à envoyer des "
        "instructions à votre banque pour débiter votre compte, et (B) votre banque à débiter "
        f"votre compte conformément aux instructions de {creditor}."
    )


def refund_text(mandate: Mandate) -> str:
    """CORE: a refund within 8 weeks; B2B: none, but the debtor's bank must know the
    mandate."""
    if mandate.scheme == MandateScheme.B2B:
        return (
            "Ce mandat est destiné uniquement aux transactions entre professionnels (B2B). "
            "Vous n'avez pas droit à un remboursement par votre banque après que votre compte "
            "a été débité, mais vous êtes en droit de demander à votre banque de ne pas "
            "débiter votre compte jusqu'au jour où le paiement est dû. Remettez une copie de "
            "ce mandat à votre banque avant le premier prélèvement."
        )
    return (
        "Vous bénéficiez du droit d'être remboursé par votre banque selon les conditions "
        "décrites dans la convention que vous avez passée avec elle. Une demande de "
        "remboursement doit être présentée dans les 8 semaines suivant la date de débit de "
        "votre compte pour un prélèvement autorisé."
    )


def _creditor(company: Company) -> list[tuple[str, str]]:
    return [
        ("Nom", company.legal_name),
        ("Adresse", ", ".join(company.address_lines)),
        ("Identifiant créancier SEPA (ICS)", company.sepa_creditor_id),
    ]


def _debtor(mandate: Mandate, reveal_bank: bool) -> list[tuple[str, str]]:
    customer = mandate.customer
    iban = iban_groups(mandate.iban) if reveal_bank else mask_iban(mandate.iban)
    return [
        ("Nom du titulaire du compte", mandate.debtor_name or customer.name),
        ("Adresse", ", ".join(customer.address_lines)),
        ("IBAN (numéro de compte)", iban),
        ("BIC (code de la banque)", mandate.bic if reveal_bank else ""),
    ]


def mandate_print_data(
    *, mandate: Mandate, company: Company, reveal_bank: bool = True
) -> dict[str, Any]:
    """What mandate.typ prints, in French. `reveal_bank` False (a sales rep) masks the IBAN
    and leaves the BIC to be written by hand: whole bank details are for who collects."""
    with translation.override("fr"):
        return _mandate_data(mandate, company, reveal_bank)


def _mandate_data(mandate: Mandate, company: Company, reveal_bank: bool) -> dict[str, Any]:
    customer = mandate.customer
    creditor = company.legal_name
    scheme = (
        "Prélèvement interentreprises SEPA (B2B) : sans remboursement après le débit."
        if mandate.scheme == MandateScheme.B2B
        else "Prélèvement SEPA (CORE) : remboursement possible dans les 8 semaines."
    )
    notice = company.sepa_prenotification_days
    return {
        "title": f"{HEADING} {mandate.rum} \N{EN DASH} {customer.name}",
        "heading": HEADING,
        "heading_mark": "",
        "meta": [
            ("Référence unique du mandat (RUM) :", mandate.rum),
            ("Client :", customer.code),
        ],
        "recipient": {"name": customer.name, "lines": list(customer.address_lines)},
        "running_reference": f"{HEADING} {mandate.rum} · {customer.name}",
        "legal_text": legal_text(mandate, creditor),
        "refund_text": refund_text(mandate),
        "creditor_title": "Créancier",
        "creditor": _creditor(company),
        "debtor_title": "Débiteur",
        "debtor": _debtor(mandate, reveal_bank),
        "payment_title": "Type de paiement",
        "payment_types": [
            ("Paiement récurrent / répétitif", mandate.type == MandateType.RECURRENT),
            ("Paiement ponctuel", mandate.type == MandateType.ONE_OFF),
        ],
        "scheme_text": scheme,
        "notes": [
            f"Vous serez informé du montant et de la date de chaque prélèvement au moins "
            f"{notice} jours avant.",
            "Vos droits concernant le présent mandat sont expliqués dans un document que vous "
            "pouvez obtenir auprès de votre banque.",
            f"Merci de retourner ce mandat signé à {creditor}, accompagné d'un relevé "
            "d'identité bancaire (RIB).",
        ],
        "signature_title": "Signature du débiteur",
        "signature_fields": [
            f"Fait à : {mandate.signature_place}",
            f"Le : {_date(mandate.signature_date)}",
            "Signature :",
        ],
    }


def mandate_pdf(*, mandate: Mandate, reveal_bank: bool = True) -> bytes:
    """The mandate form as a PDF/A-3b, with the shared layout."""
    company = Company.load()
    data = mandate_print_data(mandate=mandate, company=company, reveal_bank=reveal_bank)
    return render_pdf(template=TEMPLATE, data=data, company=company)


def mandate_filename(mandate: Mandate) -> str:
    """mandat-c00042-20261130-1.pdf."""
    return f"mandat-{slugify(mandate.rum)[:60] or mandate.pk}.pdf"
