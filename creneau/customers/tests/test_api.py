"""The REST API of the customer record (/api/v1/): the contract that later tools rely on."""

import pytest

from creneau.core.models import AuditEvent
from creneau.customers.models import Contact, Customer, Site
from creneau.customers.services import customer_refresh_search
from creneau.customers.tests.api_helpers import VALID_IBAN, customer_body, errors_by_field, ids
from creneau.customers.tests.factories import (
    ContactFactory,
    CustomerFactory,
    FamilyFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


# Customers: create --------------------------------------------------------------------


def test_create_customer_with_a_name_a_kind_and_an_address(api_for, direction):
    response = api_for(direction).post("/api/v1/customers", customer_body())

    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert body["code"] == customer.code
    assert body["name"] == "Martine Durand"
    assert body["kind"] == "individual"
    assert body["billing_address"] == {
        "street": "12 rue Oberkampf",
        "postcode": "75011",
        "city": "Paris",
        "country": "FR",
    }
    assert body["is_active"] is True
    assert body["family_id"] is None and body["family"] is None
    assert body["sales_rep"] is None
    assert body["accounting_code"] == f"411{customer.code}"
    assert body["payment_terms_days"] == 30
    assert body["created_at"]


def test_create_customer_with_every_field(api_for, direction, rep):
    family = FamilyFactory(name="Syndics")
    body = customer_body(
        kind="business",
        email="compta@syndic.fr",
        phone="01 42 00 00 00",
        mobile="06 12 34 56 78",
        family_id=family.pk,
        sales_rep="commercial1",
        notes="Digicode 1234B",
        iban="fr76 3000 6000 0112 3456 7890 189",
        bic="bnpafrppxxx",
        siret="73282932000074",
        vat_number="FR 40 303 265 045",
        accounting_code="411SYNDIC",
        payment_terms_days=45,
    )
    response = api_for(direction).post("/api/v1/customers", body)

    assert response.status_code == 201, response.content
    out = response.json()
    assert out["family_id"] == family.pk and out["family"] == "Syndics"
    assert out["sales_rep"] == "commercial1"
    assert out["phone"] == "+33142000000"
    assert out["mobile"] == "+33612345678"
    assert out["iban"] == VALID_IBAN
    assert out["bic"] == "BNPAFRPPXXX"
    assert out["siret"] == "73282932000074"
    assert out["vat_number"] == "FR40303265045"
    assert out["accounting_code"] == "411SYNDIC"
    assert out["payment_terms_days"] == 45
    assert out["notes"] == "Digicode 1234B"
    assert Customer.objects.get(pk=out["id"]).sales_rep == rep


def test_sales_rep_defaults_to_the_calling_rep(api_for, rep):
    response = api_for(rep).post("/api/v1/customers", customer_body())

    assert response.status_code == 201
    assert response.json()["sales_rep"] == "commercial1"
    assert api_for(rep).get("/api/v1/customers").json()["count"] == 1


@pytest.mark.parametrize("sales_rep", ["commercial2", None], ids=["another rep", "nobody"])
def test_a_rep_may_not_give_its_customer_away(api_for, rep, other_rep, sales_rep):
    response = api_for(rep).post("/api/v1/customers", customer_body(sales_rep=sales_rep))

    assert "autre" in errors_by_field(response)["sales_rep"]
    assert not Customer.objects.exists()


def test_direction_gives_a_customer_to_a_rep_or_to_nobody(api_for, direction, rep):
    client = api_for(direction)
    assert client.post("/api/v1/customers", customer_body(sales_rep=None)).status_code == 201
    response = client.post("/api/v1/customers", customer_body(sales_rep="commercial1"))
    assert response.json()["sales_rep"] == "commercial1"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"iban": "FR76 3000 6000 0112 3456 7890 180"}, "iban", "IBAN invalide"),
        ({"bic": "XX"}, "bic", "BIC invalide"),
        ({"phone": "12"}, "phone", "Numéro de téléphone invalide"),
        ({"mobile": "06 12"}, "mobile", "Numéro de téléphone invalide"),
        ({"siret": "73282932000075"}, "siret", "SIRET"),
        ({"vat_number": "FR00303265045"}, "vat_number", "TVA intracommunautaire invalide"),
        ({"email": "pas-un-email"}, "email", "adresse"),
        ({"kind": "company"}, "kind", "Valeur non autorisée"),
        ({"name": ""}, "name", "Ce champ ne peut pas être vide"),
        ({"family_id": 999}, "family_id", "Famille inconnue"),
        ({"sales_rep": "personne"}, "sales_rep", "Commercial inconnu"),
        ({"payment_terms_days": "trente"}, "payment_terms_days", "nombre entier"),
    ],
)
def test_bad_values_answer_422_at_the_field_in_french(api_for, direction, changes, field, message):
    response = api_for(direction).post("/api/v1/customers", customer_body(**changes))

    assert message in errors_by_field(response)[field]
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        ({"postcode": "750"}, "billing_address.postcode", "Code postal invalide"),
        ({"street": " "}, "billing_address.street", "Ce champ est obligatoire"),
        ({"country": "XX"}, "billing_address.country", "choix valide"),
    ],
)
def test_bad_address_answers_422_at_the_nested_field(api_for, direction, address, field, message):
    billing_address = {**customer_body()["billing_address"], **address}
    response = api_for(direction).post(
        "/api/v1/customers", customer_body(billing_address=billing_address)
    )

    assert message in errors_by_field(response)[field]
    assert response.json()["detail"][0]["loc"] == ["body", *field.split(".")]
    assert not Customer.objects.exists()


