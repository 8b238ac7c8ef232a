"""What a French user types: identifiers with spaces (issue 9, point 12), names with or
without accents and capitals (points 13 and 15), through the pages and the selectors."""

import re

import pytest

from creneau.customers.forms import ContactForm, CustomerCreateForm, CustomerForm
from creneau.customers.models import Customer, Site
from creneau.customers.services import customer_create, customer_update
from creneau.customers.tests.factories import (
    ContactFactory,
    CustomerFactory,
    FamilyFactory,
    SiteFactory,
)

HTMX = {"HX-Request": "true"}
SPACED = {
    "siret": "493 868 806 00768",
    "vat_number": "FR 40 303 265 045",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "bic": "BNPA FR PP XXX",  # BNP Paribas, head office: "XXX" is the branch code SWIFT gives it
    "phone": "+33 (0)1 45 67 89 01",
    "mobile": "0033 (0)6 12 34 56 78",
}
COMPACT = {
    "siret": "49386880600768",
    "vat_number": "FR40303265045",
    "iban": "FR7630006000011234567890189",
    "bic": "BNPAFRPPXXX",
    "phone": "+33145678901",
    "mobile": "+33612345678",
}


def maxlength(html: str, name: str) -> int:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return int(re.search(r'maxlength="(\d+)"', tag).group(1))


# Identifiers typed with spaces (point 12) -------------------------------------------------


@pytest.mark.django_db
def test_the_general_tab_takes_identifiers_as_typed_and_stores_them_compact(direction, client_for):
    customer = CustomerFactory(kind=Customer.Kind.BUSINESS, postcode="75011")
    client = client_for(direction)
    form = client.get(f"/customers/{customer.pk}/general/edit/", headers=HTMX).content.decode()
    for name, typed in SPACED.items():
        # The browser would cut "493 868 806 00768" at a maxlength of 14.
        assert maxlength(form, name) >= len(typed), name

    data = {
        "kind": "business", "name": customer.name, "street": customer.street,
        "postcode": "75 011", "city": "Paris", "country": "FR", "email": "",
        "accounting_code": customer.accounting_code, "payment_terms_days": 30, **SPACED,
    }  # fmt: skip
    response = client.post(f"/customers/{customer.pk}/general/edit/", data, headers=HTMX)
    assert response.status_code == 200
    assert "form" not in response.context or not response.context["form"].errors
    customer.refresh_from_db()
    assert {name: getattr(customer, name) for name in COMPACT} == COMPACT
    assert customer.postcode == "75011"


@pytest.mark.django_db
def test_a_spaced_identifier_is_still_checked_after_normalising(direction):
    customer = CustomerFactory(kind=Customer.Kind.BUSINESS)
    data = {
        "kind": "business", "name": "X", "street": "1 rue", "postcode": "75011",
        "city": "Paris", "country": "FR", "accounting_code": "411X", "payment_terms_days": 30,
        "siret": "493 868 806 00769",
    }  # fmt: skip
    form = CustomerForm(data, instance=customer, user=direction)
    assert not form.is_valid()
    assert form.errors["siret"] == ["SIREN (9 chiffres) ou SIRET (14 chiffres) invalide."]
    too_long = CustomerForm({**data, "siret": "4" * 31}, instance=customer, user=direction)
    assert not too_long.is_valid()
    assert "au plus 30 caractères" in too_long.errors["siret"][0]


@pytest.mark.django_db
def test_creation_and_contact_forms_take_spaced_phones(direction):
    for form in (CustomerCreateForm(user=direction), ContactForm(sites=Site.objects.none())):
        for name in ("phone", "mobile"):
            assert form.fields[name].max_length >= len(SPACED[name])
            assert int(form.fields[name].widget.attrs["maxlength"]) >= len(SPACED[name])


@pytest.mark.django_db
def test_creating_a_customer_with_a_spaced_phone_and_postcode(rep, client_for):
    data = {
        "name": "Jeanne Martin", "kind": "individual", "street": "3 rue Oberkampf",
        "postcode": "75 011", "city": "Paris", "country": "FR", "mobile": SPACED["mobile"],
    }  # fmt: skip
    response = client_for(rep).post("/customers/new/", data)
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert (customer.postcode, customer.mobile) == ("75011", "+33612345678")


@pytest.mark.django_db
def test_a_contact_phone_typed_with_spaces_is_saved(direction, client_for):
    customer = CustomerFactory()
    response = client_for(direction).post(
        f"/customers/{customer.pk}/contacts/new/",
        {"name": "Léa", "role": "other", "phone": SPACED["phone"], "mobile": SPACED["mobile"]},
        headers=HTMX,
    )
    assert response.status_code == 200
    contact = customer.contacts.get()
    assert (contact.phone, contact.mobile) == ("+33145678901", "+33612345678")


