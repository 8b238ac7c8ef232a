"""The import through the API: upload, mapping, check, report, choice, confirm, undo,
templates; direction only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from creneau.customers.models import Customer
from creneau.customers.services import customer_create
from creneau.imports.services import batch_check
from creneau.imports.tests.helpers import csv_bytes, row
from creneau.imports.writer import batch_execute

pytestmark = pytest.mark.django_db


def _upload(api, data: bytes, **extra):
    return api.post(
        "/api/v1/imports", {"file": SimpleUploadedFile("c.csv", data), **extra}, multipart=True
    )


def test_the_whole_import_through_the_api(api_for, direction):
    customer_create(by=direction, name="Durand", street="1 rue", postcode="75011", city="Paris")
    api = api_for(direction)
    response = _upload(
        api, csv_bytes([row(), row(**{"Code client": "B", "Raison sociale": "Durand"})])
    )
    assert response.status_code == 201, response.content
    batch = response.json()
    assert batch["delimiter"] == ";" and batch["columns"]["name"] == "Raison sociale"
    url = f"/api/v1/imports/{batch['id']}"
    columns = {**batch["columns"], "notes": "Fonction"}
    del columns["contact_role"]
    response = api.post(f"{url}/mapping", {"columns": columns, "save_as": "Mon modèle"})
    assert response.status_code == 200 and response.json()["columns"]["notes"] == "Fonction"
    assert api.post(f"{url}/check").status_code == 202
    batch_check(batch_id=batch["id"])
    report = api.get(f"{url}/report").json()
    assert report["count"] == 1 and report["items"][0]["kind"] == "duplicate"
    decided = api.post(f"{url}/decisions", {"row": 3, "decision": "create"})
    assert decided.status_code == 200 and decided.json()["decision"] == "create"
    assert api.post(f"{url}/confirm").status_code == 202
    batch_execute(batch_id=batch["id"])
    done = api.get(url).json()
    assert done["status"] == "imported" and done["created"]["customer"] == 2
    assert Customer.objects.count() == 3
    assert api.post(f"{url}/undo").status_code == 200
    assert Customer.objects.count() == 1
    templates = api.get("/api/v1/import-templates").json()
    assert [template["name"] for template in templates] == ["Mon modèle"]


def test_refusals(api_for, direction, rep):
    assert api_for(rep).get("/api/v1/imports").status_code == 403
    api = api_for(direction)
    assert _upload(api, csv_bytes([row()]), extra="x").status_code == 422
    assert _upload(api, b"PK\x03\x04zz").status_code in (201, 422)
    batch = _upload(api, csv_bytes([row(CP="99999")])).json()
    url = f"/api/v1/imports/{batch['id']}"
    assert api.post(f"{url}/mapping", {"columns": {"nope": "CP"}}).status_code == 422
    assert api.post(f"{url}/mapping", {"columns": {"name": "absent"}}).status_code == 422
    assert api.post(f"{url}/mapping", {"unknown": 1}).status_code == 422
    assert api.post(f"{url}/confirm").status_code == 422  # not checked
    api.post(f"{url}/check")
    batch_check(batch_id=batch["id"])
    response = api.post(f"{url}/confirm")
    assert response.status_code == 422 and "Corrigez" in response.content.decode()
    assert api.post(f"{url}/undo").status_code == 422
    assert api.get("/api/v1/imports/999999").status_code == 404
    assert (
        api.post("/api/v1/import-templates", {"name": "x", "columns": {"zz": "y"}}).status_code
        == 422
    )


def test_a_workbook_is_read_after_the_upload(api_for, direction):
    from creneau.imports.services import batch_convert
    from creneau.imports.tests.test_views import xlsx_bytes

    api = api_for(direction)
    data = xlsx_bytes([["Raison sociale", "CP"], ["Dupont", "01000"], ["Durand", "69001"]])
    response = api.post(
        "/api/v1/imports", {"file": SimpleUploadedFile("c.xlsx", data)}, multipart=True
    )
    assert response.status_code == 201, response.content
    batch = response.json()
    assert batch["status"] == "converting" and batch["headers"] == []
    url = f"/api/v1/imports/{batch['id']}"
    assert api.post(f"{url}/check").status_code == 422  # not read yet
    batch_convert(batch_id=batch["id"])
    batch = api.get(url).json()
    assert batch["status"] == "uploaded" and batch["row_count"] == 2
    assert batch["columns"] == {"name": "Raison sociale", "postcode": "CP"}
    assert batch["progress"] == {"done": 2, "total": 2}