def test_foreign_postcode_is_not_checked_as_french(api_for, direction):
    address = {"street": "Rue du Rhône 1", "postcode": "1204", "city": "Genève", "country": "CH"}
    response = api_for(direction).post("/api/v1/customers", customer_body(billing_address=address))
    assert response.status_code == 201
    assert response.json()["billing_address"]["country"] == "CH"


def test_missing_fields_answer_422_in_french(api_for, direction):
    body = {"kind": "individual", "billing_address": {"street": "1 rue de la Paix"}}
    errors = errors_by_field(api_for(direction).post("/api/v1/customers", body))

    assert errors == {
        "name": "Ce champ est obligatoire.",
        "billing_address.postcode": "Ce champ est obligatoire.",
        "billing_address.city": "Ce champ est obligatoire.",
    }
    no_address = errors_by_field(api_for(direction).post("/api/v1/customers", {"name": "A"}))
    assert no_address["billing_address"] == "Ce champ est obligatoire."
    assert no_address["kind"] == "Ce champ est obligatoire."


def test_a_body_that_is_not_json_answers_400_in_french(api_for, direction):
    response = api_for(direction).post("/api/v1/customers", "{not json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Corps de requête JSON invalide."}


def test_creation_is_written_in_the_history_by_the_tokens_user(api_for, rep):
    customer_id = api_for(rep).post("/api/v1/customers", customer_body()).json()["id"]

    event = AuditEvent.objects.get(customer_id=customer_id)
    assert event.actor == rep
    assert event.action == AuditEvent.Action.CREATE


# Customers: read, update, delete --------------------------------------------------------


