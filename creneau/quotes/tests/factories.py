from decimal import Decimal

import factory

from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.models import Quote, QuoteLine


class QuoteFactory(factory.django.DjangoModelFactory):
    """A draft quote; add lines with quote_line_add (or QuoteLineFactory + quote_recompute)."""

    class Meta:
        model = Quote

    customer = factory.SubFactory(CustomerFactory)


class QuoteLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteLine

    quote = factory.SubFactory(QuoteFactory)
    position = factory.Sequence(lambda n: n)
    line_type = QuoteLine.LineType.SERVICE
    service = factory.SubFactory(ServiceFactory)
    description = factory.LazyAttribute(
        lambda line: line.service.label if line.service else "Ligne"
    )
    quantity = Decimal("1.000")
    unit = "hour"
    unit_price = Decimal("25.0000")
    vat_rate = factory.LazyFunction(lambda: vat_rate("20"))
    net = factory.LazyAttribute(
        lambda line: QuoteLine(
            **{
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_type": line.line_type,
                "discount_percent": Decimal(0),
            }
        ).compute_net()
    )
