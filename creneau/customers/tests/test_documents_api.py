"""Documents through the REST API: upload, list, read, change, download, delete, errors."""

from __future__ import annotations

import hashlib

import pytest

from creneau.core.models import AuditEvent
from creneau.customers.documents.services import document_upload
from creneau.customers.models import Document
from creneau.customers.tests import document_samples as samples
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.customers.tests.test_documents_services import stored_files


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep)


@pytest.fixture
def api(rep, api_for):
    return api_for(rep)


def post(api, customer_id, name="rib.pdf", data=None, **fields):
    data = samples.pdf_bytes() if data is None else data
    body = {"kind": "rib", **fields, "file": samples.upload(name, data)}
    return api.post(f"/api/v1/customers/{customer_id}/documents", body, multipart=True)


def add(customer, by, name="rib.pdf", data=None, **fields) -> Document:
    fields.setdefault("kind", "rib")
    data = samples.pdf_bytes() if data is None else data
    return document_upload(customer=customer, by=by, file=samples.upload(name, data), **fields)


def field_errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


# --- Upload ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data", "content_type"), samples.accepted_samples())
def test_upload_every_accepted_type(api, customer, rep, name, data, content_type):
    response = post(api, customer.pk, name, data, note="Reçu par courrier")
    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.get()
    assert body["id"] == document.pk
    assert body["name"] == name
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["content_type"] == content_type
    assert body["kind"] == "rib"
    assert body["site_id"] is None
    assert body["note"] == "Reçu par courrier"
    assert body["uploaded_by"] == rep.username
    assert body["download_url"] == f"/api/v1/documents/{document.pk}/download"


@pytest.mark.django_db
def test_upload_to_a_site(api, customer):
    site = SiteFactory(customer=customer)
    response = post(api, customer.pk, kind="photo", site_id=site.pk,
                    name="p.webp", data=samples.image_bytes("WEBP"))  # fmt: skip
    assert response.status_code == 201
    assert response.json()["site_id"] == site.pk


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data"), samples.refused_samples())
def test_refused_types_answer_422(api, customer, private_storage, name, data):
    response = post(api, customer.pk, name, data)
    assert response.status_code == 422
    assert field_errors(response)["file"].startswith("Type de fichier non accepté.")
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_empty_file_answers_422(api, customer, private_storage):
    response = post(api, customer.pk, data=b"")
    assert response.status_code == 422
    assert field_errors(response) == {"file": "Le fichier est vide."}
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_too_big_file_answers_413(api, customer, private_storage, settings):
    settings.DOCUMENT_MAX_UPLOAD_SIZE = 1000
    response = post(api, customer.pk, data=samples.pdf_bytes() + b"%" * 5000)
    assert response.status_code == 413
    assert field_errors(response) == {
        "file": "Le fichier dépasse la taille maximale de 1\u202f000\u00a0o."
    }
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_declared_too_big_body_is_refused_before_reading(api, customer, settings):
    settings.DOCUMENT_MAX_UPLOAD_SIZE = 10
    response = api.client.generic(
        "POST",
        f"/api/v1/customers/{customer.pk}/documents",
        b"x" * 100_000,
        content_type="multipart/form-data; boundary=zzz",
        headers=api.headers,
    )
    assert response.status_code == 413


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": ""}, {"kind": "Ce champ est obligatoire."}),
        (
            {"kind": "passport"},
            {"kind": "Valeur non autorisée. Valeurs possibles : rib, identity, photo, "
             "contract, other."},
        ),
        ({"site_id": "abc"}, {"site_id": "Saisissez un nombre entier."}),
        ({"site_id": "999999"}, {"site_id": "Ce site n'appartient pas à ce client."}),
    ],
)  # fmt: skip
def test_bad_fields_answer_422_in_french(api, customer, private_storage, fields, errors):
    response = post(api, customer.pk, **fields)
    assert response.status_code == 422
    assert field_errors(response) == errors
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_site_of_another_customer_is_refused(api, customer, private_storage):
    other = SiteFactory(customer=CustomerFactory(sales_rep=customer.sales_rep))
    response = post(api, customer.pk, site_id=other.pk)
    assert field_errors(response) == {"site_id": "Ce site n'appartient pas à ce client."}


