"""The Factur-X XML of invoices and credit notes, checked by the real validators: the
Factur-X EN 16931 XSD and the EN 16931 Schematron (run with saxonche), zero failed asserts."""

from decimal import Decimal

import pytest
from lxml import etree

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.facturx import NAMESPACES, invoice_facturx_xml, postal_address
from creneau.billing.tests.facturx_fixtures import (
    COMPANY_IBAN,
    business_customer,
    company_with_identity,
    individual_customer,
    make_invoice,
    service,
    zero_rate,
)
from creneau.billing.tests.facturx_validation import (
    facturx_problems,
    french_ctc_failed_asserts,
    schematron_failed_asserts,
    xsd_errors,
)
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db):
    return company_with_identity()


@pytest.fixture
def individual(db):
    return individual_customer()


@pytest.fixture
def business(db):
    return business_customer()


def xpath(xml: bytes, path: str) -> list[str]:
    found = etree.fromstring(xml).xpath(path, namespaces=NAMESPACES)
    return [item if isinstance(item, str) else (item.text or "") for item in found]


def one(xml: bytes, path: str) -> str:
    [value] = xpath(xml, path)
    return value


SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
TOTALS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
BUYER = "//ram:BuyerTradeParty"
SELLER = "//ram:SellerTradeParty"


@pytest.fixture
def individual_invoice(company, individual, direction):
    home_help = service("MEN", "30", "10", unit="hour", is_personal_service=True)
    return make_invoice(individual, direction, [
        {"line_type": "service", "service": home_help, "quantity": Decimal("6.5")},
    ], period_start=__import__("datetime").date(2026, 10, 1),
       period_end=__import__("datetime").date(2026, 10, 31))  # fmt: skip


@pytest.fixture
def business_invoice(company, business, direction):
    cleaning = service("NET", "25", "20", unit="visit")
    return make_invoice(business, direction, [
        {"line_type": "service", "service": cleaning, "quantity": Decimal(8),
         "description": "Entretien des bureaux \N{EN DASH} 8 passages\n03, 06, 10… /11"},
    ])  # fmt: skip


