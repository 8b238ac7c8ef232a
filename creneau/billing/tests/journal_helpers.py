"""Issued invoices for the journal's tests (their own helpers; the shared factories live
in factories.py)."""

from __future__ import annotations

from decimal import Decimal

from creneau.billing.models import Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.models import Customer


def draft_with_line(customer: Customer, by, price: str = "100", label: str = "Nettoyage"):
    """A draft of one free line, ready to issue."""
    invoice = invoice_create(customer=customer, by=by)
    invoice_line_add(
        invoice=invoice, by=by, line_type="free", description=label, quantity=Decimal(1),
        unit_price=Decimal(price), vat_rate=vat_rate("20"),
    )  # fmt: skip
    return invoice


def issued_invoice(customer: Customer, by, price: str = "100") -> Invoice:
    return invoice_issue(invoice=draft_with_line(customer, by, price), by=by)
