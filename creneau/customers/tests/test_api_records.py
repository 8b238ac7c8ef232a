"""The REST API of the customer record (/api/v1/): sites, contacts, families, the OpenAPI
document and the bounds of query parameters."""

import pytest

from creneau.core.api import api as ninja_api
from creneau.core.models import AuditEvent
from creneau.customers.models import Contact, Family, Site
from creneau.customers.tests.api_helpers import errors_by_field, ids
from creneau.customers.tests.factories import (
    ContactFactory,
    CustomerFactory,
    FamilyFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


# Sites --------------------------------------------------------------------------------


def test_create_a_site_with_the_customers_address(api_for, rep):
    customer = CustomerFactory(sales_rep=rep, street="3 place Voltaire")

    response = api_for(rep).post("/api/v1/sites", {"customer_id": customer.pk, "name": "Domicile"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == Site.objects.get().pk
    assert body["customer_id"] == customer.pk
    assert body["address"] == {
        "street": "3 place Voltaire",
        "postcode": "75011",
        "city": "Paris",
        "country": "FR",
    }
    assert body["billing_group"] == "A"
    assert body["is_active"] is True
    event = AuditEvent.objects.get(object_type="site")
    assert (event.actor, event.customer_id) == (rep, customer.pk)


def test_create_a_site_with_its_own_address_and_group(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    body = {
        "customer_id": customer.pk,
        "name": "Bureaux",
        "address": {"street": "8 quai de Saône", "postcode": "69002", "city": "Lyon"},
        "billing_group": "b",
        "access_notes": "Badge à l'accueil",
    }

    response = api_for(rep).post("/api/v1/sites", body)

    assert response.status_code == 201
    assert response.json()["address"]["city"] == "Lyon"
    assert response.json()["billing_group"] == "B"
    assert response.json()["access_notes"] == "Badge à l'accueil"
    # The customer is now found by its site's city.
    assert ids(api_for(rep).get("/api/v1/customers", {"q": "saone"})) == {customer.pk}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"billing_group": "AB"}, "billing_group", "lettre (A-Z) ou un chiffre"),
        ({"billing_group": "é"}, "billing_group", "lettre (A-Z) ou un chiffre"),
        (
            {"address": {"street": "1 rue", "postcode": "7500", "city": "Paris"}},
            "address.postcode",
            "Code postal invalide",
        ),
        ({"name": ""}, "name", "Ce champ ne peut pas être vide"),
        ({"customer_id": 999999}, "customer_id", "Client introuvable"),
    ],
)
def test_bad_site_values_answer_422(api_for, rep, changes, field, message):
    customer = CustomerFactory(sales_rep=rep)
    body = {"customer_id": customer.pk, "name": "Site", **changes}

    response = api_for(rep).post("/api/v1/sites", body)

    assert message in errors_by_field(response)[field]
    assert not Site.objects.exists()


def test_a_site_for_another_reps_customer_answers_422(api_for, rep, other_rep):
    customer = CustomerFactory(sales_rep=other_rep)
    response = api_for(rep).post("/api/v1/sites", {"customer_id": customer.pk, "name": "Site"})
    assert errors_by_field(response) == {"customer_id": "Client introuvable."}


def test_list_sites_of_a_customer(api_for, rep, other_rep):
    customer = CustomerFactory(sales_rep=rep)
    first, second = SiteFactory(customer=customer), SiteFactory(customer=customer)
    SiteFactory(customer=CustomerFactory(sales_rep=rep))
    SiteFactory(customer=CustomerFactory(sales_rep=other_rep))
    client = api_for(rep)

    assert client.get("/api/v1/sites").json()["count"] == 3
    assert ids(client.get("/api/v1/sites", {"customer_id": customer.pk})) == {first.pk, second.pk}


def test_read_patch_and_delete_a_site(api_for, planner, rep):
    customer = CustomerFactory(sales_rep=rep)
    site = SiteFactory(customer=customer, name="Cave")
    path = f"/api/v1/sites/{site.pk}"

    assert api_for(rep).get(path).json()["name"] == "Cave"
    # Planning may change a site, not delete it.
    response = api_for(planner).patch(path, {"access_notes": "Clé chez la gardienne"})
    assert response.status_code == 200
    assert response.json()["access_notes"] == "Clé chez la gardienne"
    assert response.json()["name"] == "Cave"
    assert api_for(planner).delete(path).status_code == 403
    response = api_for(rep).patch(path, {"address": {"postcode": "123"}})
    assert "Code postal invalide" in errors_by_field(response)["address.postcode"]

    assert api_for(rep).delete(path).status_code == 204
    assert not Site.objects.filter(pk=site.pk).exists()
    actions = list(
        AuditEvent.objects.filter(object_type="site").values_list("action", "actor__username")
    )
    assert sorted(actions) == [("delete", "commercial1"), ("update", "planning")]


