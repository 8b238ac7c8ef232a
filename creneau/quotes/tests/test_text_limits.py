"""A quote's texts are bounded (a megabyte line once made a 180-page PDF) and keep no
invisible direction or zero-width character, in the editor as through the API."""

import pytest
from django.core.exceptions import ValidationError

from creneau.catalog.tests.factories import vat_rate
from creneau.quotes.models import QuoteLine
from creneau.quotes.services import quote_line_update
from creneau.quotes.tests import test_limits

pytestmark = pytest.mark.django_db

quote = test_limits.quote  # the fixture: a draft with one line, "Nettoyage"

MEGABYTE = "Nettoyage des vitres. " * 47_663  # a little over 1 MB
LINE_MAX = QuoteLine._meta.get_field("description").max_length


def error_fields(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


def test_the_limit_is_two_thousand_characters(quote, rep):
    assert LINE_MAX == 2000
    quote_line_update(line=quote.first_line, by=rep, description="a" * LINE_MAX)
    with pytest.raises(ValidationError) as caught:
        quote_line_update(line=quote.first_line, by=rep, description="a" * (LINE_MAX + 1))
    assert "au plus 2000 caractères" in caught.value.message_dict["description"][0]
    assert quote.lines.get().description == "a" * LINE_MAX


def test_a_megabyte_line_is_refused_by_the_editor_and_nothing_changes(quote, rep, client_for):
    posted = {"description": MEGABYTE, "quantity": "1", "unit_price": "10",
              "vat_rate": str(vat_rate("20").pk), "unit": "flat"}  # fmt: skip
    response = client_for(rep).post(
        f"/quotes/lines/{quote.first_line.pk}/", posted, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "au plus 2000 caractères" in response.content.decode()
    assert quote.lines.get().description == "Nettoyage"


def test_a_megabyte_line_answers_422_at_the_field_through_the_api(quote, rep, api_for):
    api = api_for(rep)
    line = quote.first_line
    response = api.patch(f"/api/v1/quotes/{quote.pk}/lines/{line.pk}", {"description": MEGABYTE})
    assert "description" in error_fields(response)
    response = api.post(f"/api/v1/quotes/{quote.pk}/lines", {"line_type": "comment",
                        "description": MEGABYTE})  # fmt: skip
    assert "description" in error_fields(response)
    line_in = {"description": MEGABYTE, "quantity": "1", "unit_price": "1", "vat_rate": "20"}
    response = api.post("/api/v1/quotes", {"customer": quote.customer_id, "lines": [line_in]})
    assert "lines.0.description" in error_fields(response)
    response = api.patch(f"/api/v1/quotes/{quote.pk}", {"notes": "x" * 5001})
    assert "notes" in error_fields(response)
    assert [line.description for line in quote.lines.all()] == ["Nettoyage"]
    assert quote.customer.quotes.count() == 1


def test_invisible_characters_leave_lines_and_notes(quote, rep, api_for, client_for):
    api = api_for(rep)
    response = api.post(f"/api/v1/quotes/{quote.pk}/lines", {"line_type": "comment",
                        "description": "Accès\u202e par\u200b la cour"})  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["description"] == "Accès par la cour"
    client_for(rep).post(
        f"/quotes/{quote.pk}/header/",
        {"validity_date": "2030-01-01", "notes": "Paiement\u2066 à 30\u200f jours"},
        HTTP_HX_REQUEST="true",
    )
    client_for(rep).post(
        f"/quotes/lines/{quote.first_line.pk}/",
        {"description": "Vitres\u200d\u202a", "quantity": "1", "unit_price": "10",
         "vat_rate": str(vat_rate("20").pk), "unit": "flat"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    quote.refresh_from_db()
    assert quote.notes == "Paiement à 30 jours"
    assert sorted(quote.lines.values_list("description", flat=True)) == [
        "Accès par la cour",
        "Vitres",
    ]
