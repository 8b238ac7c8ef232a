"""What the amount columns cannot hold is refused in French, before anything is saved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from creneau.catalog.tests.factories import vat_rate
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.models import Quote
from creneau.quotes.services import quote_create, quote_line_add, quote_line_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def quote(rep):
    quote = quote_create(customer=CustomerFactory(sales_rep=rep), by=rep)
    quote.first_line = quote_line_add(
        quote=quote,
        by=rep,
        line_type="free",
        description="Nettoyage",
        quantity=Decimal(1),
        unit_price=Decimal("10"),
        vat_rate=vat_rate("20"),
    )
    return quote


def test_a_gross_total_beyond_the_columns_is_refused_and_nothing_is_saved(quote, rep):
    with pytest.raises(ValidationError) as caught:
        quote_line_update(line=quote.first_line, by=rep, quantity=Decimal("99999"),
                          unit_price=Decimal("999"))  # fmt: skip
    assert "Montant trop élevé" in caught.value.message_dict["unit_price"][0]
    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.total_net, stored.total_gross) == (Decimal("10.00"), Decimal("12.00"))
    assert stored.lines.get().quantity == 1


def test_a_line_beyond_the_columns_is_refused_when_added(quote, rep):
    with pytest.raises(ValidationError) as caught:
        quote_line_add(quote=quote, by=rep, line_type="free", description="Énorme",
                       quantity=Decimal("99999"), unit_price=Decimal("999999"),
                       vat_rate=vat_rate("20"))  # fmt: skip
    assert "Montant trop élevé" in caught.value.message_dict["unit_price"][0]
    assert quote.lines.count() == 1


def test_the_editor_shows_the_refusal_and_every_page_still_opens(quote, rep, client_for):
    client = client_for(rep)
    posted = {"description": "Nettoyage", "quantity": "99999", "unit_price": "999",
              "vat_rate": str(vat_rate("20").pk), "unit": "flat"}  # fmt: skip
    response = client.post(f"/quotes/lines/{quote.first_line.pk}/", posted, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Montant trop élevé" in response.content.decode()
    customer = quote.customer_id
    for url in ["/quotes/", "/quotes/export.csv", f"/quotes/{quote.pk}/",
                f"/quotes/{quote.pk}/pdf/", f"/quotes/customer/{customer}/"]:  # fmt: skip
        assert client.get(url).status_code == 200, url


def test_the_api_refuses_amounts_beyond_the_columns(quote, rep, api_for):
    api = api_for(rep)
    url = f"/api/v1/quotes/{quote.pk}/lines/{quote.first_line.pk}"
    response = api.patch(url, {"quantity": "99999", "unit_price": "999"})
    assert response.status_code == 422
    detail = {error["field"]: error["msg"] for error in response.json()["detail"]}
    assert "Montant trop élevé" in detail["unit_price"]
    response = api.patch(url, {"quantity": "1e15", "unit_price": "1e12"})
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["detail"]} == {"quantity", "unit_price"}
    assert Quote.objects.get(pk=quote.pk).total_net == Decimal("10.00")
