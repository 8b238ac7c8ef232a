"""The screen Paramètres, Import: direction only, each step through the test client."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from creneau.customers.models import Customer
from creneau.customers.services import customer_create
from creneau.imports.models import ImportBatch, ImportMapping
from creneau.imports.tests.helpers import csv_bytes, row
from creneau.imports.tests.helpers import upload as upload_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["rep", "planner", "accountant", "field_worker"])
def test_other_roles_are_refused(request, client_for, role):
    user = request.getfixturevalue(role)
    batch = upload_bytes(csv_bytes([row()]))
    client = client_for(user)
    assert client.get("/settings/import/").status_code == 403
    assert client.get(f"/settings/import/{batch.pk}/").status_code == 403
    assert client.post(f"/settings/import/{batch.pk}/confirm/").status_code == 403
    assert client.post(f"/settings/import/{batch.pk}/undo/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/settings/import/")
    assert response.status_code == 302 and "login" in response["Location"]


def run_worker() -> None:
    """The task worker runs what is queued, then stops (its signal handlers restored)."""
    import signal

    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@pytest.mark.django_db(transaction=True)
def test_upload_map_check_confirm_and_undo(client_for, direction):
    client = client_for(direction)
    assert "Import" in client.get("/settings/import/").content.decode()
    data = csv_bytes(
        [row(), row(Site="Hall B"), row(**{"Code client": "B", "Raison sociale": "Durand"})]
    )
    response = client.post("/settings/import/", {"file": SimpleUploadedFile("c.csv", data)})
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/settings/import/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Correspondance des colonnes" in page and 'value="Raison sociale" selected' in page
    form = {f"col_{name}": column for name, column in batch.columns.items()}
    response = client.post(f"/settings/import/{batch.pk}/", {**form, "save_as": "Softy"})
    assert response.status_code == 302 and ImportMapping.objects.get().name == "Softy"
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "checked" and batch.error_count == 0
    page = client.get(f"/settings/import/{batch.pk}/").content.decode()
    assert "Aucune erreur" in page and "4. Importer" in page
    client.post(f"/settings/import/{batch.pk}/confirm/")
    run_worker()
    assert Customer.objects.count() == 2
    page = client.get(f"/settings/import/{batch.pk}/").content.decode()
    assert "2 clients créés" in page and "Annuler l'import" in page
    client.post(f"/settings/import/{batch.pk}/undo/")
    assert not Customer.objects.exists()


def test_report_lists_errors_first_and_refuses_confirm(client_for, direction):
    from creneau.imports.services import batch_check, batch_start_check

    customer_create(by=direction, name="Durand", street="1 rue", postcode="75011", city="Paris")
    rows = [
        row(**{"Code client": "D", "Raison sociale": "Durand"}),
        row(**{"Code client": "E", "CP": "99999"}),
    ]
    batch = upload_bytes(csv_bytes(rows), by=direction)
    batch_start_check(batch=batch, enqueue=False)
    batch_check(batch_id=batch.pk)
    client = client_for(direction)
    page = client.get(f"/settings/import/{batch.pk}/").content.decode()
    assert page.index("99999") < page.index("Doublon probable de") if "99999" in page else True
    assert page.index("Code postal invalide") < page.index("Doublon probable de")
    client.post(f"/settings/import/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert (
        batch.status == "checked"
        and not Customer.objects.filter(name="Résidence Les Tilleuls").exists()
    )


def test_duplicate_choice_through_the_page(client_for, direction):
    from creneau.imports.services import batch_check, batch_start_check

    customer_create(by=direction, name="Durand", street="1 rue", postcode="75011", city="Paris")
    batch = upload_bytes(csv_bytes([row(**{"Raison sociale": "Durand"})]), by=direction)
    batch_start_check(batch=batch, enqueue=False)
    batch_check(batch_id=batch.pk)
    client = client_for(direction)
    client.post(f"/settings/import/{batch.pk}/decide/", {"row": "2", "decision": "update"})
    assert batch.issues.get().decision == "update"
    client.post(f"/settings/import/{batch.pk}/decide/", {"all": "1", "decision": "create"})
    assert batch.issues.get().decision == "create"
    response = client.post(f"/settings/import/{batch.pk}/decide/", {"row": "2", "decision": "zzz"})
    assert response.status_code == 302 and batch.issues.get().decision == "create"


def test_a_bad_file_is_refused_at_the_field(client_for, direction):
    client = client_for(direction)
    response = client.post(
        "/settings/import/", {"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04zz")}
    )
    assert response.status_code == 200 and "illisible" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_report_page_reads_in_a_fixed_number_of_queries(
    client_for, direction, django_assert_max_num_queries
):
    from creneau.imports.services import batch_check, batch_start_check

    rows = []
    for number in range(30):
        customer_create(
            by=direction, name=f"Client {number}", street="1 rue", postcode="75011", city="Paris"
        )
        rows.append(
            row(
                **{"Code client": f"R{number}", "Raison sociale": f"Client {number}", "CP": "75011"}
            )
        )
    batch = upload_bytes(csv_bytes(rows), by=direction)
    batch_start_check(batch=batch, enqueue=False)
    batch_check(batch_id=batch.pk)
    assert batch.issues.count() == 30
    client = client_for(direction)
    with django_assert_max_num_queries(12):
        page = client.get(f"/settings/import/{batch.pk}/").content.decode()
    assert "Client 29" in page


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def not_a_workbook() -> bytes:
    """A sound zip, but no workbook inside: only reading it as a workbook tells."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bonjour.txt", "pas un classeur")
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_upload_does_not_read_the_workbook_the_worker_does(client_for, direction):
    client = client_for(direction)
    data = xlsx_bytes([["Raison sociale", "CP", "Ville"], ["Dupont", 1000, "Bourg"]])
    response = client.post("/settings/import/", {"file": SimpleUploadedFile("c.xlsx", data)})
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/settings/import/{batch.pk}/"
    assert batch.status == "converting" and batch.headers == [] and batch.row_count == 0
    page = client.get(f"/settings/import/{batch.pk}/").content.decode()
    assert "Conversion" in page and "import-progress-bar" in page
    assert client.get(f"/settings/import/{batch.pk}/progress/").status_code == 200
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "uploaded" and batch.row_count == 1
    assert batch.columns == {"name": "Raison sociale", "postcode": "CP", "city": "Ville"}
    assert batch.csv_path.endswith(".csv") and batch.progress_done == 1
    response = client.get(f"/settings/import/{batch.pk}/progress/")
    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    page = client.get(f"/settings/import/{batch.pk}/").content.decode()
    assert 'value="Raison sociale" selected' in page