# Contacts -----------------------------------------------------------------------------


def test_create_a_contact_on_a_site(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    site = SiteFactory(customer=customer)
    body = {
        "customer_id": customer.pk,
        "name": "Paul Gardien",
        "role": "technical",
        "site_id": site.pk,
        "phone": "01 42 00 00 00",
        "email": "paul@example.fr",
    }

    response = api_for(rep).post("/api/v1/contacts", body)

    assert response.status_code == 201, response.content
    out = response.json()
    assert out["id"] == Contact.objects.get().pk
    assert (out["customer_id"], out["site_id"], out["role"]) == (customer.pk, site.pk, "technical")
    assert out["phone"] == "+33142000000"
    assert AuditEvent.objects.get(object_type="contact").actor == rep


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"role": "boss"}, "role", "Valeur non autorisée"),
        ({"phone": "999"}, "phone", "Numéro de téléphone invalide"),
        ({"email": "paul@"}, "email", "adresse"),
        ({"customer_id": 999999}, "customer_id", "Client introuvable"),
    ],
)
def test_bad_contact_values_answer_422(api_for, rep, changes, field, message):
    customer = CustomerFactory(sales_rep=rep)
    body = {"customer_id": customer.pk, "name": "Paul", **changes}

    response = api_for(rep).post("/api/v1/contacts", body)

    assert message in errors_by_field(response)[field]
    assert not Contact.objects.exists()


