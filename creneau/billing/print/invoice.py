"""The data that invoice.typ prints, formatted the French way: every value is text.

An issued invoice or credit note prints its frozen copy of the customer (name, billing
address, SIREN, VAT number, service addresses), its stored lines, VAT breakdown and
totals, and every mention the law asks of it (Code de commerce L441-9 and L441-10, CGI
art. 242 nonies A of annex II; see LEGAL.md). A draft prints the live customer, no
number, and is marked as provisional on every page.

The mentions are built here once, and facturx.py puts the same words in the XML notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation

from creneau.billing.models import Invoice, InvoiceLine
from creneau.billing.settlement import direct_debit_account_of
from creneau.catalog.templatetags.amount_formats import percent, quantity, unit_price
from creneau.core.models import Company
from creneau.core.templatetags.creneau import money, siret
from creneau.customers.display import iban_groups, mask_iban
from creneau.customers.models import Customer

DATE_FORMAT = "%d/%m/%Y"
NATURE_MENTION = "Nature des opérations : prestations de services"
VAT_ON_DEBITS_MENTION = "Option pour le paiement de la taxe d'après les débits"
# D441-5: due by business customers only, never printed for an individual.
INDEMNITY_MENTION = "Indemnité forfaitaire pour frais de recouvrement : 40\u00a0€"
DISCOUNT_MENTION = "Escompte pour paiement anticipé : néant"


@dataclass(frozen=True)
class InvoiceCustomer:
    """The customer as the document names it: the frozen copy of an issued invoice, the
    live customer on a draft. `live` is the customer row, for its structured address."""

    name: str
    code: str
    is_business: bool
    address_lines: list[str]
    siren: str
    vat_number: str
    live: Customer | None = field(default=None, compare=False)


def invoice_customer(invoice: Invoice) -> InvoiceCustomer:
    customer = invoice.customer
    if invoice.is_draft:
        is_business = customer.kind == Customer.Kind.BUSINESS
        return InvoiceCustomer(
            name=customer.name,
            code=customer.code,
            is_business=is_business,
            address_lines=list(customer.address_lines),
            siren=customer.siret[:9] if is_business else "",
            vat_number=customer.vat_number if is_business else "",
            live=customer,
        )
    return InvoiceCustomer(
        name=invoice.customer_name,
        code=invoice.customer_code,
        is_business=invoice.customer_kind == Customer.Kind.BUSINESS,
        address_lines=[line for line in invoice.billing_address.split("\n") if line.strip()],
        siren=invoice.customer_siren,
        vat_number=invoice.customer_vat_number,
        live=customer,
    )


def _date(value: date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def _terms_days(invoice: Invoice) -> int:
    if invoice.payment_terms_days is not None:
        return invoice.payment_terms_days
    return invoice.customer.payment_terms_days or 0


def payment_terms_text(invoice: Invoice) -> str:
    """The payment terms (BT-20): the delay, or what a credit note is for."""
    if invoice.is_credit_note:
        credited = invoice.credited_invoice
        return (
            f"Avoir à déduire de la facture {credited.number} ou remboursé"
            if credited is not None and credited.number
            else "Avoir à déduire ou remboursé"
        )
    days = _terms_days(invoice)
    return "Paiement à réception" if days == 0 else f"Paiement à {days} jours"


def penalty_mention(invoice: Invoice, company: Company) -> str:
    """L441-10: the late-payment penalty rate, frozen on an issued invoice."""
    rate = invoice.late_penalty_rate
    if rate is None:
        rate = company.late_penalty_rate
    return (
        f"Pénalités de retard : taux annuel de {percent(rate)}, exigibles dès le lendemain "
        "de l'échéance"
    )


def sap_mention(
    invoice: Invoice,
    company: Company,
    customer: InvoiceCustomer,
    lines: list[InvoiceLine],
) -> str:
    """Art. 199 sexdecies CGI: for an individual, when the company has a SAP declaration
    and the invoice bills services à la personne."""
    if customer.is_business or not company.sap_number:
        return ""
    if not any(line.service is not None and line.service.is_personal_service for line in lines):
        return ""
    return (
        "Services à la personne : les sommes versées au titre de ces prestations ouvrent "
        "droit au crédit d'impôt prévu à l'article 199 sexdecies du CGI, dans les conditions "
        f"fixées par cet article. Déclaration SAP n° {company.sap_number}."
    )


def _line_data(line: InvoiceLine, unit_labels: dict[str, str]) -> dict[str, Any]:
    if line.line_type in (InvoiceLine.LineType.SECTION, InvoiceLine.LineType.COMMENT):
        return {"kind": line.line_type, "text": (line.description or "").strip()}
    return {
        "kind": "amount",
        "title": line.title,
        "detail": line.detail,
        "quantity": quantity(line.quantity),
        "unit": unit_labels.get(line.unit, line.unit),
        "unit_price": unit_price(line.unit_price),
        "discount": percent(line.discount_percent) if line.discount_percent else "",
        "vat_rate": percent(line.vat_rate_value) if line.vat_rate_value is not None else "",
        "net": money(line.net),
    }


def _labels(invoice: Invoice) -> tuple[str, str]:
    """(heading, label): "Facture" and "Facture F-2026-00001"; a draft is provisional."""
    noun = "Avoir" if invoice.is_credit_note else "Facture"
    if invoice.is_draft:
        return f"{noun} provisoire", f"{noun} provisoire (brouillon n° {invoice.pk})"
    return noun, f"{noun} {invoice.number}"


def _credited_reference(invoice: Invoice) -> str:
    credited = invoice.credited_invoice
    if not invoice.is_credit_note or credited is None:
        return ""
    return f"{credited.number} du {_date(credited.issue_date)}"


def _meta(invoice: Invoice, customer: InvoiceCustomer) -> list[tuple[str, str]]:
    meta = [("N°", invoice.number)] if invoice.number else []
    meta.append(("Date :", _date(invoice.issue_date or timezone.localdate())))
    if invoice.is_credit_note:
        if reference := _credited_reference(invoice):
            meta.append(("Facture d'origine :", reference))
    elif invoice.due_date:
        meta.append(("Échéance :", _date(invoice.due_date)))
    if customer.code:
        meta.append(("Client :", customer.code))
    return meta


def _customer_details(invoice: Invoice, customer: InvoiceCustomer) -> list[tuple[str, str]]:
    """Printed under the header: the business customer's identifiers, the period, and the
    addresses where the services were done."""
    details = []
    if customer.is_business:
        if customer.siren:
            details.append(("SIREN du client :", siret(customer.siren)))
        if customer.vat_number:
            details.append(("N° TVA du client :", customer.vat_number))
    if invoice.period_start and invoice.period_end:
        period = f"du {_date(invoice.period_start)} au {_date(invoice.period_end)}"
        details.append(("Période :", period))
    elif invoice.period_start:
        details.append(("Date de la prestation :", _date(invoice.period_start)))
    return details


def invoice_sites(invoice: Invoice) -> list[dict[str, Any]]:
    """The service addresses, [{"name", "address"}]: the frozen copy of an issued invoice,
    the live sites of a draft."""
    if not invoice.is_draft:
        return list(invoice.site_addresses or [])
    return [
        {"id": site.pk, "name": site.name, "address": "\n".join(site.address_lines)}
        for site in invoice.sites.all()
    ]


def _site_addresses(invoice: Invoice) -> list[str]:
    printed = []
    for site in invoice_sites(invoice):
        address = ", ".join(line for line in (site.get("address") or "").split("\n") if line)
        printed.append(
            f"{site.get('name', '')} \N{EN DASH} {address}" if address else site.get("name", "")
        )
    return printed


def _breakdown(invoice: Invoice) -> tuple[list[dict[str, str]], list[str]]:
    rows, wordings = [], []
    for row in invoice.vat_breakdown:
        rows.append(
            {
                "rate": percent(Decimal(row["rate"])),
                "base": money(Decimal(row["base"])),
                "vat": money(Decimal(row["vat"])),
            }
        )
        wording = row.get("exemption", "")
        if wording and wording not in wordings:
            wordings.append(wording)
    return rows, wordings


def direct_debit_text(invoice: Invoice, company: Company) -> str:
    """How an invoice collected by SEPA direct debit is paid: the debit's date (its due
    date), the account (masked), the mandate's RUM and the creditor's ICS."""
    text = "Règlement par prélèvement SEPA"
    if invoice.due_date:
        text += f" le {_date(invoice.due_date)}"
    if account := direct_debit_account_of(invoice.debit_mandate_rum):
        text += f" sur le compte {mask_iban(account)}"
    text += f" \N{EM DASH} mandat {invoice.debit_mandate_rum}"
    if company.sepa_creditor_id:
        text += f", ICS {company.sepa_creditor_id}"
    return text


def _payment(invoice: Invoice, company: Company) -> list[str]:
    """How and when to pay: an invoice only (a credit note is deducted or refunded)."""
    if invoice.is_credit_note:
        return [payment_terms_text(invoice) + "."]
    terms = payment_terms_text(invoice)
    if invoice.debit_mandate_rum:
        return [terms + ".", direct_debit_text(invoice, company)]
    if invoice.due_date:
        terms += f", au plus tard le {_date(invoice.due_date)}"
    payment = [terms + "."]
    if company.iban:
        transfer = f"Règlement par virement : IBAN {iban_groups(company.iban)}"
        if company.bic:
            transfer += f" \N{EN DASH} BIC {company.bic}"
        payment.append(transfer)
    return payment


def legal_mentions(
    invoice: Invoice,
    company: Company,
    customer: InvoiceCustomer,
    lines: list[InvoiceLine],
) -> list[str]:
    """The mentions printed under the totals, in the order of LEGAL.md."""
    mentions = [NATURE_MENTION]
    if company.vat_on_debits:
        mentions.append(VAT_ON_DEBITS_MENTION)
    mentions.append(DISCOUNT_MENTION)
    mentions.append(penalty_mention(invoice, company))
    if customer.is_business:
        mentions.append(INDEMNITY_MENTION)
    if mention := sap_mention(invoice, company, customer, lines):
        mentions.append(mention)
    return mentions


def invoice_document_lines(invoice: Invoice) -> list[InvoiceLine]:
    """The lines as the documents print and export them, with their catalogue service."""
    return list(invoice.lines.select_related("service").order_by("position", "id"))


def invoice_print_data(
    *, invoice: Invoice, company: Company, lines: list[InvoiceLine] | None = None
) -> dict[str, Any]:
    """What invoice.typ prints. Documents print in French, whatever the language of the
    user who asks for them. `lines`: invoice_document_lines(invoice), if already read."""
    if lines is None:
        lines = invoice_document_lines(invoice)
    with translation.override("fr"):
        return _invoice_data(invoice=invoice, company=company, lines=lines)


def _invoice_data(*, invoice: Invoice, company: Company, lines: list[InvoiceLine]) -> dict:
    customer = invoice_customer(invoice)
    heading, label = _labels(invoice)
    unit_labels = {
        value: str(text) for value, text in InvoiceLine._meta.get_field("unit").flatchoices
    }
    printed_lines = [_line_data(line, unit_labels) for line in lines]
    breakdown, wordings = _breakdown(invoice)
    credited = _credited_reference(invoice)
    gross_label = "Total de l'avoir TTC" if invoice.is_credit_note else "Total TTC"
    return {
        "title": f"{label} \N{EN DASH} {company.legal_name}",
        "heading": heading,
        "heading_mark": "",
        # A draft is not an invoice: marked across every page, and it has no number.
        "watermark": "BROUILLON" if invoice.is_draft else "",
        "is_draft": invoice.is_draft,
        "draft_notice": (
            f"{heading} : ce brouillon n'a pas de numéro et n'est pas une facture. "
            "Elle est numérotée quand elle est émise."
            if invoice.is_draft
            else ""
        ),
        "meta": _meta(invoice, customer),
        "recipient": {"name": customer.name, "lines": customer.address_lines},
        "running_reference": f"{label} · {customer.name}",
        "credited": f"Avoir sur la facture {credited}." if credited else "",
        "customer_details": _customer_details(invoice, customer),
        "sites": _site_addresses(invoice),
        "lines": printed_lines,
        "with_discount": any(line.get("discount") for line in printed_lines),
        "vat_breakdown": breakdown,
        "exemption_wordings": wordings,
        "totals": [
            ("Total HT", money(invoice.total_net)),
            ("Total TVA", money(invoice.total_vat)),
            (gross_label, money(invoice.total_gross)),
        ],
        "notes": (invoice.notes or "").strip(),
        "payment": _payment(invoice, company),
        "mentions": legal_mentions(invoice, company, customer, lines),
    }