@pytest.mark.django_db(transaction=True)
def test_a_workbook_that_cannot_be_read_fails_with_its_reason(client_for, direction):
    client = client_for(direction)
    upload = SimpleUploadedFile("c.xlsx", not_a_workbook())
    response = client.post("/settings/import/", {"file": upload})
    assert response.status_code == 302  # accepted at once: the workbook is not read here
    batch = ImportBatch.objects.get()
    assert batch.status == "converting"
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "failed" and "illisible" in batch.error and batch.error_count == 1
    assert batch.issues.get().message == batch.error
    page = client.get(f"/settings/import/{batch.pk}/").content.decode()
    assert "n'a pu être lu" in page and "Vérifier le fichier" not in page
    response = client.post(f"/settings/import/{batch.pk}/", {"col_name": "x"})
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.status == "failed"


def test_the_command_reads_a_workbook_inline(tmp_path, direction):
    path = tmp_path / "c.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [["Raison sociale", "CP", "Ville", "Adresse"], ["Dupont", "01000", "Bourg", "1 rue"]]
        )
    )
    call_command("import_customers", str(path), verbosity=0)
    assert Customer.objects.get().name == "Dupont"
    bad = tmp_path / "d.xlsx"
    bad.write_bytes(not_a_workbook())
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="illisible"):
        call_command("import_customers", str(bad), verbosity=0)


def test_conversion_progress_without_the_sheets_row_count(client_for, direction):
    """A workbook written without its dimension (openpyxl's write-only mode): rows read,
    and a bar without total."""
    data = xlsx_bytes([["Raison sociale"], ["Dupont"]])
    batch = upload_bytes_pending(data)
    client = client_for(direction)
    page = client.get(f"/settings/import/{batch.pk}/progress/").content.decode()
    assert "en attente" in page
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=1500, progress_total=0)
    page = client.get(f"/settings/import/{batch.pk}/progress/").content.decode()
    assert "lue" in page and "max=" not in page
    ImportBatch.objects.filter(pk=batch.pk).update(progress_total=3000)
    page = client.get(f"/settings/import/{batch.pk}/progress/").content.decode()
    assert 'max="3000"' in page


def upload_bytes_pending(data: bytes) -> ImportBatch:
    import io

    from creneau.imports.services import batch_upload

    return batch_upload(by=None, upload=io.BytesIO(data), name="c.xlsx", size=len(data))
