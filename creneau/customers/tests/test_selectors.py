"""The customer search and list: what matches, who sees it, and the large-base shortcuts."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creneau.customers import selectors
from creneau.customers.selectors import customers_filter, search_terms
from creneau.customers.services import customer_create, site_create

ADDRESS = {"street": "3 place du Marché", "postcode": "44000", "city": "Nantes"}


def found(user, query: str, **filters) -> list[str]:
    return [
        customer.name for customer in customers_filter(user=user, filters={"q": query, **filters})
    ]


@pytest.fixture
def base(direction, rep, other_rep):
    """A few customers of two reps, created through the services (search text as in life)."""
    lefevre = customer_create(
        by=direction, name="Lefèvre Hélène", kind="individual", sales_rep=rep,
        mobile="06 12 34 56 78", email="helene.lefevre@example.net", **ADDRESS,
    )  # fmt: skip
    site_create(
        customer=lefevre, by=direction, name="Maison de famille",
        street="12 rue des Lilas", postcode="29200", city="Brest",
    )  # fmt: skip
    customer_create(
        by=direction, name="Dupont Marcel", kind="individual", sales_rep=rep,
        street="8 avenue Jean Jaurès", postcode="69003", city="Lyon",
    )  # fmt: skip
    customer_create(
        by=direction, name="Martin Durand", kind="individual", sales_rep=other_rep,
        phone="02 40 12 34 56", street="1 rue de la Paix", postcode="75002", city="Paris",
    )  # fmt: skip
    customer_create(
        by=direction, name="Syndic Le Gall", kind="business", email="contact@legall.example.com",
        **ADDRESS,
    )  # fmt: skip
    return lefevre


def test_search_by_name_ignores_accents_and_case(base, direction):
    for query in ("helene lefevre", "LEFÈVRE", "Lefèvre Hélène", "lefev", "hélène"):
        assert found(direction, query) == ["Lefèvre Hélène"], query


@pytest.mark.parametrize(
    "typed",
    ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "06-12-34-56-78", "+33 6 12 34 56 78",
     "+33612345678", "0033 6 12 34 56 78", "12 34 56 78"],
)  # fmt: skip
def test_search_by_phone_typed_in_any_format(base, direction, typed):
    assert found(direction, typed) == ["Lefèvre Hélène"]


def test_search_by_landline_finds_it(base, direction):
    assert found(direction, "02.40.12.34.56") == ["Martin Durand"]


def test_search_by_site_street_and_city(base, direction):
    assert found(direction, "rue des lilas") == ["Lefèvre Hélène"]
    assert found(direction, "12 rue des Lilas") == ["Lefèvre Hélène"]
    assert found(direction, "brest") == ["Lefèvre Hélène"]
    assert found(direction, "maison de famille") == ["Lefèvre Hélène"]


def test_search_by_postcode_city_and_code(base, direction):
    assert found(direction, "69003") == ["Dupont Marcel"]
    assert found(direction, "nantes") == ["Lefèvre Hélène", "Syndic Le Gall"]
    assert found(direction, base.code.lower()) == ["Lefèvre Hélène"]


def test_five_digits_are_a_postcode_not_the_middle_of_a_phone(base, direction):
    customer_create(
        by=direction, name="Roux Paul", kind="individual", phone="04 66 69 00 31",
        street="2 rue Basse", postcode="30000", city="Nîmes",
    )  # fmt: skip
    assert found(direction, "69003") == ["Dupont Marcel"]  # not "04 66 69 00 31"
    assert found(direction, "30000") == ["Roux Paul"]
    assert found(direction, "04 66 69") == ["Roux Paul"]


def test_search_by_email_complete_or_partial(base, direction):
    assert found(direction, "helene.lefevre@example.net") == ["Lefèvre Hélène"]
    assert found(direction, "Helene.Lefevre@Example.NET") == ["Lefèvre Hélène"]
    assert found(direction, "helene.lefevre@") == ["Lefèvre Hélène"]
    assert found(direction, "legall.example") == ["Syndic Le Gall"]
    assert found(direction, "nobody@example.net") == []


def test_every_term_must_match(base, direction):
    assert found(direction, "martin paris") == ["Martin Durand"]
    assert found(direction, "martin lyon") == []
    assert found(direction, "rue de la paix") == ["Martin Durand"]  # short words inside


def test_short_words_match_the_start_of_the_name(base, direction):
    """Under three letters, trigrams cannot help: "du" is the start of a name being typed."""
    assert found(direction, "du") == ["Dupont Marcel"]  # not "Martin Durand"
    assert found(direction, "DÛ") == ["Dupont Marcel"]
    assert found(direction, "sy le") == []
    assert found(direction, "l") == ["Lefèvre Hélène"]


def test_short_words_sort_by_name_accents_and_capitals_aside(base, direction, rep):
    for name in ("lebon Zoé", "Lebrun Anne", "Léa Durand", "Le Goff Yann"):
        customer_create(by=direction, name=name, kind="individual", sales_rep=rep, **ADDRESS)
    assert found(direction, "le") == [
        "Le Goff Yann", "Léa Durand", "lebon Zoé", "Lebrun Anne", "Lefèvre Hélène",
    ]  # fmt: skip
    assert found(direction, "le", sort="-name")[0] == "Lefèvre Hélène"
    assert found(rep, "le g") == ["Le Goff Yann"]


def test_rep_searches_only_its_portfolio(base, rep, other_rep, direction, planner):
    assert found(rep, "") == ["Dupont Marcel", "Lefèvre Hélène"]
    assert found(rep, "martin") == []  # another rep's customer
    assert found(rep, "nantes") == ["Lefèvre Hélène"]  # the rep-less one is not its own
    assert found(other_rep, "") == ["Martin Durand"]
    assert found(other_rep, "06 12 34 56 78") == []
    assert len(found(planner, "")) == len(found(direction, "")) == 4


def test_search_terms_normalise_what_is_typed():
    assert search_terms("  Hélène   LEFÈVRE ") == ["helene", "lefevre"]
    assert search_terms("+33 (0)6 12 34 56 78") == ["0612345678"]
    assert search_terms("") == []


def test_list_is_sorted_and_paginated(base, direction):
    customers = customers_filter(user=direction, filters={"sort": "-name"})
    assert customers[0].name == "Syndic Le Gall"
    page = Paginator(customers, 3).page(2)
    assert page.paginator.count == 4
    assert [customer.name for customer in page] == ["Dupont Marcel"]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="count estimate and plan choice are PostgreSQL's"
)


@postgresql_only
def test_count_beyond_the_exact_limit_is_at_least_the_limit(base, direction, monkeypatch):
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 2)
    customers = customers_filter(user=direction, filters={})
    assert customers.count() >= 3
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 10)
    assert customers_filter(user=direction, filters={}).count() == 4


@postgresql_only
def test_page_of_a_few_matches_is_sorted_not_walked_and_counted_once(base, direction):
    customers = customers_filter(user=direction, filters={"q": "nantes"})
    with CaptureQueriesContext(connection) as queries:
        page = Paginator(customers, 25).page(1)
        names = [customer.name for customer in page]
    assert names == ["Lefèvre Hélène", "Syndic Le Gall"]
    assert len(queries) == 2  # the count, then the page
    assert "||" in queries[1]["sql"]  # name || '': read through the search index, then sorted


@postgresql_only
def test_paginating_no_match_makes_one_query(base, direction):
    customers = customers_filter(user=direction, filters={"q": "0699999999"})
    with CaptureQueriesContext(connection) as queries:
        page = Paginator(customers, 25).get_page(1)
        assert list(page) == []
    assert len(queries) == 1


@postgresql_only
@pytest.mark.parametrize(
    ("who", "filters", "sorted_in_memory"),
    [
        ("direction", {"q": "nantes", "sort": "city"}, False),  # only name sorts are walked
        ("rep", {"q": "nantes"}, False),  # a rep's walk stops at the end of its portfolio
        ("direction", {"q": "le"}, False),  # a name prefix walks its own index
    ],
)
def test_when_a_page_is_sorted_instead_of_walked(base, request, who, filters, sorted_in_memory):
    user = request.getfixturevalue(who)
    customers = customers_filter(user=user, filters=filters)
    with CaptureQueriesContext(connection) as queries:
        list(Paginator(customers, 25).page(1))
    assert ("||" in queries[-1]["sql"]) is sorted_in_memory


@postgresql_only
def test_api_pagination_counts_once(base, direction):
    """django-ninja slices the queryset first, then counts queryset.all(): one count."""
    customers = customers_filter(user=direction, filters={"q": "nantes"})
    with CaptureQueriesContext(connection) as queries:
        items = customers[0:100]
        count = customers.all().count()
        names = [customer.name for customer in items]
    assert (count, names) == (2, ["Lefèvre Hélène", "Syndic Le Gall"])
    assert len(queries) == 2
