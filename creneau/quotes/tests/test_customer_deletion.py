"""A customer or a site that quotes name is kept: deactivated, or its deletion refused."""

import pytest

from creneau.customers.models import Customer, Site
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.services import quote_create

pytestmark = pytest.mark.django_db

MESSAGE = "Ce site figure sur des devis : désactivez-le plutôt."


@pytest.fixture
def site(direction):
    site = SiteFactory(customer=CustomerFactory(), name="Bâtiment A")
    quote_create(customer=site.customer, site=site, by=direction)
    return site


def test_deleting_a_customer_with_quotes_deactivates_it(direction, client_for, api_for):
    first, second = CustomerFactory(), CustomerFactory()
    for customer in (first, second):
        quote_create(customer=customer, by=direction)
    assert client_for(direction).post(f"/customers/{first.pk}/delete/").status_code in (200, 302)
    assert api_for(direction).delete(f"/api/v1/customers/{second.pk}").status_code in (200, 204)
    for customer in (first, second):
        assert Customer.objects.get(pk=customer.pk).is_active is False


def test_deleting_a_site_on_quotes_is_refused_on_the_page(site, direction, client_for):
    url = f"/customers/{site.customer_id}/sites/{site.pk}/delete/"
    response = client_for(direction).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    response = client_for(direction).post(url, follow=True)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert Site.objects.filter(pk=site.pk).exists()


def test_deleting_a_site_on_quotes_answers_422_on_the_api(site, direction, api_for):
    response = api_for(direction).delete(f"/api/v1/sites/{site.pk}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == MESSAGE
    assert Site.objects.filter(pk=site.pk).exists()
