"""The data that tax_certificate.typ prints, formatted the French way (every value is
text), and the certificate's PDF and file name.

The data is built once, when the certificate is generated, and frozen in its `data`: the
PDF of a certificate can be made again, identical, whatever changed since.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

from creneau.core.models import Company
from creneau.core.pdf import render_pdf
from creneau.core.templatetags.creneau import money, siret
from creneau.customers.models import Customer

TEMPLATE = "accounting/tax_certificate.typ"
DATE_FORMAT = "%d/%m/%Y"
# Keys of the data that do not make a new version (the day it was made, its title).
VOLATILE_KEYS = ("date", "meta")


def _hours(value: Decimal | str) -> str:
    """1234.5 -> '1 234,50 h', as Babel writes French numbers (a narrow no-break space in
    thousands), without Babel: 10,000 of them cost seconds there."""
    text = f"{Decimal(value):,.2f}".replace(",", "\N{NARROW NO-BREAK SPACE}").replace(".", ",")
    return f"{text}\N{NO-BREAK SPACE}h"


MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
UNITS = {"hour": "heure", "visit": "passage", "m2": "m²", "flat": "forfait", "piece": "pièce"}


def _visits(count: int) -> str:
    return f"{count} intervention{'s' if count > 1 else ''}"


def _employee(row: dict, year: int) -> dict[str, Any]:
    """An intervenant: name, hours and, when known, visits and hours by month."""
    months = row.get("months") or []
    return {
        "name": row["name"],
        "hours": _hours(row["hours"]),
        "visits": _visits(sum(month["visits"] for month in months)) if months else "",
        "months": [
            {
                "month": f"{MONTHS[month['month'] - 1]} {year}",
                "visits": _visits(month["visits"]),
                "hours": _hours(month["hours"]),
            }
            for month in months
        ],
    }


def _price(label: str, unit: str, price: Decimal) -> str:
    """'Ménage à domicile : 27,00 € TTC / heure'; a flat price: '… TTC (forfait)'."""
    if unit == "flat":
        return f"{label}\N{NO-BREAK SPACE}: {money(price)} TTC (forfait)"
    per = UNITS.get(unit, "")
    return f"{label}\N{NO-BREAK SPACE}: {money(price)} TTC" + (f" / {per}" if per else "")


def _provider(company: Company) -> list[str]:
    lines = [company.legal_name, *company.address_lines]
    if company.siret:
        kind = "SIREN" if len(company.siret) == 9 else "SIRET"
        lines.append(f"{kind} {siret(company.siret)}")
    declaration = f"Déclaration de services à la personne n° {company.sap_number}"
    if company.sap_declaration_date:
        declaration += f" du {company.sap_declaration_date.strftime(DATE_FORMAT)}"
    lines.append(declaration)
    return lines


def tax_certificate_print_data(
    *,
    company: Company,
    customer: Customer,
    year: int,
    amount_paid: Decimal,
    cesu_prefinanced: Decimal,
    hours: Decimal,
    employees: list[dict],
    today: date,
    prices: list[tuple[str, str, Decimal]] | None = None,
) -> dict[str, Any]:
    """What tax_certificate.typ prints, in French. `employees` rows may hold "months"
    (tax_certificates.employees_of); `prices` are (service label, unit, price incl. VAT)."""
    name = customer.name
    mentions = [
        "Seul le montant restant à la charge du bénéficiaire, indiqué ci-dessus, peut être "
        "déclaré au titre de l'avantage fiscal (crédit ou réduction d'impôt, article 199 "
        "sexdecies du code général des impôts). Les sommes prises en charge par un tiers "
        "(aides, CESU préfinancés) n'ouvrent pas droit à cet avantage."
    ]
    if cesu_prefinanced:
        mentions.append(
            "Des chèques emploi service universels (CESU) préfinancés ont servi au règlement : "
            f"leur montant ({money(cesu_prefinanced)}) est indiqué à part ; seule la part "
            "que vous avez personnellement financée ouvre droit à l'avantage fiscal."
        )
    mentions.append(
        "Attestation établie pour servir et valoir ce que de droit, à conserver avec votre "
        "déclaration de revenus."
    )
    return {
        "title": f"Attestation fiscale {year} \N{EN DASH} {name}",
        "heading": "Attestation fiscale",
        "heading_mark": str(year),
        "meta": [["Date :", today.strftime(DATE_FORMAT)], ["Client :", customer.code]],
        "date": today.strftime(DATE_FORMAT),
        "recipient": {"name": name, "lines": list(customer.address_lines)},
        "running_reference": f"Attestation fiscale {year} · {name}",
        "intro": (
            f"Attestation des sommes versées en {year} au titre des services à la personne "
            "(article 199 sexdecies du code général des impôts, article D7233-1 du code "
            "du travail)."
        ),
        "provider": _provider(company),
        "beneficiary": [name, *customer.address_lines],
        "amounts": [
            [
                f"Total réglé en {year} pour des services à la personne",
                money(amount_paid + cesu_prefinanced),
            ],
            ["Dont réglé par CESU préfinancés (non déclarable, à part)", money(cesu_prefinanced)],
            ["Montant déclarable, restant à votre charge", money(amount_paid)],
        ],
        "amount_paid": money(amount_paid),
        "cesu_prefinanced": money(cesu_prefinanced),
        "employees": [_employee(row, year) for row in employees],
        "prices": [_price(*price) for price in prices or []],
        "hours": _hours(hours),
        "no_employee": "" if employees else "Aucune intervention réalisée enregistrée sur l'année.",
        "mentions": mentions,
        "signature": f"Fait le {today.strftime(DATE_FORMAT)}, pour {company.legal_name}",
    }


def tax_certificate_pdf_from_data(data: dict[str, Any], company: Company | None = None) -> bytes:
    """The certificate's PDF/A-3b, from its frozen data."""
    return render_pdf(template=TEMPLATE, data=data, company=company)


def tax_certificate_filename(*, year: int, customer: Customer) -> str:
    """attestation-fiscale-2025-C00042-dupont.pdf."""
    parts = ["attestation-fiscale", str(year), slugify(customer.code), slugify(customer.name)[:40]]
    return "-".join(part for part in parts if part) + ".pdf"
