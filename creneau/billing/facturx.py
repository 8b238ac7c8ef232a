"""The Factur-X XML of an invoice or credit note: the UN/CEFACT Cross Industry Invoice
(CII D16B) at the EN 16931 profile, built with lxml from the stored invoice.

It says what the PDF says, from the same stored figures: the frozen customer copy, the
lines with their copied VAT rates, the VAT breakdown and totals computed when the invoice
was issued (the EN 16931 way: VAT per rate on the sum of the line nets). Amounts on a
credit note are positive: type code 381 says it is a credit, and it names the invoice it
corrects (BT-25, BT-26).

The element order is the XSD's (a sequence): each builder appends in that order.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from lxml import etree

from creneau.billing.models import Invoice, InvoiceLine
from creneau.billing.print.invoice import (
    DISCOUNT_MENTION,
    INDEMNITY_MENTION,
    VAT_ON_DEBITS_MENTION,
    InvoiceCustomer,
    invoice_customer,
    invoice_document_lines,
    invoice_sites,
    payment_terms_text,
    penalty_mention,
    sap_mention,
)
from creneau.billing.settlement import direct_debit_account_of
from creneau.core.models import Company, country_choices
from creneau.core.money import money_round

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NAMESPACES = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"

TYPE_CODES = {Invoice.Kind.INVOICE: "380", Invoice.Kind.CREDIT_NOTE: "381"}
# UN/ECE Recommendation 20 codes of the catalogue's units.
UNIT_CODES = {"hour": "HUR", "visit": "C62", "m2": "MTK", "flat": "LS", "piece": "H87"}
DEFAULT_UNIT_CODE = "C62"  # "one"
# ISO 6523 scheme of a French SIREN (BT-30, BT-47).
SIREN_SCHEME = "0002"
# UNTDID 4461: 58 = SEPA credit transfer, 59 = SEPA direct debit.
SEPA_CREDIT_TRANSFER, SEPA_DIRECT_DEBIT = "58", "59"
# UNTDID 2005 (BT-8): VAT due on the invoice date (option for debits), else on payment.
VAT_DUE_ON_ISSUE, VAT_DUE_ON_PAYMENT = "5", "72"
# UNTDID 4451 subjects of the notes (BT-21).
NOTE_GENERAL, NOTE_PENALTIES, NOTE_INDEMNITY, NOTE_DISCOUNT = "AAI", "PMD", "PMT", "AAB"
# BT-23, the French "cadre de facturation": S1, an invoice of services.
BUSINESS_PROCESS = "S1"
# ISO 6523 scheme of an electronic address by SIREN (French e-invoicing directory).
SIREN_ADDRESS_SCHEME = "0225"


# What XML 1.0 cannot carry (control characters a paste may bring): left out of the XML,
# so that no text typed on an invoice stops its Factur-X from being made.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _ram(parent: etree._Element, tag: str, text: str | None = None, **attributes: str):
    element = etree.SubElement(parent, f"{{{RAM}}}{tag}", attributes)
    if text is not None:
        element.text = NOT_XML.sub("", text)
    return element


def _amount(value: Decimal | str) -> str:
    return f"{money_round(Decimal(value)):.2f}"


def _decimal(value: Decimal) -> str:
    """A quantity, price or rate without useless zeros, never in exponent form."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _date(parent: etree._Element, tag: str, value: date, *, qualified: bool = False) -> None:
    holder = _ram(parent, tag)
    namespace = QDT if qualified else UDT
    string = etree.SubElement(holder, f"{{{namespace}}}DateTimeString", format="102")
    string.text = value.strftime("%Y%m%d")


# Addresses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PostalAddress:
    lines: tuple[str, ...]
    postcode: str = ""
    city: str = ""
    country: str = "FR"


@functools.cache
def _country_codes() -> dict[str, str]:
    """Country names (French and English, as an address line prints them) to ISO codes."""
    from django.utils import translation

    codes: dict[str, str] = {}
    for language in ("en", "fr"):
        with translation.override(language):
            codes.update({name.casefold(): code for code, name in country_choices()})
    return codes


POSTCODE_CITY = re.compile(r"^(\S*\d\S*)\s+(.+)$")


def postal_address(lines: list[str], live: Any = None) -> PostalAddress:
    """An address in the fields of CII, from the lines an invoice stores.

    The structured fields of `live` (the customer, the company, a site) are used when its
    lines are still the stored ones; otherwise the stored lines are read back: a last line
    that names a country, then "postcode city".
    """
    lines = [line.strip() for line in lines if line.strip()]
    if live is not None and list(live.address_lines) == lines:
        street = [live.street] if live.street else []
        return PostalAddress(tuple(street), live.postcode, live.city, live.country or "FR")
    country = "FR"
    if lines and lines[-1].casefold() in _country_codes():
        country = _country_codes()[lines.pop().casefold()]
    postcode = city = ""
    if lines and (match := POSTCODE_CITY.match(lines[-1])):
        postcode, city = match.groups()
        lines.pop()
    return PostalAddress(tuple(lines), postcode, city, country)