def test_a_contacts_site_belongs_to_its_customer(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    elsewhere = SiteFactory(customer=CustomerFactory(sales_rep=rep))
    body = {"customer_id": customer.pk, "name": "Paul", "site_id": elsewhere.pk}

    response = api_for(rep).post("/api/v1/contacts", body)

    assert errors_by_field(response) == {"site_id": "Ce site n'existe pas chez ce client."}


def test_list_patch_and_delete_contacts(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    site = SiteFactory(customer=customer)
    contact = ContactFactory(customer=customer, site=site, name="Anne")
    ContactFactory(customer=CustomerFactory(sales_rep=rep))
    client = api_for(rep)

    assert client.get("/api/v1/contacts").json()["count"] == 2
    assert ids(client.get("/api/v1/contacts", {"customer_id": customer.pk})) == {contact.pk}
    assert ids(client.get("/api/v1/contacts", {"site_id": site.pk})) == {contact.pk}
    path = f"/api/v1/contacts/{contact.pk}"
    assert client.get(path).json()["name"] == "Anne"

    response = client.patch(path, {"site_id": None, "role": "accounting"})
    assert response.status_code == 200
    assert (response.json()["site_id"], response.json()["role"]) == (None, "accounting")
    assert response.json()["name"] == "Anne"

    assert client.delete(path).status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


# Families -----------------------------------------------------------------------------


def test_every_role_reads_families(api_for, rep, planner):
    family = FamilyFactory(name="Banques")
    for user in (rep, planner):
        page = api_for(user).get("/api/v1/families").json()
        assert page["count"] == 1
        assert page["items"][0]["name"] == "Banques"
        assert api_for(user).get(f"/api/v1/families/{family.pk}").json()["id"] == family.pk
    assert api_for(rep).get("/api/v1/families/999999").status_code == 404


def test_only_direction_writes_families(api_for, direction, rep, accountant):
    family = FamilyFactory(name="Syndics")
    for user in (rep, accountant):
        client = api_for(user)
        assert client.post("/api/v1/families", {"name": "Banques"}).status_code == 403
        assert client.patch(f"/api/v1/families/{family.pk}", {"name": "X"}).status_code == 403
        assert client.delete(f"/api/v1/families/{family.pk}").status_code == 403
    client = api_for(direction)

    created = client.post("/api/v1/families", {"name": "Banques"})
    assert created.status_code == 201
    assert created.json()["name"] == "Banques"
    renamed = client.patch(f"/api/v1/families/{family.pk}", {"name": "Syndics de copropriété"})
    assert renamed.json()["name"] == "Syndics de copropriété"
    assert client.delete(f"/api/v1/families/{family.pk}").status_code == 204
    assert list(Family.objects.values_list("name", flat=True)) == ["Banques"]
    assert AuditEvent.objects.filter(object_type="family", actor=direction).count() == 3


def test_family_name_is_unique_whatever_the_case(api_for, direction):
    FamilyFactory(name="Syndics")
    response = api_for(direction).post("/api/v1/families", {"name": "SYNDICS"})
    assert errors_by_field(response) == {"name": "Une famille porte déjà ce nom."}


# The OpenAPI document -----------------------------------------------------------------


def test_openapi_document_describes_every_route():
    schema = ninja_api.get_openapi_schema()

    assert schema["openapi"].startswith("3.1")
    expected = {
        "/api/v1/customers": {"get", "post"},
        "/api/v1/customers/{customer_id}": {"get", "patch", "delete"},
        "/api/v1/sites": {"get", "post"},
        "/api/v1/sites/{site_id}": {"get", "patch", "delete"},
        "/api/v1/contacts": {"get", "post"},
        "/api/v1/contacts/{contact_id}": {"get", "patch", "delete"},
        "/api/v1/families": {"get", "post"},
        "/api/v1/families/{family_id}": {"get", "patch", "delete"},
    }
    described = {path: set(methods) for path, methods in schema["paths"].items()}
    assert {path: described.get(path) for path in expected} == expected
    operations = [op for methods in schema["paths"].values() for op in methods.values()]
    assert all(op["summary"] and op["tags"] and op["operationId"] for op in operations)
    assert all(op["security"] == [{"BearerToken": []}] for op in operations)
    assert len({op["operationId"] for op in operations}) == len(operations)
    delete = schema["paths"]["/api/v1/customers/{customer_id}"]["delete"]
    assert {200, 204} <= set(delete["responses"])
    assert "désactivé" in delete["description"]
    kinds = schema["components"]["schemas"]["CustomerIn"]["properties"]["kind"]
    assert kinds["enum"] == ["individual", "business"]
    create = schema["paths"]["/api/v1/customers"]["post"]["responses"]
    assert {201, 401, 403, 422} <= set(create)
    assert create[422]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationErrors"
    }
    # Every route documents the shared answers: 400 (not JSON, a NUL), 422 (a bad value).
    site_answers = set(schema["paths"]["/api/v1/sites/{site_id}"]["get"]["responses"])
    assert site_answers == {200, 400, 401, 404, 422}


def test_openapi_document_is_served_as_json(api_for, planner):
    response = api_for(planner).get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert set(response.json()["paths"]) == set(ninja_api.get_openapi_schema()["paths"])


# Huge numbers in query parameters ------------------------------------------------------

HUGE = 10**19  # more than a 64-bit integer holds


@pytest.mark.parametrize(
    "path", ["/api/v1/customers", "/api/v1/sites", "/api/v1/contacts", "/api/v1/families"]
)
def test_an_offset_above_the_bound_answers_422(api_for, rep, path):
    response = api_for(rep).get(path, {"offset": HUGE})
    assert errors_by_field(response)["offset"] == "Valeur trop grande."
    assert api_for(rep).get(path, {"offset": 10_000_000}).status_code == 200


def test_a_documents_offset_above_the_bound_answers_422(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    path = f"/api/v1/customers/{customer.pk}/documents"
    response = api_for(rep).get(path, {"offset": HUGE})
    assert errors_by_field(response)["offset"] == "Valeur trop grande."


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/customers", "family"),
        ("/api/v1/sites", "customer_id"),
        ("/api/v1/contacts", "customer_id"),
        ("/api/v1/contacts", "site_id"),
    ],
)
@pytest.mark.parametrize(("value", "message"), [(HUGE, "trop grande"), (0, "trop petite")])
def test_an_id_filter_out_of_the_id_range_answers_422(api_for, rep, path, param, value, message):
    response = api_for(rep).get(path, {param: value})
    assert message in errors_by_field(response)[param]
    assert api_for(rep).get(path, {param: 2**63 - 1}).json()["count"] == 0


def test_a_documents_site_filter_out_of_the_id_range_answers_422(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    path = f"/api/v1/customers/{customer.pk}/documents"
    assert "trop grande" in errors_by_field(api_for(rep).get(path, {"site_id": HUGE}))["site_id"]
