"""The quotes API: nested lines, totals as strings, actions, errors in French, visibility."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from creneau.catalog.tests.factories import ServiceFactory, SitePriceFactory, vat_rate
from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.models import Quote

pytestmark = pytest.mark.django_db

FOUR_SMALL_LINES = [
    {"description": "Fourniture", "quantity": "1", "unit_price": "0.13", "vat_rate": "20"}
] * 4


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep, email="client@example.fr")


def create(api, customer, lines=FOUR_SMALL_LINES, **fields):
    return api.post("/api/v1/quotes", {"customer": customer.pk, "lines": lines, **fields})


def error_fields(response) -> dict:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


def test_create_a_quote_with_lines_answers_totals_as_strings(api_for, rep, customer):
    response = create(api_for(rep), customer)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft" and data["number"] is None
    assert (data["total_net"], data["total_vat"], data["total_gross"]) == ("0.52", "0.10", "0.62")
    assert data["vat_breakdown"] == [
        {"rate": "20.00", "base": "0.52", "vat": "0.10", "exemption_wording": ""}
    ]
    assert [line["net"] for line in data["lines"]] == ["0.13"] * 4
    assert data["lines"][0]["quantity"] == "1.000" and data["lines"][0]["unit_price"] == "0.1300"


def test_a_service_line_takes_the_site_price(api_for, rep, customer):
    site = SiteFactory(customer=customer)
    service = ServiceFactory(unit_price=Decimal("40"), vat_rate=vat_rate("10"))
    SitePriceFactory(site=site, service=service, unit_price=Decimal("36.5"))
    response = create(
        api_for(rep), customer, lines=[{"service": service.pk, "quantity": "2"}], site=site.pk
    )
    line = response.json()["lines"][0]
    assert (line["line_type"], line["unit_price"], line["vat_rate"], line["net"]) == (
        "service",
        "36.5000",
        "10.00",
        "73.00",
    )
    assert response.json()["total_gross"] == "80.30"


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"quantity": "-1"}, "lines.0.quantity", "La quantité ne peut pas être négative"),
        ({"description": ""}, "lines.0.description", "Une ligne doit avoir un libellé."),
        ({"vat_rate": "19.6"}, "lines.0.vat_rate", "Taux de TVA inconnu ou inactif"),
        ({"discount_percent": "101"}, "lines.0.discount_percent", "entre 0 et 100"),
        # Decimals are strings of digits with a point (the OpenAPI pattern), in bounds.
        ({"quantity": "1e30"}, "lines.0.quantity", "Saisissez un nombre décimal en texte"),
        ({"quantity": "9999999999"}, "lines.0.quantity", "9 chiffres au plus avant le point"),
        ({"quantity": 2.5}, "lines.0.quantity", "Saisissez un nombre décimal en texte"),
        ({"vat_rate": "1e1000"}, "lines.0.vat_rate", "Saisissez un nombre décimal en texte"),
    ],
)
def test_bad_lines_answer_422_in_french(api_for, rep, customer, line, field, message):
    bad = {**FOUR_SMALL_LINES[0], **line}
    response = create(api_for(rep), customer, lines=[bad])
    assert response.status_code == 422
    assert message in error_fields(response)[field]
    assert not Quote.objects.exists()


def test_a_discount_line_may_be_negative(api_for, rep, customer):
    lines = [
        {"description": "Vitrerie", "quantity": "10", "unit_price": "12", "vat_rate": "20"},
        {"line_type": "discount", "description": "Remise", "quantity": "-1", "unit_price": "20",
         "vat_rate": "20"},
    ]  # fmt: skip
    response = create(api_for(rep), customer, lines=lines)
    assert response.status_code == 201
    assert response.json()["total_net"] == "100.00"


def test_lines_are_edited_while_draft_and_frozen_after_finalize(api_for, rep, customer):
    api = api_for(rep)
    quote = create(api, customer).json()
    line_id = quote["lines"][0]["id"]
    url = f"/api/v1/quotes/{quote['id']}"
    response = api.patch(f"{url}/lines/{line_id}", {"quantity": "3"})
    assert response.json()["net"] == "0.39"
    assert api.get(url).json()["total_net"] == "0.78"
    added = api.post(f"{url}/lines", {"line_type": "section", "description": "Étage 2"})
    assert added.status_code == 201 and added.json()["net"] == "0.00"
    ids = [line["id"] for line in api.get(f"{url}/lines").json()]
    reordered = api.post(f"{url}/reorder", {"line_ids": list(reversed(ids))}).json()
    assert [line["id"] for line in reordered] == list(reversed(ids))
    finalized = api.post(f"{url}/finalize").json()
    assert finalized["number"].startswith("D-") and finalized["status"] == "finalised"
    refused = api.patch(f"{url}/lines/{line_id}", {"quantity": "5"})
    assert refused.status_code == 422
    assert "ne peut plus être modifié" in refused.json()["detail"][0]["msg"]
    duplicate = api.post(f"{url}/duplicate")
    assert duplicate.status_code == 201 and duplicate.json()["status"] == "draft"
    assert duplicate.json()["total_gross"] == finalized["total_gross"]


def test_send_queues_the_email_with_the_pdf(api_for, rep, customer):
    api = api_for(rep)
    quote = create(api, customer).json()
    response = api.post(
        f"/api/v1/quotes/{quote['id']}/send",
        {"to": ["client@example.fr"], "subject": "Votre devis [n° du devis]"},
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    # Queued, not yet left: "finalised" until the mail server accepts it.
    assert data["status"] == "finalised" and data["sent_at"] is None
    assert data["emails"][0]["to"] == ["client@example.fr"]
    assert data["emails"][0]["status"] == "pending"
    email = OutboxEmail.objects.get()
    assert email.subject == f"Votre devis {data['number']}"
    assert email.attachments.get().mimetype == "application/pdf"


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ([], "Indiquez au moins un destinataire."),
        (["client@example.fr", "pas une adresse"], "n'est pas une adresse e-mail valide"),
    ],
)
def test_send_without_recipient_or_with_a_bad_address_is_422(api_for, rep, customer, to, message):
    api = api_for(rep)
    quote = create(api, customer).json()
    response = api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": to})
    assert response.status_code == 422
    assert message in error_fields(response)["to"]
    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["number"] is None


def test_accept_refuse_and_the_pdf(api_for, rep, customer):
    api = api_for(rep)
    first, second = create(api, customer).json(), create(api, customer).json()
    for quote in (first, second):
        api.post(f"/api/v1/quotes/{quote['id']}/finalize")
    assert api.post(f"/api/v1/quotes/{first['id']}/accept").json()["status"] == "accepted"
    assert api.post(f"/api/v1/quotes/{second['id']}/refuse").json()["status"] == "refused"
    assert api.post(f"/api/v1/quotes/{second['id']}/accept").status_code == 422
    response = api.get(f"/api/v1/quotes/{first['id']}/pdf")
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    data = api.get(f"/api/v1/quotes/{first['id']}").json()
    for key in ("total_net", "total_vat", "total_gross"):
        assert data[key].replace(".", ",") in text


def test_list_filters_and_visibility(api_for, rep, other_rep, customer):
    api = api_for(rep)
    mine = create(api, customer).json()
    create(api, customer)
    api.post(f"/api/v1/quotes/{mine['id']}/finalize")
    theirs = create(api_for(other_rep), CustomerFactory(sales_rep=other_rep)).json()
    listing = api.get("/api/v1/quotes").json()
    assert listing["count"] == 2
    assert theirs["id"] not in [item["id"] for item in listing["items"]]
    finalised = api.get("/api/v1/quotes", {"status": "finalised"}).json()
    assert [item["id"] for item in finalised["items"]] == [mine["id"]]
    assert api.get("/api/v1/quotes", {"status": "sent"}).json()["count"] == 0
    assert api.get(f"/api/v1/quotes/{theirs['id']}").status_code == 404
    assert api.get("/api/v1/quotes", {"customer": theirs["customer"]}).json()["count"] == 0
    assert create(api, CustomerFactory(sales_rep=other_rep)).status_code == 404


def test_a_planner_reads_but_does_not_write(api_for, rep, planner, customer):
    quote = create(api_for(rep), customer).json()
    api = api_for(planner)
    assert api.get(f"/api/v1/quotes/{quote['id']}").status_code == 200
    assert api.post(f"/api/v1/quotes/{quote['id']}/finalize").status_code == 403