def _address(parent: etree._Element, address: PostalAddress) -> None:
    holder = _ram(parent, "PostalTradeAddress")
    if address.postcode:
        _ram(holder, "PostcodeCode", address.postcode)
    for tag, line in zip(("LineOne", "LineTwo", "LineThree"), address.lines, strict=False):
        _ram(holder, tag, line)
    if address.city:
        _ram(holder, "CityName", address.city)
    _ram(holder, "CountryID", address.country)


# VAT categories ------------------------------------------------------------------------


@dataclass
class VatRow:
    category: str
    rate: Decimal
    base: Decimal
    vat: Decimal
    reasons: list[str]


def vat_category(rate: Decimal, exemption: str, buyer_vat_number: str) -> str:
    """EN 16931 VAT category (UNTDID 5305): S for a positive rate; at 0 %, AE for a reverse
    charge (autoliquidation) to a buyer with a VAT number, else E (exempt, with its
    wording as the reason, BT-120)."""
    if rate > 0:
        return "S"
    if "autoliquidation" in exemption.casefold() and buyer_vat_number:
        return "AE"
    return "E"


def vat_rows(invoice: Invoice, buyer_vat_number: str) -> list[VatRow]:
    """The stored breakdown, one row per category and rate (two 0 % wordings make one
    exempt row whose reason names both: EN 16931 sums a category's lines per row)."""
    rows: dict[tuple[str, Decimal], VatRow] = {}
    for stored in invoice.vat_breakdown:
        rate, exemption = Decimal(stored["rate"]), stored.get("exemption", "")
        category = vat_category(rate, exemption, buyer_vat_number)
        row = rows.setdefault(
            (category, rate), VatRow(category, rate, Decimal("0.00"), Decimal("0.00"), [])
        )
        row.base += Decimal(stored["base"])
        row.vat += Decimal(stored["vat"])
        if exemption and exemption not in row.reasons:
            row.reasons.append(exemption)
    return list(rows.values())


# The document --------------------------------------------------------------------------


def invoice_facturx_xml(
    *,
    invoice: Invoice,
    company: Company | None = None,
    lines: list[InvoiceLine] | None = None,
) -> bytes:
    """The CII XML (Factur-X, EN 16931 profile) of an issued invoice or credit note, as
    UTF-8 bytes; a draft gives its preview (no number yet: "BROUILLON-<id>").
    `company` is the seller (Company.load() by default); `lines` are
    invoice_document_lines(invoice), if already read."""
    company = company or Company.load()
    customer = invoice_customer(invoice)
    if lines is None:
        lines = invoice_document_lines(invoice)
    lines = [line for line in lines if line.has_amount]
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NAMESPACES)
    context = etree.SubElement(root, f"{{{RSM}}}ExchangedDocumentContext")
    process = _ram(context, "BusinessProcessSpecifiedDocumentContextParameter")
    _ram(process, "ID", BUSINESS_PROCESS)
    guideline = _ram(context, "GuidelineSpecifiedDocumentContextParameter")
    _ram(guideline, "ID", EN16931_GUIDELINE)
    _exchanged_document(root, invoice, company, customer, lines)
    transaction = etree.SubElement(root, f"{{{RSM}}}SupplyChainTradeTransaction")
    for index, line in enumerate(lines, start=1):
        _line_item(transaction, index, line, customer)
    _agreement(transaction, company, customer)
    _delivery(transaction, invoice)
    _settlement(transaction, invoice, company, customer)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _issue_date(invoice: Invoice) -> date:
    return invoice.issue_date or timezone.localdate()


def _exchanged_document(root, invoice, company, customer, lines) -> None:
    document = etree.SubElement(root, f"{{{RSM}}}ExchangedDocument")
    _ram(document, "ID", invoice.number or f"BROUILLON-{invoice.pk}")
    _ram(document, "TypeCode", TYPE_CODES[invoice.kind])
    _date(document, "IssueDateTime", _issue_date(invoice))
    notes = [(NOTE_GENERAL, "Prestations de services")]
    if company.vat_on_debits:
        notes.append((NOTE_GENERAL, VAT_ON_DEBITS_MENTION))
    if invoice.notes.strip():
        notes.append((NOTE_GENERAL, invoice.notes.strip()))
    mention = sap_mention(invoice, company, customer, lines)
    if mention:
        notes.append((NOTE_GENERAL, mention))
    notes.append((NOTE_DISCOUNT, DISCOUNT_MENTION))
    notes.append((NOTE_PENALTIES, penalty_mention(invoice, company)))
    if customer.is_business:
        notes.append((NOTE_INDEMNITY, INDEMNITY_MENTION))
    for subject, content in notes:
        note = _ram(document, "IncludedNote")
        _ram(note, "Content", content)
        _ram(note, "SubjectCode", subject)


