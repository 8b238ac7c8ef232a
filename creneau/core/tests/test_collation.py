"""The French order (core.collation) on PostgreSQL and SQLite alike, and the country list
(issue 9, points 14 and 15)."""

import pycountry
import pytest
from django.db import connection
from django.utils import translation

from creneau.catalog.models import Service
from creneau.catalog.selectors import services_filter
from creneau.catalog.tests.factories import ServiceFactory
from creneau.core.collation import french_collate, french_sort_key, name_key
from creneau.core.models import country_choices
from creneau.customers.forms import SiteForm
from creneau.customers.models import Family
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.selectors import quotes_filter
from creneau.quotes.tests.factories import QuoteFactory

FRENCH_ORDER = [
    "banque centrale",
    "Banque de Provence",
    "Banque Rhodanienne",
    "Écluse",
    "Égypte",
    "Eole",
    "États-Unis",
    "Zèbre",
]
SHUFFLED = [FRENCH_ORDER[index] for index in (5, 2, 7, 0, 3, 6, 1, 4)]


def test_name_key_drops_accents_capitals_and_extra_spaces():
    assert name_key("  Résidence   Les Tilleuls ") == "residence les tilleuls"
    assert name_key("Œuvre d'Été") == "oeuvre d'ete"
    assert name_key("") == ""


def test_the_python_key_sorts_in_french_order():
    assert sorted(SHUFFLED, key=french_sort_key) == FRENCH_ORDER


@pytest.mark.django_db
def test_the_database_sorts_in_french_order_whatever_its_vendor():
    for name in SHUFFLED:
        Family.objects.create(name=name)
    ascending = Family.objects.order_by(french_collate("name"), "id")
    assert [family.name for family in ascending] == FRENCH_ORDER
    descending = Family.objects.order_by(french_collate("name").desc(), "id")
    assert [family.name for family in descending] == FRENCH_ORDER[::-1]
    # Plain byte order, the reason for all this: capitals first, accents after z.
    plain = [family.name for family in Family.objects.order_by("name")]
    assert plain.index("Banque Rhodanienne") < plain.index("Banque de Provence")
    assert plain.index("Zèbre") < plain.index("Égypte")
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db
def test_equal_names_but_for_case_keep_a_stable_order():
    for index, label in enumerate(("dupont", "Dupont", "DUPONT", "Dupond", "dupond")):
        ServiceFactory(code=f"S{index}", label=label)
    ordered = Service.objects.order_by(french_collate("label"))
    labels = [service.label for service in ordered]
    assert set(labels[:2]) == {"Dupond", "dupond"}
    assert set(labels[2:]) == {"dupont", "Dupont", "DUPONT"}
    assert [service.label for service in ordered.all()] == labels


@pytest.mark.django_db
def test_the_catalogue_sorts_labels_in_french_order():
    for index, label in enumerate(SHUFFLED):
        ServiceFactory(code=f"S{index}", label=label)
    services = services_filter(filters={"sort": "label"})
    assert [service.label for service in services] == FRENCH_ORDER
    services = services_filter(filters={"sort": "-label"})
    assert [service.label for service in services] == FRENCH_ORDER[::-1]


@pytest.mark.django_db
def test_quotes_sort_by_customer_name_in_french_order(direction):
    for name in SHUFFLED:
        QuoteFactory(customer=CustomerFactory(name=name))
    quotes = quotes_filter(user=direction, filters={"sort": "customer"})
    assert [quote.customer.name for quote in quotes] == FRENCH_ORDER
    quotes = quotes_filter(user=direction, filters={"sort": "-customer"})
    assert [quote.customer.name for quote in quotes] == FRENCH_ORDER[::-1]


# Countries ---------------------------------------------------------------------------------


def test_the_country_list_is_iso_3166_france_first_in_french_order():
    with translation.override("fr"):
        choices = country_choices()
    codes = [code for code, _name in choices]
    names = [name for _code, name in choices]
    assert len(choices) == len(pycountry.countries) == 249
    assert set(codes) == {country.alpha_2 for country in pycountry.countries}
    assert choices[0] == ("FR", "France")
    for pseudo in ("XA", "XB", "ZZ", "EU", "EZ", "UN", "QO", "XK"):
        assert pseudo not in codes
    assert not any("pseudo" in name.lower() for name in names)
    assert names.index("Égypte") < names.index("Zimbabwe")
    assert names.index("Estonie") < names.index("États-Unis") < names.index("Éthiopie")
    assert names[1:] == sorted(names[1:], key=french_sort_key)


def test_the_english_interface_lists_english_names_in_order():
    with translation.override("en"):
        choices = country_choices()
        rendered = str(SiteForm()["country"])
    names = [name for _code, name in choices]
    assert choices[0] == ("FR", "France") and len(choices) == 249
    assert "Germany" in names and "Allemagne" not in names
    assert names.index("Åland Islands") < names.index("Albania")
    assert names[1:] == sorted(names[1:], key=french_sort_key)
    assert rendered.index("Germany") < rendered.index("United States")