@pytest.mark.django_db
def test_missing_file_answers_422(api, customer):
    response = api.post(
        f"/api/v1/customers/{customer.pk}/documents", {"kind": "rib"}, multipart=True
    )
    assert response.status_code == 422
    assert field_errors(response) == {"file": "Ce champ est obligatoire."}


@pytest.mark.django_db
def test_path_traversal_name_is_cleaned(api, customer, private_storage):
    response = post(api, customer.pk, name="../../etc/passwd")
    assert response.json()["name"] == "passwd.pdf"
    assert stored_files(private_storage) == [Document.objects.get().file.name]


@pytest.mark.django_db
def test_upload_to_an_invisible_customer_is_404(api, other_rep, private_storage):
    foreign = CustomerFactory(sales_rep=other_rep)
    response = post(api, foreign.pk)
    assert response.status_code == 404
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_same_name_twice_both_kept(api, customer):
    post(api, customer.pk, data=samples.pdf_bytes(("un",)))
    post(api, customer.pk, data=samples.pdf_bytes(("deux",)))
    body = api.get(f"/api/v1/customers/{customer.pk}/documents").json()
    assert body["count"] == 2
    assert [item["name"] for item in body["items"]] == ["rib.pdf", "rib.pdf"]


# --- List, read, change ------------------------------------------------------------------


@pytest.mark.django_db
def test_list_filters_by_kind_and_site(api, customer, rep):
    site = SiteFactory(customer=customer)
    add(customer, rep, name="a.pdf", kind="rib")
    photo = add(customer, rep, name="b.png", data=samples.image_bytes(), kind="photo", site=site)
    url = f"/api/v1/customers/{customer.pk}/documents"
    assert api.get(url).json()["count"] == 2
    assert [d["id"] for d in api.get(url, {"kind": "photo"}).json()["items"]] == [photo.pk]
    assert [d["id"] for d in api.get(url, {"site_id": site.pk}).json()["items"]] == [photo.pk]
    assert api.get(url, {"kind": "passport"}).status_code == 422


@pytest.mark.django_db
def test_read_and_patch(api, customer, rep):
    site = SiteFactory(customer=customer)
    document = add(customer, rep, site=site)
    assert api.get(f"/api/v1/documents/{document.pk}").json()["name"] == "rib.pdf"
    response = api.patch(
        f"/api/v1/documents/{document.pk}",
        {"name": "RIB 2026", "kind": "contract", "site_id": None},
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["kind"]) == ("RIB 2026.pdf", "contract")
    assert response.json()["site_id"] is None
    response = api.patch(f"/api/v1/documents/{document.pk}", {"site_id": 999999})
    assert field_errors(response) == {"site_id": "Ce site n'appartient pas à ce client."}


# --- Download and delete -----------------------------------------------------------------


@pytest.mark.django_db
def test_download_returns_the_bytes_with_headers(api, customer, rep):
    data = samples.image_bytes("JPEG")
    document = add(customer, rep, name="Façade été.jpg", data=data)
    response = api.get(f"/api/v1/documents/{document.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Facade ete.jpg\"; filename*=UTF-8''Fa%C3%A7ade%20%C3%A9t%C3%A9.jpg"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_delete_answers_204_and_records_history(
    api, customer, rep, private_storage, django_capture_on_commit_callbacks
):
    document = add(customer, rep)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"/api/v1/documents/{document.pk}")
    assert response.status_code == 204
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []
    event = AuditEvent.objects.get(action="delete")
    assert (event.actor, event.customer_id, event.object_repr) == (rep, customer.pk, "rib.pdf")


@pytest.mark.django_db
def test_outsider_gets_404_everywhere(customer, rep, other_rep, api_for):
    document = add(customer, rep)
    outsider = api_for(other_rep)
    assert outsider.get(f"/api/v1/customers/{customer.pk}/documents").status_code == 404
    assert outsider.get(f"/api/v1/documents/{document.pk}/download").status_code == 404
    assert outsider.delete(f"/api/v1/documents/{document.pk}").status_code == 404
    assert Document.objects.exists()


@pytest.mark.django_db
def test_openapi_describes_the_multipart_upload(api):
    schema = api.get("/api/v1/openapi.json").json()
    upload = schema["paths"]["/api/v1/customers/{customer_id}/documents"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file", "kind"]
    assert set(upload["responses"]) >= {"201", "413", "422"}
