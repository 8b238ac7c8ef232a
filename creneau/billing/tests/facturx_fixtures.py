"""Invoices to print and export, made through the billing services with catalogue rates
and services: a company with its full identity, an individual and a business customer.

Plain functions: each test module makes its fixtures of them (fixtures imported from a
module shadow their own names)."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader

from creneau.billing.models import Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.models import VatRate
from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.core.models import Company
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory, SiteFactory

NBSP, NNBSP = "\u00a0", "\u202f"
COMPANY_IBAN = "FR7630006000011234567890189"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def euros(amount: str) -> str:
    """'1 234,50' as printed: a narrow no-break space in thousands, a no-break space before €."""
    return amount.replace(" ", NNBSP) + NBSP + "€"


def company_with_identity() -> Company:
    company = Company.load()
    company.legal_name, company.legal_form = "Clair & Net Services", "SAS"
    company.capital = Decimal("10000")
    company.siret, company.vat_number = "73282932000074", "FR44732829320"
    company.register, company.register_city = "rcs", "Nantes"
    company.street, company.postcode, company.city = "14 rue du Calvaire", "44000", "Nantes"
    company.email = "facturation@clairnet.example"
    company.iban, company.bic = COMPANY_IBAN, "AGRIFRPP"
    company.sap_number = "SAP732829320"
    company.late_penalty_rate = Decimal("12.50")
    company.save()
    return company


def individual_customer() -> Customer:
    customer = CustomerFactory(
        name="Jeanne Martin", code="C00007", street="3 allée des Roses", postcode="44300",
        city="Nantes", payment_terms_days=15,
    )  # fmt: skip
    SiteFactory(customer=customer, name="Domicile", street="3 allée des Roses",
                postcode="44300", city="Nantes")  # fmt: skip
    return customer


def business_customer(code: str = "C00042") -> Customer:
    customer = CustomerFactory(
        kind=Customer.Kind.BUSINESS, name="Résidence Les Tilleuls SARL", code=code,
        siret="55210055400013", vat_number="FR96552100554", street="8 boulevard Guist'hau",
        postcode="44000", city="Nantes", payment_terms_days=30,
    )  # fmt: skip
    SiteFactory(customer=customer, name="Bâtiment B", street="12 rue des Tilleuls",
                postcode="44100", city="Nantes")  # fmt: skip
    return customer


def zero_rate(wording: str) -> VatRate:
    vat_rate("20")  # the default rates exist
    rate, _created = VatRate.objects.get_or_create(
        rate=Decimal(0), exemption_wording=wording, defaults={"label": wording[:100]}
    )
    return rate


def make_invoice(customer: Customer, by, lines: list[dict], *, issue: bool = True, **fields):
    """An invoice of `lines` (invoice_line_add's fields) for the customer's sites."""
    sites = list(customer.sites.all())
    invoice = invoice_create(customer=customer, by=by, sites=sites, **fields)
    for line in lines:
        invoice_line_add(invoice=invoice, by=by, **line)
    if issue:
        invoice = invoice_issue(invoice=invoice, by=by)
    return Invoice.objects.get(pk=invoice.pk)


def service(code: str, price: str, rate: str = "20", **fields):
    return ServiceFactory(code=code, label=f"Prestation {code}", unit_price=Decimal(price),
                          vat_rate=vat_rate(rate), **fields)  # fmt: skip