def test_read_a_customer(api_for, rep):
    customer = CustomerFactory(sales_rep=rep, family=FamilyFactory(name="Particuliers"))

    response = api_for(rep).get(f"/api/v1/customers/{customer.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == customer.pk
    assert body["code"] == customer.code
    assert body["family"] == "Particuliers"
    assert body["sales_rep"] == "commercial1"
    assert body["billing_address"]["postcode"] == "75011"


def test_another_reps_objects_answer_404(api_for, rep, other_rep):
    customer = CustomerFactory(sales_rep=other_rep)
    site = SiteFactory(customer=customer)
    contact = ContactFactory(customer=customer)
    client = api_for(rep)

    for path in (
        f"/api/v1/customers/{customer.pk}",
        f"/api/v1/sites/{site.pk}",
        f"/api/v1/contacts/{contact.pk}",
    ):
        for method in ("get", "patch", "delete"):
            response = getattr(client, method)(
                path, {"name": "Pris"} if method == "patch" else None
            )
            assert response.status_code == 404, (method, path)
            assert response.json() == {"detail": "Introuvable."}
    customer.refresh_from_db()
    assert customer.sales_rep == other_rep
    assert Site.objects.filter(pk=site.pk).exists()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_customer_without_a_rep_is_invisible_to_reps(api_for, rep):
    customer = CustomerFactory(sales_rep=None)
    assert api_for(rep).get(f"/api/v1/customers/{customer.pk}").status_code == 404


def test_unknown_id_answers_404(api_for, direction):
    assert api_for(direction).get("/api/v1/customers/999999").status_code == 404


def test_patch_changes_only_the_fields_sent(api_for, rep):
    customer = CustomerFactory(sales_rep=rep, phone="+33142000000", notes="Avant")

    response = api_for(rep).patch(
        f"/api/v1/customers/{customer.pk}",
        {"mobile": "0612345678", "billing_address": {"city": "Paris 11e"}},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mobile"] == "+33612345678"
    assert body["billing_address"]["city"] == "Paris 11e"
    assert body["billing_address"]["postcode"] == "75011"
    assert body["phone"] == "+33142000000"
    assert body["notes"] == "Avant"
    event = AuditEvent.objects.get(customer_id=customer.pk, action=AuditEvent.Action.UPDATE)
    assert event.actor == rep
    assert event.changes == {"mobile": ["", "+33612345678"], "city": ["Paris", "Paris 11e"]}


def test_patch_clears_family_and_sets_reference_fields(api_for, direction, rep):
    customer = CustomerFactory(family=FamilyFactory())
    client = api_for(direction)

    response = client.patch(
        f"/api/v1/customers/{customer.pk}", {"family_id": None, "sales_rep": "commercial1"}
    )

    assert response.json()["family_id"] is None
    assert response.json()["sales_rep"] == "commercial1"


def test_patch_with_a_bad_value_saves_nothing(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)

    response = api_for(rep).patch(
        f"/api/v1/customers/{customer.pk}",
        {"name": "Nouveau nom", "billing_address": {"postcode": "ABCDE"}},
    )

    assert "Code postal invalide" in errors_by_field(response)["billing_address.postcode"]
    customer.refresh_from_db()
    assert customer.name != "Nouveau nom"
    assert customer.postcode == "75011"


def test_patch_refuses_null_for_a_text_field(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    response = api_for(rep).patch(f"/api/v1/customers/{customer.pk}", {"name": None})
    assert errors_by_field(response)["name"] == "Saisissez un texte."


def test_a_rep_may_not_hand_over_its_customer(api_for, rep, other_rep):
    customer = CustomerFactory(sales_rep=rep)

    response = api_for(rep).patch(f"/api/v1/customers/{customer.pk}", {"sales_rep": "commercial2"})

    assert "autre" in errors_by_field(response)["sales_rep"]
    customer.refresh_from_db()
    assert customer.sales_rep == rep


def test_roles_that_may_not_change_a_customer_get_403(api_for, planner, accountant):
    customer = CustomerFactory()

    assert api_for(planner).post("/api/v1/customers", customer_body()).status_code == 403
    patch = api_for(planner).patch(f"/api/v1/customers/{customer.pk}", {"name": "X"})
    assert patch.status_code == 403
    assert patch.json() == {"detail": "Votre rôle ne permet pas cette action."}
    assert api_for(accountant).delete(f"/api/v1/customers/{customer.pk}").status_code == 403
    # Accounting may change a customer (bank details, accounting code).
    response = api_for(accountant).patch(
        f"/api/v1/customers/{customer.pk}", {"accounting_code": "411DUR"}
    )
    assert response.status_code == 200
    assert Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.parametrize("role", ["rep", "planner"])
def test_bank_details_are_masked_as_on_the_pages(api_for, request, role, accountant, direction):
    user = request.getfixturevalue(role)
    customer = CustomerFactory(sales_rep=request.getfixturevalue("rep"), iban=VALID_IBAN)
    customer.bic = "AGRIFRPPXXX"
    customer.save()

    masked = api_for(user).get(f"/api/v1/customers/{customer.pk}").json()
    for whole_reader in (accountant, direction):
        whole = api_for(whole_reader).get(f"/api/v1/customers/{customer.pk}").json()
        assert (whole["iban"], whole["bic"]) == (VALID_IBAN, "AGRIFRPPXXX")

    assert (masked["iban"], masked["bic"]) == ("FR76 •••• 0189", "••••")


@pytest.mark.parametrize(
    "change", [{"iban": "FR1420041010050500013M02606"}, {"bic": "BNPAFRPPXXX"}, {"iban": ""}]
)
def test_a_rep_may_not_write_bank_details(api_for, rep, change):
    customer = CustomerFactory(sales_rep=rep, iban=VALID_IBAN)

    response = api_for(rep).patch(f"/api/v1/customers/{customer.pk}", change)

    [field] = change
    assert "coordonnées bancaires" in errors_by_field(response)[field]
    customer.refresh_from_db()
    assert (customer.iban, customer.bic) == (VALID_IBAN, "")
    if change[field]:
        created = api_for(rep).post("/api/v1/customers", customer_body(**change))
        assert field in errors_by_field(created)


def test_sending_back_masked_bank_details_is_not_a_change(api_for, rep):
    customer = CustomerFactory(sales_rep=rep, iban=VALID_IBAN)
    read = api_for(rep).get(f"/api/v1/customers/{customer.pk}").json()

    response = api_for(rep).patch(
        f"/api/v1/customers/{customer.pk}", {"iban": read["iban"], "bic": read["bic"], "notes": "x"}
    )

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.iban == VALID_IBAN


def test_accounting_writes_bank_details(api_for, accountant):
    customer = CustomerFactory(iban=VALID_IBAN)
    response = api_for(accountant).patch(
        f"/api/v1/customers/{customer.pk}", {"iban": "FR1420041010050500013M02606"}
    )
    assert response.json()["iban"] == "FR1420041010050500013M02606"


def test_only_direction_assigns_a_sales_rep(api_for, accountant, rep, other_rep):
    customer = CustomerFactory(sales_rep=rep)
    api = api_for(accountant)

    moved = api.patch(f"/api/v1/customers/{customer.pk}", {"sales_rep": "commercial2"})
    dropped = api.patch(f"/api/v1/customers/{customer.pk}", {"sales_rep": None})

    assert errors_by_field(moved)["sales_rep"] == "Seule la direction attribue un commercial."
    assert "sales_rep" in errors_by_field(dropped)
    customer.refresh_from_db()
    assert customer.sales_rep == rep
    same = api.patch(f"/api/v1/customers/{customer.pk}", {"sales_rep": "commercial1"})
    assert same.status_code == 200


def test_accounting_may_not_change_a_customers_activity(api_for, accountant, rep):
    customer = CustomerFactory(sales_rep=rep)

    response = api_for(accountant).patch(f"/api/v1/customers/{customer.pk}", {"is_active": False})

    assert "désactiver" in errors_by_field(response)["is_active"]
    customer.refresh_from_db()
    assert customer.is_active is True
    same = api_for(accountant).patch(f"/api/v1/customers/{customer.pk}", {"is_active": True})
    assert same.status_code == 200


def test_a_rep_deactivates_its_own_customer(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    response = api_for(rep).patch(f"/api/v1/customers/{customer.pk}", {"is_active": False})
    assert response.json()["is_active"] is False


def test_delete_a_customer_without_sites(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)

    response = api_for(rep).delete(f"/api/v1/customers/{customer.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Customer.objects.filter(pk=customer.pk).exists()
    event = AuditEvent.objects.get(customer_id=customer.pk)
    assert (event.action, event.actor) == (AuditEvent.Action.DELETE, rep)


def test_delete_a_customer_with_sites_deactivates_it(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    SiteFactory(customer=customer)

    response = api_for(rep).delete(f"/api/v1/customers/{customer.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == customer.pk
    assert response.json()["is_active"] is False
    customer.refresh_from_db()
    assert customer.is_active is False
    event = AuditEvent.objects.get(customer_id=customer.pk)
    assert (event.action, event.actor) == (AuditEvent.Action.DEACTIVATE, rep)


def test_patch_reactivates_a_customer(api_for, direction):
    customer = CustomerFactory(is_active=False)
    response = api_for(direction).patch(f"/api/v1/customers/{customer.pk}", {"is_active": True})
    assert response.json()["is_active"] is True


# Customers: list ------------------------------------------------------------------------


def test_list_is_paginated(api_for, direction):
    for index in range(5):
        CustomerFactory(name=f"Client {index}")
    client = api_for(direction)

    page = client.get("/api/v1/customers", {"limit": 2, "offset": 2}).json()

    assert set(page) == {"items", "count"}
    assert page["count"] == 5
    assert [item["name"] for item in page["items"]] == ["Client 2", "Client 3"]
    bad = client.get("/api/v1/customers", {"limit": 0})
    assert errors_by_field(bad)["limit"] == "Valeur trop petite."


def test_a_page_holds_at_most_500_items(api_for, direction):
    Customer.objects.bulk_create(
        Customer(code=f"B{index:05d}", name=f"Client {index}", street="1 rue", postcode="75011")
        for index in range(501)
    )
    page = api_for(direction).get("/api/v1/customers", {"limit": 500}).json()
    assert (page["count"], len(page["items"])) == (501, 500)
    too_many = api_for(direction).get("/api/v1/customers", {"limit": 501})
    assert errors_by_field(too_many)["limit"] == "Valeur trop grande."
    assert len(api_for(direction).get("/api/v1/customers").json()["items"]) == 25


def test_a_rep_lists_only_its_customers(api_for, rep, other_rep):
    mine = CustomerFactory(sales_rep=rep)
    CustomerFactory(sales_rep=other_rep)
    CustomerFactory(sales_rep=None)

    page = api_for(rep).get("/api/v1/customers").json()

    assert page["count"] == 1
    assert [item["id"] for item in page["items"]] == [mine.pk]


def test_q_searches_name_phone_and_sites(api_for, direction):
    durand = CustomerFactory(name="Martine Durand", phone="+33612345678")
    dupont = CustomerFactory(name="Jean Dupont")
    SiteFactory(customer=dupont, name="Résidence Les Tilleuls")
    customer_refresh_search(customer=dupont)
    client = api_for(direction)

    assert ids(client.get("/api/v1/customers", {"q": "durand"})) == {durand.pk}
    assert ids(client.get("/api/v1/customers", {"q": "06 12 34 56 78"})) == {durand.pk}
    assert ids(client.get("/api/v1/customers", {"q": "tilleuls"})) == {dupont.pk}
    assert ids(client.get("/api/v1/customers", {"q": "personne"})) == set()


def test_list_filters(api_for, direction, rep):
    syndics = FamilyFactory(name="Syndics")
    lyon = CustomerFactory(kind="business", family=syndics, city="Lyon", postcode="69001")
    paris = CustomerFactory(sales_rep=rep)
    inactive = CustomerFactory(is_active=False)
    client = api_for(direction)

    def listed(**filters) -> set[int]:
        return ids(client.get("/api/v1/customers", filters))

    assert listed() == {lyon.pk, paris.pk}
    assert listed(family=syndics.pk) == {lyon.pk}
    assert listed(kind="business") == {lyon.pk}
    assert listed(city="lyon") == {lyon.pk}
    assert listed(sales_rep="commercial1") == {paris.pk}
    assert listed(sales_rep="none") == {lyon.pk}
    assert listed(active="false") == {inactive.pk}
    assert listed(active="all") == {lyon.pk, paris.pk, inactive.pk}
    page = client.get("/api/v1/customers", {"sort": "-city"}).json()
    assert [item["billing_address"]["city"] for item in page["items"]] == ["Paris", "Lyon"]


def test_bad_filters_answer_422(api_for, direction):
    client = api_for(direction)
    assert (
        "Commercial inconnu"
        in errors_by_field(client.get("/api/v1/customers", {"sales_rep": "personne"}))["sales_rep"]
    )
    assert errors_by_field(client.get("/api/v1/customers", {"kind": "x"}))["kind"]
    assert errors_by_field(client.get("/api/v1/customers", {"active": "oui"}))["active"]
    assert errors_by_field(client.get("/api/v1/customers", {"family": "abc"}))["family"]


def test_list_query_count_does_not_grow(api_for, planner, django_assert_max_num_queries):
    client = api_for(planner)
    for _index in range(10):
        CustomerFactory(family=FamilyFactory(), iban=VALID_IBAN)
    # token, its last use, role, permissions (user and groups), count, page: not one per row.
    with django_assert_max_num_queries(7):
        assert client.get("/api/v1/customers").json()["count"] == 10
