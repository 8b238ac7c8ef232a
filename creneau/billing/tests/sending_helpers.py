"""Helpers of the sending and API tests: an issued invoice, the company, the documents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from creneau.billing import documents
from creneau.billing.models import Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.tests.factories import vat_rate
from creneau.core.models import Company
from creneau.customers.models import Customer


def draft_invoice(customer: Customer, by: User, *, group: str = "A", lines: int = 1) -> Invoice:
    invoice = invoice_create(customer=customer, by=by, billing_group=group)
    for index in range(lines):
        invoice_line_add(invoice=invoice, by=by, line_type="free",
                         description=f"Entretien des bureaux {index + 1}",
                         quantity=Decimal(2), unit_price=Decimal("40"),
                         vat_rate=vat_rate("20"))  # fmt: skip
    return invoice


def issued_invoice(customer: Customer, by: User, **options) -> Invoice:
    return invoice_issue(invoice=draft_invoice(customer, by, **options), by=by)


@pytest.fixture
def company(db):
    company = Company.load()
    company.legal_name = "Clair & Net Services"
    company.email = "contact@clairnet.example.com"
    company.save()
    return company


@pytest.fixture
def invoice_pdf():
    """The invoice documents (the Factur-X PDF, its file name) the sending attaches."""
    return documents
