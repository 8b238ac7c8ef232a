"""Names and notes of the customer record keep no invisible direction or zero-width
character, and their length is bounded, on the pages as through the API (issue 9)."""

import pytest

from creneau.catalog.models import Service
from creneau.customers.models import Contact, Customer, Family, Site
from creneau.customers.tests.api_helpers import customer_body, errors_by_field
from creneau.customers.tests.factories import CustomerFactory
from creneau.customers.tests.test_documents_api import add

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# A right-to-left override and a zero-width space, among others: invisible, they make
# "Dupont" and "Dupont" two names, or turn the end of a name around.
RLO, ZWSP, LRI, RLM = "\u202e", "\u200b", "\u2066", "\u200f"


def test_a_customer_created_on_the_page_keeps_no_invisible_character(rep, client_for):
    client_for(rep).post(
        "/customers/new/",
        {"name": f"Jeanne{RLO} Martin{ZWSP}", "kind": "individual",
         "street": f"3 rue{LRI} Oberkampf", "postcode": "75011", "city": f"Paris{RLM}",
         "country": "FR", "first_site": "on", "first_site_name": f"Siège{ZWSP}"},
    )  # fmt: skip
    customer = Customer.objects.get()
    assert (customer.name, customer.street, customer.city) == (
        "Jeanne Martin", "3 rue Oberkampf", "Paris",
    )  # fmt: skip
    assert customer.sites.get().name == "Siège"
    assert customer.search_text.startswith("jeanne martin")


def test_names_given_through_the_api_keep_no_invisible_character(api_for, direction):
    api = api_for(direction)
    body = customer_body(name=f"Dupont{ZWSP} SA", notes=f"Chien{RLO} au jardin")
    customer = api.post("/api/v1/customers", body).json()
    assert (customer["name"], customer["notes"]) == ("Dupont SA", "Chien au jardin")
    site = {"customer_id": customer["id"], "name": f"Entrepôt{RLO}", "access_notes": f"{LRI}B12"}
    assert api.post("/api/v1/sites", site).json()["name"] == "Entrepôt"
    contact = {"customer_id": customer["id"], "name": f"M.{ZWSP} Roux"}
    assert api.post("/api/v1/contacts", contact).json()["name"] == "M. Roux"
    assert api.post("/api/v1/families", {"name": f"Syndics{RLM}"}).status_code == 201
    service = {"code": "VIT-01", "label": f"Vitrerie{RLO}", "unit": "hour", "unit_price": "30",
               "vat_rate": "20", "description": f"Vitres{ZWSP} et cadres"}  # fmt: skip
    assert api.post("/api/v1/services", service).status_code == 201
    assert Site.objects.get().access_notes == "B12"
    assert Contact.objects.get().name == "M. Roux"
    assert Family.objects.get().name == "Syndics"
    assert Service.objects.values_list("label", "description").get() == (
        "Vitrerie", "Vitres et cadres",
    )  # fmt: skip


def test_a_document_renamed_or_noted_keeps_no_invisible_character(rep, api_for):
    document = add(CustomerFactory(sales_rep=rep), rep)
    response = api_for(rep).patch(
        f"/api/v1/documents/{document.pk}", {"name": f"rib{RLO}fdp.pdf", "note": f"Signé{ZWSP}"}
    )
    assert (response.json()["name"], response.json()["note"]) == ("ribfdp.pdf", "Signé")


def test_observations_longer_than_the_limit_are_refused_on_the_page(rep, client_for):
    customer = CustomerFactory(sales_rep=rep, notes="Sonner deux fois.")
    url = f"/customers/{customer.pk}/notes/edit/"
    response = client_for(rep).post(url, {"notes": "x" * 5001}, headers=HTMX)
    assert "au plus 5000 caractères" in response.content.decode()
    response = client_for(rep).post(url, {"notes": "x" * 5000}, headers=HTMX)
    customer.refresh_from_db()
    assert customer.notes == "x" * 5000


def test_texts_longer_than_their_field_answer_422_at_the_field(api_for, direction):
    api = api_for(direction)
    long_name = customer_body(name="x" * 201, notes="x" * 5001)
    long_name["billing_address"]["street"] = "x" * 256
    errors = errors_by_field(api.post("/api/v1/customers", long_name))
    assert {"name", "notes", "billing_address.street"} <= set(errors)
    customer = CustomerFactory()
    errors = errors_by_field(api.patch(f"/api/v1/customers/{customer.pk}", {"notes": "x" * 5001}))
    assert "notes" in errors
    site = {"customer_id": customer.pk, "name": "Site", "access_notes": "x" * 1_000_000}
    assert "access_notes" in errors_by_field(api.post("/api/v1/sites", site))
    assert "q" in errors_by_field(api.get("/api/v1/customers", {"q": "x" * 201}))
    assert not Site.objects.exists()
    assert Customer.objects.get().notes == customer.notes
