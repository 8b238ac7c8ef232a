from decimal import Decimal

import factory

from creneau.catalog.defaults import default_vat_rates_ensure
from creneau.catalog.models import Service, SitePrice, VatRate
from creneau.customers.tests.factories import SiteFactory


def vat_rate(percent: str) -> VatRate:
    """One of the default VAT rates (created again if a transactional test flushed them)."""
    default_vat_rates_ensure(VatRate)
    return VatRate.objects.filter(rate=Decimal(percent)).order_by("position", "id").first()


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n:04d}")
    label = factory.Sequence(lambda n: f"Prestation {n}")
    description = "Description détaillée de la prestation."
    unit = Service.Unit.HOUR
    unit_price = Decimal("25.0000")
    vat_rate = factory.LazyFunction(lambda: vat_rate("20"))
    is_personal_service = False


class SitePriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SitePrice

    site = factory.SubFactory(SiteFactory)
    service = factory.SubFactory(ServiceFactory)
    unit_price = Decimal("22.5000")
