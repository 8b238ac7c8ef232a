"""Ids and dates typed into the address bar never break a quote page (or the API)."""

import pytest

from creneau.core.params import parse_date_or_none, parse_id
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.services import quote_create

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), ("²", None), ("١٢", None), ("abc", None), ("0", None),
     ("-3", None), (HUGE, None), (str(2**63), None), (str(2**63 - 1), 2**63 - 1), (None, None)],
)  # fmt: skip
def test_parse_id_accepts_only_ascii_ids_within_64_bits(value, expected):
    assert parse_id(value) == expected


def test_parse_date_or_none_ignores_impossible_dates():
    assert parse_date_or_none("2026-02-31") is None
    assert parse_date_or_none("demain") is None
    assert str(parse_date_or_none("2026-02-28")) == "2026-02-28"


@pytest.fixture
def quote(rep):
    return quote_create(customer=CustomerFactory(sales_rep=rep, name="Copropriété Azur"), by=rep)


@pytest.mark.parametrize(
    "query",
    ["customer=²", f"customer={HUGE}", "date_from=2026-02-31", "date_to=2026-13-01",
     "customer=abc&date_from=x"],
)  # fmt: skip
def test_bad_filters_are_ignored_on_the_list_and_the_export(quote, rep, client_for, query):
    client = client_for(rep)
    response = client.get(f"/quotes/?{query}")
    assert response.status_code == 200
    assert "Copropriété Azur" in response.content.decode()
    export = client.get(f"/quotes/export.csv?{query}")
    assert export.status_code == 200
    assert "Copropriété Azur" in b"".join(export.streaming_content).decode("utf-8-sig")


def test_bad_filters_are_refused_by_the_api_in_french(quote, rep, api_for):
    # The API's schema reads its filters and names the bad one (the pages ignore it).
    response = api_for(rep).get("/api/v1/quotes?date_from=2026-02-31")
    assert response.status_code == 422
    response = api_for(rep).get(f"/api/v1/quotes?customer={HUGE}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "Valeur trop grande."


@pytest.mark.parametrize("customer", ["²", HUGE, "abc"])
def test_starting_a_quote_with_a_bad_customer_id_shows_the_picker(rep, client_for, customer):
    client = client_for(rep)
    assert client.get(f"/quotes/new/?customer={customer}").status_code == 200
    assert client.post("/quotes/new/", {"customer": customer}).status_code == 200


def test_adding_a_bad_service_answers_404(quote, rep, client_for):
    client = client_for(rep)
    for service in ["abc", "²", HUGE]:
        response = client.post(f"/quotes/{quote.pk}/lines/", {"line_type": "service",
                                                              "service": service})  # fmt: skip
        assert response.status_code == 404
    assert quote.lines.count() == 0


def test_an_id_beyond_64_bits_in_a_path_answers_404(quote, rep, client_for):
    client = client_for(rep)
    assert client.get(f"/quotes/{HUGE}/").status_code == 404
    assert client.post(f"/quotes/lines/{HUGE}/", {"description": "x"}).status_code == 404
