"""Quantities, unit prices and amounts are bounded to business sizes (settings, see
quotes/bounds.py): 999,999,999 x 100 € was accepted and finalised. The services, the
editor and the API refuse beyond them, in French, at the field, and save nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from creneau.catalog.tests.factories import vat_rate
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.models import Quote, QuoteLine
from creneau.quotes.services import (
    quote_create,
    quote_finalize,
    quote_line_add,
    quote_line_update,
)

pytestmark = pytest.mark.django_db
QUANTITY_ERROR = "La quantité ne peut pas dépasser 99\u202f999."
PRICE_ERROR = "Le prix unitaire ne peut pas dépasser 999\u202f999,99\u00a0€."


@pytest.fixture
def quote(rep):
    quote = quote_create(customer=CustomerFactory(sales_rep=rep), by=rep)
    quote.first_line = quote_line_add(
        quote=quote, by=rep, line_type="free", description="Nettoyage",
        quantity=Decimal(2), unit_price=Decimal(10), vat_rate=vat_rate("20"),
    )  # fmt: skip
    return quote


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"quantity": Decimal("100000")}, "quantity", QUANTITY_ERROR),
        ({"quantity": Decimal("99999.001")}, "quantity", QUANTITY_ERROR),
        ({"unit_price": Decimal("1000000")}, "unit_price", PRICE_ERROR),
        ({"unit_price": Decimal("999999.9901")}, "unit_price", PRICE_ERROR),
    ],
)
def test_the_service_refuses_beyond_the_bounds(quote, rep, fields, field, message):
    with pytest.raises(ValidationError) as caught:
        quote_line_update(line=quote.first_line, by=rep, **fields)
    assert caught.value.message_dict[field] == [message]
    line = QuoteLine.objects.get(pk=quote.first_line.pk)
    assert (line.quantity, line.unit_price) == (2, 10)


def test_the_largest_values_are_accepted_and_a_discount_is_bounded_too(quote, rep):
    quote_line_update(line=quote.first_line, by=rep, quantity=Decimal("99999"),
                      unit_price=Decimal("0.01"))  # fmt: skip
    quote_line_update(line=quote.first_line, by=rep, quantity=Decimal(1),
                      unit_price=Decimal("999999.99"))  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        quote_line_add(quote=quote, by=rep, line_type="discount", description="Geste",
                       quantity=Decimal("-100000"), unit_price=Decimal(1),
                       vat_rate=vat_rate("20"))  # fmt: skip
    assert caught.value.message_dict["quantity"] == [QUANTITY_ERROR]


def test_the_bounds_are_settings(quote, rep, settings):
    settings.QUOTE_LINE_MAX_QUANTITY = Decimal(10)
    settings.QUOTE_MAX_AMOUNT = Decimal(50)
    with pytest.raises(ValidationError) as caught:
        quote_line_update(line=quote.first_line, by=rep, quantity=Decimal(11))
    assert caught.value.message_dict["quantity"] == ["La quantité ne peut pas dépasser 10."]
    with pytest.raises(ValidationError) as caught:
        quote_line_update(line=quote.first_line, by=rep, quantity=Decimal(6))
    assert "50,00\u00a0€" in caught.value.message_dict["unit_price"][0]


def test_a_quote_stored_beyond_the_bounds_cannot_be_finalised(quote, rep):
    QuoteLine.objects.filter(pk=quote.first_line.pk).update(
        quantity=Decimal("999999999"), unit_price=Decimal(100), net=Decimal("99999999900")
    )
    with pytest.raises(ValidationError) as caught:
        quote_finalize(quote=quote, by=rep)
    assert QUANTITY_ERROR in " ".join(caught.value.messages)
    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.status, stored.number) == ("draft", None)


def test_the_editor_refuses_at_the_field_and_gives_the_saved_value(quote, rep, client_for):
    posted = {"description": "Nettoyage", "quantity": "100000", "unit_price": "10",
              "vat_rate": str(vat_rate("20").pk), "unit": "flat"}  # fmt: skip
    response = client_for(rep).post(
        f"/quotes/lines/{quote.first_line.pk}/", posted, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    error = html[html.index(f'id="line-{quote.first_line.pk}-error-quantity"') :]
    assert error.split("</div>", 1)[0].endswith(f'data-saved-value="2">{QUANTITY_ERROR}')
    assert QuoteLine.objects.get(pk=quote.first_line.pk).quantity == 2


def test_the_api_refuses_and_declares_the_bounds(quote, rep, api_for):
    api = api_for(rep)
    url = f"/api/v1/quotes/{quote.pk}/lines/{quote.first_line.pk}"
    for body, field in (({"quantity": "100000"}, "quantity"),
                        ({"unit_price": "1000000"}, "unit_price")):  # fmt: skip
        response = api.patch(url, body)
        assert response.status_code == 422, body
        assert [error["field"] for error in response.json()["detail"]] == [field]
        assert response.json()["detail"][0]["msg"] == "Valeur trop grande."
    response = api.post(f"/api/v1/quotes/{quote.pk}/lines", {
        "line_type": "free", "description": "Énorme", "quantity": "99999",
        "unit_price": "999999.99", "vat_rate": "20"})  # fmt: skip
    assert response.status_code == 422
    assert "Montant trop élevé" in response.json()["detail"][0]["msg"]
    assert QuoteLine.objects.filter(quote=quote).count() == 1

    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]["LineIn"]
    quantity, price = schema["properties"]["quantity"], schema["properties"]["unit_price"]
    declared = str(quantity)
    assert "99999" in declared and "-99999" in declared
    assert "999999.99" in str(price)
