"""A NUL character in a request answers 400 instead of reaching PostgreSQL (which refuses it
in text and would make a 500): query strings, form and JSON bodies, pages and API alike."""

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from creneau.core.middleware import RejectNulMiddleware
from creneau.customers.models import Customer
from creneau.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NUL = "ab\x00c"
NUL_MESSAGE = "caractère nul"


def address() -> dict:
    return {"street": "1 rue de la Paix", "postcode": "75002", "city": "Paris"}


@pytest.mark.parametrize(
    "path",
    ["/customers/quick-search/", "/customers/", "/quotes/", "/quotes/export.csv", "/catalog/"],
)
def test_a_page_query_with_nul_is_refused(client_for, rep, path):
    response = client_for(rep).get(path, {"q": NUL})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert NUL_MESSAGE in response.content.decode()


def test_a_nul_in_a_query_key_is_refused(client_for, rep):
    assert client_for(rep).get("/customers/?a%00b=1").status_code == 400


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/customers", {"q": NUL}),
        ("/api/v1/customers", {"city": NUL}),
        ("/api/v1/customers", {"sales_rep": NUL}),
        ("/api/v1/quotes", {"q": NUL}),
        ("/api/v1/services", {"q": NUL}),
    ],
)
def test_an_api_query_with_nul_is_refused_in_json(api_for, rep, path, params):
    response = api_for(rep).get(path, params)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.json()["detail"]


def test_an_api_json_body_with_a_nul_escape_is_refused(api_for, rep):
    customer = CustomerFactory(sales_rep=rep, notes="Avant")
    api = api_for(rep)

    created = api.post(
        "/api/v1/customers", {"name": NUL, "kind": "individual", "billing_address": address()}
    )
    patched = api.patch(f"/api/v1/customers/{customer.pk}", {"notes": NUL})

    assert (created.status_code, patched.status_code) == (400, 400)
    assert NUL_MESSAGE in patched.json()["detail"]
    customer.refresh_from_db()
    assert customer.notes == "Avant"
    assert Customer.objects.count() == 1


def test_an_api_body_with_a_raw_nul_byte_is_refused(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    response = api_for(rep).patch(
        f"/api/v1/customers/{customer.pk}", b'{"notes": "a\x00b"}', content_type="application/json"
    )
    assert response.status_code == 400


def test_an_escaped_backslash_before_u0000_is_plain_text(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    response = api_for(rep).patch(f"/api/v1/customers/{customer.pk}", {"notes": "C:\\u0000"})
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.notes == "C:\\u0000"


def test_an_urlencoded_form_with_nul_is_refused(client_for, rep):
    body = urlencode({"name": NUL, "kind": "individual", **address()})
    response = client_for(rep).post(
        "/customers/new/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert not Customer.objects.exists()


def test_a_multipart_form_with_nul_is_left_to_the_form_fields(client_for, rep):
    response = client_for(rep).post(
        "/customers/new/", {"name": NUL, "kind": "individual", **address()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not Customer.objects.exists()


def test_a_multipart_upload_is_not_read_into_memory():
    upload = SimpleUploadedFile("rib.pdf", b"%PDF-1.4\x00\x00binary", "application/pdf")
    request = RequestFactory().post("/api/v1/customers/1/documents", {"file": upload})

    assert RejectNulMiddleware.has_nul(request) is False
    assert not hasattr(request, "_body")
