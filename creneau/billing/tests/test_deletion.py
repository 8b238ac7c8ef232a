"""A customer or a site that invoices name is kept: deactivated, or its deletion refused."""

import pytest
from django.core.exceptions import ValidationError

from creneau.billing.services import invoice_create
from creneau.customers.models import Customer
from creneau.customers.services import customer_delete, site_delete
from creneau.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_deleting_a_customer_with_an_invoice_deactivates_it(direction):
    customer = CustomerFactory()
    invoice_create(customer=customer, by=direction)
    assert customer_delete(customer=customer, by=direction) is False
    assert Customer.objects.get(pk=customer.pk).is_active is False


def test_a_site_on_an_invoice_is_not_deleted(direction):
    site = SiteFactory()
    invoice_create(customer=site.customer, sites=[site], by=direction)
    with pytest.raises(ValidationError, match="figure sur des factures"):
        site_delete(site=site, by=direction)
