"""Invoices for tests, made through the services (numbering, frozen copy, journal), or as
bare rows (InvoiceFactory) when a test only needs something in a list."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import User

from creneau.billing import services
from creneau.billing.models import Invoice, InvoiceLine
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A draft invoice row, without lines (add them with invoice_line_add or
    InvoiceLineFactory + invoice_recompute)."""

    class Meta:
        model = Invoice

    customer = factory.SubFactory(CustomerFactory)
    billing_group = "A"


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    position = factory.Sequence(lambda n: n)
    line_type = InvoiceLine.LineType.FREE
    description = "Entretien des bureaux"
    quantity = Decimal("1.000")
    unit = "flat"
    unit_price = Decimal("100.0000")
    vat_rate = factory.LazyFunction(lambda: vat_rate("20"))
    vat_rate_value = factory.LazyAttribute(lambda line: line.vat_rate.rate)
    net = factory.LazyAttribute(
        lambda line: (line.quantity * line.unit_price).quantize(Decimal("0.01"))
    )


def draft_invoice(
    *,
    customer: Customer | None = None,
    by: User | None = None,
    lines: list[tuple[str, str, str, str]] | None = None,
    **fields,
) -> Invoice:
    """A draft through the services. lines: (description, quantity, unit price, VAT %)."""
    customer = customer or CustomerFactory()
    invoice = services.invoice_create(customer=customer, by=by, **fields)
    if lines is None:
        lines = [("Entretien des bureaux", "1", "100", "20")]
    for description, quantity, price, rate in lines:
        services.invoice_line_add(
            invoice=invoice,
            by=by,
            line_type="free",
            description=description,
            quantity=Decimal(quantity),
            unit="flat",
            unit_price=Decimal(price),
            vat_rate=vat_rate(rate),
        )
    invoice.refresh_from_db()
    return invoice


def issued_invoice(
    *, customer: Customer | None = None, by: User | None = None, **kwargs
) -> Invoice:
    """A numbered invoice (F-YYYY-NNNNN), issued today through invoice_issue."""
    invoice = draft_invoice(customer=customer, by=by, **kwargs)
    return services.invoice_issue(invoice=invoice, by=by)