def _line_item(transaction, index: int, line: InvoiceLine, customer: InvoiceCustomer) -> None:
    item = _ram(transaction, "IncludedSupplyChainTradeLineItem")
    _ram(_ram(item, "AssociatedDocumentLineDocument"), "LineID", str(index))
    product = _ram(item, "SpecifiedTradeProduct")
    if line.service_id and line.service is not None:
        _ram(product, "SellerAssignedID", line.service.code)
    _ram(product, "Name", line.title[:200] or "-")
    if line.detail:
        _ram(product, "Description", line.detail)
    unit = UNIT_CODES.get(line.unit, DEFAULT_UNIT_CODE)
    price = _ram(_ram(item, "SpecifiedLineTradeAgreement"), "NetPriceProductTradePrice")
    _ram(price, "ChargeAmount", _decimal(line.unit_price))
    delivery = _ram(item, "SpecifiedLineTradeDelivery")
    _ram(delivery, "BilledQuantity", _decimal(line.quantity), unitCode=unit)
    settlement = _ram(item, "SpecifiedLineTradeSettlement")
    tax = _ram(settlement, "ApplicableTradeTax")
    _ram(tax, "TypeCode", "VAT")
    rate = line.vat_rate_value or Decimal(0)
    _ram(tax, "CategoryCode", vat_category(rate, line.vat_exemption, customer.vat_number))
    _ram(tax, "RateApplicablePercent", _decimal(rate))
    if line.discount_percent:
        # The line's discount as an allowance (BG-27): the net is after it.
        before = money_round(line.quantity * line.unit_price)
        allowance = _ram(settlement, "SpecifiedTradeAllowanceCharge")
        indicator = _ram(allowance, "ChargeIndicator")
        etree.SubElement(indicator, f"{{{UDT}}}Indicator").text = "false"
        _ram(allowance, "CalculationPercent", _decimal(line.discount_percent))
        _ram(allowance, "BasisAmount", _amount(before))
        _ram(allowance, "ActualAmount", _amount(before - line.net))
        _ram(allowance, "Reason", "Remise")
    summation = _ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation")
    _ram(summation, "LineTotalAmount", _amount(line.net))


def _party(parent, tag: str, *, name: str, siren: str, vat_number: str, address, **extra):
    party = _ram(parent, tag)
    _ram(party, "Name", name)
    if extra.get("description"):
        _ram(party, "Description", extra["description"])
    if siren:
        organisation = _ram(party, "SpecifiedLegalOrganization")
        _ram(organisation, "ID", siren, schemeID=SIREN_SCHEME)
    _address(party, address)
    if extra.get("electronic_address"):
        communication = _ram(party, "URIUniversalCommunication")
        _ram(communication, "URIID", extra["electronic_address"], schemeID=extra["scheme"])
    if vat_number:
        registration = _ram(party, "SpecifiedTaxRegistration")
        _ram(registration, "ID", vat_number, schemeID="VA")


def _delivery(transaction, invoice: Invoice) -> None:
    """BG-13: the site, when the invoice bills one (its service address), and the date the
    services were delivered (the end of the period; else the invoice's date)."""
    delivery = _ram(transaction, "ApplicableHeaderTradeDelivery")
    sites = invoice_sites(invoice)
    if len(sites) == 1:
        site = sites[0]
        party = _ram(delivery, "ShipToTradeParty")
        _ram(party, "Name", site.get("name") or "-")
        _address(party, postal_address((site.get("address") or "").split("\n")))
    delivered = invoice.period_end or invoice.period_start or _issue_date(invoice)
    event = _ram(delivery, "ActualDeliverySupplyChainEvent")
    _date(event, "OccurrenceDateTime", delivered)


def _seller_legal_information(company: Company) -> str:
    parts = []
    if company.legal_form:
        form = company.legal_form
        if company.capital is not None:
            form += f" au capital de {_amount(company.capital)} EUR"
        parts.append(form)
    if company.registration:
        parts.append(company.registration)
    return " - ".join(parts)


def _electronic_address(siren: str, email: str) -> dict[str, str]:
    """BT-34/BT-49: the SIREN in the French e-invoicing directory, else an e-mail."""
    if siren:
        return {"electronic_address": siren, "scheme": SIREN_ADDRESS_SCHEME}
    if email:
        return {"electronic_address": email, "scheme": "EM"}
    return {}


