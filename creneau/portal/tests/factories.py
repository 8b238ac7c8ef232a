import factory

from creneau.customers.tests.factories import CustomerFactory
from creneau.portal.models import PortalUser

PORTAL_PASSWORD = "portail-pass-1"


class PortalUserFactory(factory.django.DjangoModelFactory):
    """An access with a password set (PORTAL_PASSWORD); pass site=... for a site-level one."""

    class Meta:
        model = PortalUser

    customer = factory.SubFactory(CustomerFactory)
    site = None
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    password = factory.django.Password(PORTAL_PASSWORD)