@pytest.mark.django_db
def test_the_company_form_takes_a_spaced_siret(direction, client_for):
    html = client_for(direction).get("/settings/company/").content.decode()
    for name in ("siret", "vat_number", "iban", "bic", "phone"):
        assert maxlength(html, name) >= len(SPACED[name]), name


# Likely duplicates ignore accents and capitals (point 13) --------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["Residence les Tilleuls", "RÉSIDENCE  LES TILLEULS", "résidence les tilleuls "]
)
def test_a_name_without_its_accents_is_a_likely_duplicate(rep, client_for, typed):
    existing = customer_create(
        by=rep, name="Résidence Les Tilleuls", kind="business", street="2 rue", postcode="69003",
        city="Lyon",
    )  # fmt: skip
    data = {
        "name": typed, "kind": "business", "street": "5 avenue", "postcode": "69 003",
        "city": "Lyon", "country": "FR",
    }  # fmt: skip
    response = client_for(rep).post("/customers/new/", data)
    assert response.status_code == 200
    assert [customer.pk for customer in response.context["duplicates"]] == [existing.pk]
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_the_same_name_elsewhere_is_not_a_duplicate(rep, client_for):
    customer_create(
        by=rep, name="Résidence Les Tilleuls", kind="business", street="2 rue", postcode="69003",
        city="Lyon",
    )  # fmt: skip
    data = {
        "name": "Residence les Tilleuls", "kind": "business", "street": "5 avenue",
        "postcode": "69007", "city": "Lyon", "country": "FR",
    }  # fmt: skip
    assert client_for(rep).post("/customers/new/", data).status_code == 302


@pytest.mark.django_db
def test_the_name_key_follows_the_name(rep):
    customer = customer_create(
        by=rep, name="Œuvre  Sociale", kind="business", street="2 rue", postcode="69003",
        city="Lyon",
    )  # fmt: skip
    assert Customer.objects.get(pk=customer.pk).name_key == "oeuvre sociale"
    customer_update(customer=customer, by=rep, name="Élan Vital")
    assert Customer.objects.get(pk=customer.pk).name_key == "elan vital"


@pytest.mark.django_db
def test_a_name_that_grows_when_unaccented_still_fits(rep):
    # "œ" becomes "oe": 200 of them make a key of 400 characters, which PostgreSQL would
    # refuse in a column of 200.
    customer = customer_create(
        by=rep, name="Œ" * 200, kind="business", street="2 rue", postcode="69003", city="Lyon"
    )
    assert Customer.objects.get(pk=customer.pk).name_key == "oe" * 100


# Sorting by name as a French reader expects (point 15) -----------------------------------

BANKS = ["banque centrale", "Banque de Provence", "Banque Rhodanienne", "Été Indien", "Zèbre"]


def shuffled(names: list[str]) -> list[str]:
    return [names[index] for index in (2, 4, 0, 3, 1)]


@pytest.mark.django_db
def test_the_customer_list_sorts_names_capitals_and_accents_aside(direction, client_for):
    for name in shuffled(BANKS):
        CustomerFactory(name=name)
    client = client_for(direction)
    listed = [customer.name for customer in client.get("/customers/").context["page"]]
    assert listed == BANKS
    listed = [customer.name for customer in client.get("/customers/?sort=-name").context["page"]]
    assert listed == BANKS[::-1]


@pytest.mark.django_db
def test_the_api_customer_list_sorts_in_french_order(direction, api_for):
    for name in shuffled(BANKS):
        CustomerFactory(name=name)
    response = api_for(direction).get("/api/v1/customers?sort=name")
    assert response.status_code == 200
    assert [item["name"] for item in response.json()["items"]] == BANKS


@pytest.mark.django_db
def test_sites_contacts_and_families_sort_in_french_order(direction, client_for):
    customer = CustomerFactory()
    for name in shuffled(BANKS):
        SiteFactory(customer=customer, name=name)
        ContactFactory(customer=customer, name=name)
        FamilyFactory(name=name)
    client = client_for(direction)
    sites = client.get(f"/customers/{customer.pk}/sites/", headers=HTMX).context["sites"]
    assert [site.name for site in sites] == BANKS
    contacts = client.get(f"/customers/{customer.pk}/contacts/", headers=HTMX).context["contacts"]
    assert [contact.name for contact in contacts] == BANKS
    families = client.get("/customers/families/").context["families"]
    assert [family.name for family in families] == BANKS
