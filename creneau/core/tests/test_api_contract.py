"""The API refuses what it does not understand, on every route, and its OpenAPI document
says what it does (issue 9, points 1 to 3).

The walk over write routes reads the OpenAPI document of the api object: a route added
later is covered without touching this file.
"""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from creneau.core.api import api
from creneau.core.models import ApiToken
from creneau.core.tests.api_objects import one_of_each
from creneau.customers.models import Customer, Family
from creneau.customers.tests.document_samples import pdf_bytes
from creneau.quotes.models import Quote

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch")
UNKNOWN = "champ_inexistant"


def openapi() -> dict:
    return api.get_openapi_schema()


def operations(methods: tuple[str, ...]) -> list[tuple[str, str, dict]]:
    return [
        (method, path, operation)
        for path, by_method in openapi()["paths"].items()
        for method, operation in by_method.items()
        if method in methods
    ]


def fill(path: str, objects: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: str(objects[match.group(1)]), path)


def body_types(operation: dict) -> set[str]:
    return set(operation.get("requestBody", {}).get("content", {}))


def snapshot() -> dict[str, list[dict]]:
    """Every row of the application's tables (but the tokens' last use, which each call
    updates): what "nothing changed" compares."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in ("core", "customers", "catalog", "quotes", "planning")
        and model is not ApiToken
    }


def errors(response) -> dict[str, dict]:
    return {error["field"]: error for error in response.json()["detail"]}


@pytest.fixture
def objects(direction) -> dict[str, int]:
    return one_of_each(direction)


def test_every_write_route_refuses_unknown_fields_non_objects_and_other_types(
    api_for, direction, objects
):
    client = api_for(direction)
    routes = operations(WRITE_METHODS)
    assert len(routes) >= 20
    before = snapshot()
    for method, path, operation in routes:
        url = fill(path, objects)
        send = getattr(client, method)
        if "multipart/form-data" in body_types(operation):
            upload = {
                "file": SimpleUploadedFile("a.pdf", pdf_bytes(), content_type="application/pdf"),
                "kind": "rib",
                UNKNOWN: "x",
            }
            unknown = send(url, upload, multipart=True)
            assert unknown.status_code == 422, (method, path, unknown.content)
            assert errors(unknown)[UNKNOWN]["msg"] == "Champ inconnu.", (method, path)
            as_json = send(url, {"kind": "rib"})
            assert as_json.status_code == 415, (method, path, as_json.status_code)
            no_boundary = send(url, b"--x--", content_type="multipart/form-data")
            assert no_boundary.status_code == 415, (method, path)
            continue
        unknown = send(url, {UNKNOWN: 1})
        assert unknown.status_code == 422, (method, path, unknown.status_code)
        assert errors(unknown)[UNKNOWN]["msg"] == "Champ inconnu.", (method, path)
        for not_an_object in ([None, None], "abc", 3):
            refused = send(url, json.dumps(not_an_object))
            assert refused.status_code == 422, (method, path, not_an_object, refused.content)
            assert refused.json()["detail"][0]["msg"] == "Saisissez un objet.", (method, path)
        for content_type in ("text/plain", "application/x-www-form-urlencoded"):
            other = send(url, "name=x", content_type=content_type)
            assert other.status_code == 415, (method, path, content_type, other.status_code)
            assert "application/json" in other.json()["detail"]
        assert snapshot() == before, (method, path)


def test_a_patch_with_lines_is_refused_and_changes_nothing(api_for, direction, objects):
    quote = Quote.objects.get(pk=objects["quote_id"])
    response = api_for(direction).patch(
        f"/api/v1/quotes/{quote.pk}", {"notes": "Nouvelles notes", "lines": []}
    )
    assert response.status_code == 422
    assert errors(response)["lines"] == {
        "loc": ["body", "payload", "lines"],
        "field": "lines",
        "msg": "Champ inconnu.",
        "type": "extra_forbidden",
    }
    quote.refresh_from_db()
    assert quote.notes == "" and quote.lines.count() == 1


def test_an_unknown_nested_field_is_named_with_its_path(api_for, direction, objects):
    response = api_for(direction).patch(
        f"/api/v1/customers/{objects['customer_id']}", {"billing_address": {"town": "Lyon"}}
    )
    assert errors(response)["billing_address.town"]["msg"] == "Champ inconnu."


def test_routes_without_a_body_take_nothing_or_an_empty_object(api_for, direction, objects):
    client = api_for(direction)
    url = f"/api/v1/quotes/{objects['quote_id']}/duplicate"
    assert client.post(url, {UNKNOWN: 1}).status_code == 422
    assert client.post(url, "name=x", content_type="text/plain").status_code == 415
    assert client.post(url, {}).status_code == 201
    assert client.post(url, b"", content_type="").status_code == 201


def test_an_anonymous_client_gets_401_whatever_it_sends(client):
    response = client.post("/api/v1/families", "name=x", content_type="text/plain")
    assert response.status_code == 401


def test_a_10_mb_body_answers_413_in_json(api_for, direction):
    body = json.dumps({"name": "x" * (10 * 1024 * 1024)})
    response = api_for(direction).post("/api/v1/families", body)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "trop volumineux" in response.json()["detail"]
    assert not Family.objects.exists()


def test_a_body_over_the_setting_answers_413(api_for, direction, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = api_for(direction)
    assert client.post("/api/v1/families", {"name": "x" * 2000}).status_code == 413
    assert client.post("/api/v1/families", {"name": "Syndics"}).status_code == 201


def test_a_lone_surrogate_answers_422(api_for, direction):
    # json.dumps writes it escaped ("\\ud800"), as a client's JSON would.
    response = api_for(direction).post("/api/v1/families", json.dumps({"name": "Syn\ud800dic"}))
    assert response.status_code == 422
    assert errors(response)["name"]["type"] == "lone_surrogate"
    assert not Family.objects.exists()


def test_a_lone_surrogate_in_a_list_answers_422(api_for, direction, objects):
    url = f"/api/v1/quotes/{objects['quote_id']}/send"
    response = api_for(direction).post(url, json.dumps({"to": ["a\udfff@example.fr"]}))
    assert response.status_code == 422
    assert errors(response)["to"]["type"] == "lone_surrogate"


def test_invisible_characters_are_removed_from_texts(api_for, direction, objects):
    client = api_for(direction)
    created = client.post("/api/v1/families", {"name": "Syn\u200bdics\u202e"})
    assert created.json()["name"] == "Syndics"
    url = f"/api/v1/customers/{objects['customer_id']}"
    client.patch(url, {"name": "\u2066Dupont\u2069", "billing_address": {"city": "Ly\u200don"}})
    customer = Customer.objects.get(pk=objects["customer_id"])
    assert (customer.name, customer.city) == ("Dupont", "Lyon")


# Query strings ---------------------------------------------------------------------------


def list_routes(objects: dict[str, int]) -> list[str]:
    """Every list that pages (it has a `limit` parameter), ids filled in."""
    return [
        fill(path, objects)
        for method, path, operation in operations(("get",))
        if any(parameter["name"] == "limit" for parameter in operation.get("parameters", []))
    ]


def test_every_list_refuses_a_limit_over_500_and_numbers_beyond_64_bits(
    api_for, direction, objects
):
    client = api_for(direction)
    routes = list_routes(objects)
    assert len(routes) >= 8
    for url in routes:
        assert client.get(url, {"limit": 500}).status_code == 200, url
        for params in ({"limit": 501}, {"limit": 2**63}, {"offset": 2**63}, {"offset": 2**64}):
            response = client.get(url, params)
            assert response.status_code == 422, (url, params, response.status_code)
            (name,) = params
            assert errors(response)[name]["loc"] == ["query", name], url


def test_a_list_refuses_an_unknown_query_parameter(api_for, direction, objects):
    client = api_for(direction)
    for url in [*list_routes(objects), "/api/v1/vat-rates"]:
        response = client.get(url, {"custmer": 3})
        assert response.status_code == 422, url
        assert errors(response)["custmer"] == {
            "loc": ["query", "custmer"],
            "field": "custmer",
            "msg": "Champ inconnu.",
            "type": "extra_forbidden",
        }


def test_a_refused_filter_is_named_in_the_query(api_for, direction):
    response = api_for(direction).get("/api/v1/customers", {"sales_rep": "personne"})
    assert response.status_code == 422
    assert errors(response)["sales_rep"]["loc"] == ["query", "sales_rep"]
    wrong = api_for(direction).get("/api/v1/quotes", {"status": "perdu"})
    assert errors(wrong)["status"]["loc"] == ["query", "status"]


# The OpenAPI document --------------------------------------------------------------------


def component(name: str) -> dict:
    return openapi()["components"]["schemas"][name]


def test_required_fields_are_declared_required():
    assert "customer" in component("QuoteIn")["required"]
    assert {"site", "service", "unit_price"} <= set(component("SitePriceIn")["required"])
    assert {"customer_id", "name"} <= set(component("SiteIn")["required"])


def test_decimals_are_strings_with_a_pattern_in_and_out():
    quantity = component("LineIn")["properties"]["quantity"]["anyOf"][0]
    assert quantity["type"] == "string" and quantity["pattern"] == r"^-?\d{1,9}(\.\d{1,3})?$"
    price = component("SitePriceIn")["properties"]["unit_price"]
    assert price["type"] == "string" and price["pattern"] == r"^\d{1,8}(\.\d{1,4})?$"
    total = component("QuoteOut")["properties"]["total_gross"]
    assert total["type"] == "string" and total["pattern"] == r"^-?\d+\.\d{2}$"


def test_bounds_of_ids_lists_and_pages_are_declared():
    customer_id = component("SiteIn")["properties"]["customer_id"]
    assert (customer_id["minimum"], customer_id["maximum"]) == (1, 2**63 - 1)
    assert component("SendIn")["properties"]["to"]["maxItems"] == 10
    assert component("QuoteIn")["properties"]["lines"]["maxItems"] == 500
    parameters = openapi()["paths"]["/api/v1/sites"]["get"]["parameters"]
    limit = next(parameter for parameter in parameters if parameter["name"] == "limit")
    assert limit["schema"]["maximum"] == 500


def test_every_operation_documents_its_error_answers():
    for method, path, operation in operations(("get", "post", "put", "patch", "delete")):
        answers = set(operation["responses"])
        assert {400, 401, 422} <= answers, (method, path)
        if method != "get":
            assert {403, 404, 409, 413} <= answers, (method, path)
        if method in WRITE_METHODS:
            assert 415 in answers, (method, path)
        schema = operation["responses"][422]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ValidationErrors"}, (method, path)


def test_binary_answers_are_documented_with_their_type():
    pdf = openapi()["paths"]["/api/v1/quotes/{quote_id}/pdf"]["get"]["responses"][200]
    assert set(pdf["content"]) == {"application/pdf"}
    download = openapi()["paths"]["/api/v1/documents/{document_id}/download"]["get"]
    assert "application/pdf" in download["responses"][200]["content"]