def _agreement(transaction, company: Company, customer: InvoiceCustomer) -> None:
    agreement = _ram(transaction, "ApplicableHeaderTradeAgreement")
    if customer.code:
        _ram(agreement, "BuyerReference", customer.code)
    _party(
        agreement,
        "SellerTradeParty",
        name=company.legal_name,
        siren=company.siret[:9],
        vat_number=company.vat_number,
        address=postal_address(company.address_lines, company),
        description=_seller_legal_information(company),
        **_electronic_address(company.siret[:9], company.email),
    )
    _party(
        agreement,
        "BuyerTradeParty",
        name=customer.name,
        siren=customer.siren if customer.is_business else "",
        vat_number=customer.vat_number,
        address=postal_address(customer.address_lines, customer.live),
        **_electronic_address(customer.siren if customer.is_business else "", ""),
    )


def _settlement(transaction, invoice: Invoice, company: Company, customer) -> None:
    settlement = _ram(transaction, "ApplicableHeaderTradeSettlement")
    debit = bool(invoice.debit_mandate_rum) and not invoice.is_credit_note
    if debit and company.sepa_creditor_id:
        _ram(settlement, "CreditorReferenceID", company.sepa_creditor_id)  # BT-90
    _ram(settlement, "PaymentReference", invoice.number or f"BROUILLON-{invoice.pk}")
    _ram(settlement, "InvoiceCurrencyCode", "EUR")
    if debit:
        _direct_debit_means(settlement, invoice)
    elif company.iban and not invoice.is_credit_note:
        means = _ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
        _ram(means, "TypeCode", SEPA_CREDIT_TRANSFER)
        _ram(_ram(means, "PayeePartyCreditorFinancialAccount"), "IBANID", company.iban)
        if company.bic:
            institution = _ram(means, "PayeeSpecifiedCreditorFinancialInstitution")
            _ram(institution, "BICID", company.bic)
    due_code = VAT_DUE_ON_ISSUE if company.vat_on_debits else VAT_DUE_ON_PAYMENT
    for row in vat_rows(invoice, customer.vat_number):
        tax = _ram(settlement, "ApplicableTradeTax")
        _ram(tax, "CalculatedAmount", _amount(row.vat))
        _ram(tax, "TypeCode", "VAT")
        if row.category != "S":
            _ram(tax, "ExemptionReason", " ; ".join(row.reasons) or "Exonération de TVA")
        _ram(tax, "BasisAmount", _amount(row.base))
        _ram(tax, "CategoryCode", row.category)
        if row.category == "S":
            _ram(tax, "DueDateTypeCode", due_code)
        _ram(tax, "RateApplicablePercent", _decimal(row.rate))
    if invoice.period_start and invoice.period_end:
        period = _ram(settlement, "BillingSpecifiedPeriod")
        _date(period, "StartDateTime", invoice.period_start)
        _date(period, "EndDateTime", invoice.period_end)
    terms = _ram(settlement, "SpecifiedTradePaymentTerms")
    _ram(terms, "Description", payment_terms_text(invoice))
    _date(terms, "DueDateDateTime", invoice.due_date or _issue_date(invoice))
    if debit:
        _ram(terms, "DirectDebitMandateID", invoice.debit_mandate_rum)  # BT-89
    _totals(settlement, invoice)
    credited = invoice.credited_invoice
    if invoice.is_credit_note and credited is not None:
        reference = _ram(settlement, "InvoiceReferencedDocument")
        _ram(reference, "IssuerAssignedID", credited.number or "")
        if credited.issue_date:
            _date(reference, "FormattedIssueDateTime", credited.issue_date, qualified=True)


def _direct_debit_means(settlement, invoice: Invoice) -> None:
    """BG-16 of an invoice collected by SEPA direct debit: code 59, and the debited account
    (BT-91) under the mandate whose reference the payment terms give (BT-89)."""
    means = _ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
    _ram(means, "TypeCode", SEPA_DIRECT_DEBIT)
    if account := direct_debit_account_of(invoice.debit_mandate_rum):
        _ram(_ram(means, "PayerPartyDebtorFinancialAccount"), "IBANID", account)


def _totals(settlement, invoice: Invoice) -> None:
    """BT-106 to BT-115: no document-level allowance or charge, nothing prepaid."""
    summation = _ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _ram(summation, "LineTotalAmount", _amount(invoice.total_net))
    _ram(summation, "TaxBasisTotalAmount", _amount(invoice.total_net))
    _ram(summation, "TaxTotalAmount", _amount(invoice.total_vat), currencyID="EUR")
    _ram(summation, "GrandTotalAmount", _amount(invoice.total_gross))
    _ram(summation, "DuePayableAmount", _amount(invoice.total_gross))