def test_an_individual_invoice_is_valid_en16931(individual_invoice):
    xml = invoice_facturx_xml(invoice=individual_invoice)
    assert facturx_problems(xml) == []
    assert one(xml, "//rsm:ExchangedDocument/ram:ID") == individual_invoice.number
    assert one(xml, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert one(xml, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == (
        "urn:cen.eu:en16931:2017"
    )
    assert one(xml, f"{BUYER}/ram:Name") == "Jeanne Martin"
    assert xpath(xml, f"{BUYER}/ram:SpecifiedLegalOrganization") == []  # no SIREN
    assert one(xml, f"{BUYER}/ram:PostalTradeAddress/ram:CityName") == "Nantes"
    assert one(xml, f"{BUYER}/ram:PostalTradeAddress/ram:PostcodeCode") == "44300"
    assert one(xml, f"{SETTLEMENT}/ram:InvoiceCurrencyCode") == "EUR"
    assert one(xml, f"{SETTLEMENT}/ram:BillingSpecifiedPeriod/ram:StartDateTime/*") == "20261001"
    # 6,5 h at 30,00 € = 195,00; 10 % VAT 19,50.
    assert one(xml, f"{TOTALS}/ram:LineTotalAmount") == "195.00"
    assert one(xml, f"{TOTALS}/ram:TaxTotalAmount") == "19.50"
    assert one(xml, f"{TOTALS}/ram:GrandTotalAmount") == "214.50"
    assert one(xml, f"{TOTALS}/ram:DuePayableAmount") == "214.50"
    assert one(xml, "//ram:BilledQuantity/@unitCode") == "HUR"
    notes = xpath(xml, "//ram:IncludedNote/ram:Content")
    assert any("199 sexdecies" in note for note in notes)
    assert not any("40" in note and "recouvrement" in note for note in notes)


def test_a_business_invoice_names_the_buyer_siren_and_vat_and_the_iban(business_invoice):
    xml = invoice_facturx_xml(invoice=business_invoice)
    assert facturx_problems(xml) == []
    assert one(xml, f"{SELLER}/ram:SpecifiedLegalOrganization/ram:ID") == "732829320"
    assert one(xml, f"{SELLER}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == "0002"
    assert one(xml, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID") == "FR44732829320"
    assert one(xml, f"{BUYER}/ram:SpecifiedLegalOrganization/ram:ID") == "552100554"
    assert one(xml, f"{BUYER}/ram:SpecifiedTaxRegistration/ram:ID") == "FR96552100554"
    assert one(xml, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == COMPANY_IBAN
    assert one(xml, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == "58"
    due = business_invoice.due_date.strftime("%Y%m%d")
    assert one(xml, "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/*") == due
    assert one(xml, "//ram:SpecifiedTradeProduct/ram:Name") == (
        "Entretien des bureaux \N{EN DASH} 8 passages"
    )
    notes = xpath(xml, "//ram:IncludedNote/ram:Content")
    assert any("recouvrement" in note for note in notes)


def test_a_business_invoice_meets_the_french_ctc_rules_too(business_invoice):
    """The French e-invoicing rules (BR-FR): notes PMT, PMD and AAB, the billing frame
    (BT-23, S1: services) and the electronic addresses by SIREN (BT-34, BT-49)."""
    xml = invoice_facturx_xml(invoice=business_invoice)
    assert [str(failure) for failure in french_ctc_failed_asserts(xml)] == []
    assert one(xml, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S1"
    assert one(xml, f"{BUYER}/ram:URIUniversalCommunication/ram:URIID") == "552100554"


def test_a_mixed_rate_invoice_has_one_vat_row_per_rate(company, business, direction):
    lines = [
        {"line_type": "section", "description": "Parties communes"},
        {"line_type": "service", "service": service("VIT", "12.3456", "20"),
         "quantity": Decimal("3.333"), "discount_percent": Decimal("7.5")},
        {"line_type": "free", "description": "Jardinage", "quantity": Decimal(3),
         "unit_price": Decimal("41.17"), "vat_rate": vat_rate("10")},
        {"line_type": "free", "description": "Aide à domicile", "quantity": Decimal("2.25"),
         "unit_price": Decimal("19.99"), "vat_rate": vat_rate("5.5")},
        {"line_type": "discount", "description": "Geste commercial", "quantity": Decimal(-1),
         "unit_price": Decimal("5"), "vat_rate": vat_rate("20")},
        {"line_type": "comment", "description": "Produits fournis."},
    ]  # fmt: skip
    invoice = make_invoice(business, direction, lines)
    xml = invoice_facturx_xml(invoice=invoice)
    assert facturx_problems(xml) == []
    rates = xpath(xml, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:RateApplicablePercent")
    assert sorted(rates) == ["10", "20", "5.5"]
    assert len(xpath(xml, "//ram:IncludedSupplyChainTradeLineItem")) == 4  # amounts only
    assert one(xml, f"{TOTALS}/ram:GrandTotalAmount") == f"{invoice.total_gross:.2f}"
    assert one(xml, "//ram:SpecifiedTradeAllowanceCharge/ram:CalculationPercent") == "7.5"


def test_a_zero_rate_is_exempt_with_its_wording(company, individual, direction):
    invoice = make_invoice(individual, direction, [
        {"line_type": "free", "description": "Cours particulier", "quantity": Decimal(2),
         "unit_price": Decimal("35"), "vat_rate": vat_rate("0")},
        {"line_type": "free", "description": "Fournitures", "quantity": Decimal(1),
         "unit_price": Decimal("10"), "vat_rate": vat_rate("20")},
    ])  # fmt: skip
    xml = invoice_facturx_xml(invoice=invoice)
    assert facturx_problems(xml) == []
    exempt = f"{SETTLEMENT}/ram:ApplicableTradeTax[ram:CategoryCode='E']"
    assert one(xml, f"{exempt}/ram:ExemptionReason") == "TVA non applicable, art. 293 B du CGI"
    assert one(xml, f"{exempt}/ram:BasisAmount") == "70.00"
    assert one(xml, f"{exempt}/ram:CalculatedAmount") == "0.00"


def test_two_zero_rate_wordings_make_one_exempt_row(company, individual, direction):
    franchise = zero_rate("TVA non applicable, art. 293 B du CGI")
    other = zero_rate("Exonération de TVA, art. 261-4-4° du CGI")
    invoice = make_invoice(individual, direction, [
        {"line_type": "free", "description": "Cours", "quantity": Decimal(1),
         "unit_price": Decimal("35"), "vat_rate": franchise},
        {"line_type": "free", "description": "Formation", "quantity": Decimal(1),
         "unit_price": Decimal("40"), "vat_rate": other},
    ])  # fmt: skip
    xml = invoice_facturx_xml(invoice=invoice)
    assert facturx_problems(xml) == []
    [reason] = xpath(xml, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:ExemptionReason")
    assert "293 B" in reason and "261-4-4°" in reason


def test_a_reverse_charge_to_a_business_is_category_ae(company, business, direction):
    reverse = zero_rate("Autoliquidation, art. 283-2 nonies du CGI")
    invoice = make_invoice(business, direction, [
        {"line_type": "free", "description": "Nettoyage de chantier", "quantity": Decimal(1),
         "unit_price": Decimal("800"), "vat_rate": reverse},
    ])  # fmt: skip
    xml = invoice_facturx_xml(invoice=invoice)
    assert facturx_problems(xml) == []
    assert one(xml, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode") == "AE"


def test_a_credit_note_is_381_and_references_its_invoice(business_invoice, direction):
    credit_note = credit_note_create(invoice=business_invoice, by=direction, reason="Erreur")
    xml = invoice_facturx_xml(invoice=credit_note)
    assert facturx_problems(xml) == []
    assert one(xml, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert one(xml, "//rsm:ExchangedDocument/ram:ID") == credit_note.number
    reference = f"{SETTLEMENT}/ram:InvoiceReferencedDocument"
    assert one(xml, f"{reference}/ram:IssuerAssignedID") == business_invoice.number
    assert one(xml, f"{reference}/ram:FormattedIssueDateTime/*") == (
        business_invoice.issue_date.strftime("%Y%m%d")
    )
    # Positive amounts: the type code says it is a credit.
    assert one(xml, f"{TOTALS}/ram:GrandTotalAmount") == "240.00"
    assert one(xml, "//ram:SpecifiedTradeSettlementLineMonetarySummation/*") == "200.00"


def test_partial_credit_notes_by_lines_and_by_amount_are_valid(company, business, direction):
    invoice = make_invoice(business, direction, [
        {"line_type": "free", "description": "Vitres", "quantity": Decimal(4),
         "unit_price": Decimal("50"), "vat_rate": vat_rate("20")},
        {"line_type": "free", "description": "Espaces verts", "quantity": Decimal(2),
         "unit_price": Decimal("33.33"), "vat_rate": vat_rate("10")},
    ])  # fmt: skip
    first_line = invoice.lines.order_by("position").first()
    by_lines = credit_note_create(
        invoice=invoice, by=direction, lines=[{"line_id": first_line.pk, "quantity": 1}]
    )
    by_amount = credit_note_create(invoice=invoice, by=direction, amount=Decimal("100"))
    for credit_note in (by_lines, by_amount):
        xml = invoice_facturx_xml(invoice=credit_note)
        assert facturx_problems(xml) == [], credit_note.vat_breakdown
        assert one(xml, "//rsm:ExchangedDocument/ram:TypeCode") == "381"


def test_vat_on_debits_says_when_the_vat_is_due(company, business_invoice):
    company.vat_on_debits = True
    company.save()
    xml = invoice_facturx_xml(invoice=business_invoice)
    assert facturx_problems(xml) == []
    assert one(xml, "//ram:ApplicableTradeTax/ram:DueDateTypeCode") == "5"
    notes = xpath(xml, "//ram:IncludedNote/ram:Content")
    assert "Option pour le paiement de la taxe d'après les débits" in notes


def test_a_broken_total_fails_the_schematron(business_invoice):
    """The check can fail: BT-112 one euro off gives BR-CO-15."""
    xml = invoice_facturx_xml(invoice=business_invoice)
    broken = xml.replace(b"<ram:GrandTotalAmount>240.00<", b"<ram:GrandTotalAmount>241.00<")
    assert broken != xml
    assert xsd_errors(broken) == []
    rules = [failure.rule for failure in schematron_failed_asserts(broken)]
    assert "BR-CO-15" in rules


def test_a_missing_currency_fails_the_xsd(business_invoice):
    xml = invoice_facturx_xml(invoice=business_invoice)
    broken = xml.replace(b"<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>", b"")
    assert xsd_errors(broken)


def test_a_foreign_address_is_read_back_from_the_frozen_lines(company, direction):
    customer = CustomerFactory(name="Dupont", street="Rue Neuve 1", postcode="1000",
                               city="Bruxelles", country="BE")  # fmt: skip
    invoice = make_invoice(customer, direction, [
        {"line_type": "free", "description": "Audit", "quantity": Decimal(1),
         "unit_price": Decimal("100"), "vat_rate": vat_rate("20")},
    ])  # fmt: skip
    customer.street = "Autre adresse"
    customer.save()  # the frozen copy is what the XML says
    xml = invoice_facturx_xml(invoice=invoice)
    assert facturx_problems(xml) == []
    address = f"{BUYER}/ram:PostalTradeAddress"
    assert one(xml, f"{address}/ram:LineOne") == "Rue Neuve 1"
    assert one(xml, f"{address}/ram:PostcodeCode") == "1000"
    assert one(xml, f"{address}/ram:CityName") == "Bruxelles"
    assert one(xml, f"{address}/ram:CountryID") == "BE"


def test_postal_address_reads_lines_without_a_postcode():
    assert postal_address(["Lieu-dit Les Prés"]).lines == ("Lieu-dit Les Prés",)
    assert postal_address(["1 rue A", "75011 Paris"]).city == "Paris"


def test_control_characters_typed_in_a_line_are_left_out_of_the_xml(company, individual, direction):
    invoice = make_invoice(individual, direction, [
        {"line_type": "free", "description": "Vitres\x0b étage\x01\nDétail\x1b", "quantity": 1,
         "unit_price": Decimal("10"), "vat_rate": vat_rate("20")},
    ])  # fmt: skip
    xml = invoice_facturx_xml(invoice=invoice)
    assert facturx_problems(xml) == []
    assert one(xml, "//ram:SpecifiedTradeProduct/ram:Name") == "Vitres étage"


def test_a_draft_previews_its_xml_with_the_live_customer(company, business, direction):
    draft = make_invoice(business, direction, [
        {"line_type": "free", "description": "Audit", "quantity": Decimal(1),
         "unit_price": Decimal("100"), "vat_rate": vat_rate("20")},
    ], issue=False)  # fmt: skip
    xml = invoice_facturx_xml(invoice=draft)
    assert facturx_problems(xml) == []
    assert one(xml, "//rsm:ExchangedDocument/ram:ID") == f"BROUILLON-{draft.pk}"
    assert one(xml, f"{BUYER}/ram:SpecifiedLegalOrganization/ram:ID") == "552100554"
