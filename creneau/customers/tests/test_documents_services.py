"""Documents: what an upload must be, and what the services store, record and delete."""

from __future__ import annotations

import hashlib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from creneau.core.models import AuditEvent
from creneau.customers.documents.files import (
    FileTooLarge,
    clean_name,
    file_size,
    name_with_extension,
)
from creneau.customers.documents.services import (
    document_delete,
    document_update,
    document_upload,
)
from creneau.customers.models import Document
from creneau.customers.services import customer_delete
from creneau.customers.tests import document_samples as samples
from creneau.customers.tests.factories import CustomerFactory, SiteFactory


def stored_files(root) -> list[str]:
    """Every file left in the private storage folder."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep)


def upload(customer, by, name="rib.pdf", data=None, **fields) -> Document:
    data = samples.pdf_bytes() if data is None else data
    fields.setdefault("kind", Document.Kind.RIB)
    return document_upload(customer=customer, by=by, file=samples.upload(name, data), **fields)


# --- Names and sizes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system.ini", "system.ini"),
        ("C:\\Users\\Paul\\Bureau\\RIB Dupont.pdf", "RIB Dupont.pdf"),
        ("rib\x00\x07\n.pdf", "rib.pdf"),
        ("facture\u202efdp.exe", "facturefdp.exe"),  # right-to-left override removed
        ("  ..hidden.pdf  ", "hidden.pdf"),
        ('a<b>c:"d"|e?f*.pdf', "a_b_c__d__e_f_.pdf"),
        ("", "document"),
        ("../..", "document"),
        ("Relevé d'identité bancaire.pdf", "Relevé d'identité bancaire.pdf"),
    ],
)
def test_clean_name(raw, expected):
    assert clean_name(raw) == expected


def test_clean_name_keeps_the_extension_within_255_characters():
    name = clean_name("é" * 400 + ".pdf")
    assert len(name) == 255
    assert name.endswith("é.pdf")


def test_name_gets_the_extension_of_its_real_type():
    assert name_with_extension("rib.pdf", "application/pdf") == "rib.pdf"
    assert name_with_extension("PHOTO.JPEG", "image/jpeg") == "PHOTO.JPEG"
    assert name_with_extension("passwd", "application/pdf") == "passwd.pdf"
    assert name_with_extension("scan.pdf", "image/png") == "scan.pdf.png"
    assert len(name_with_extension("x" * 255, "application/pdf")) == 255


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0\u00a0o"),
        (512, "512\u00a0o"),
        (1536, "1,5\u00a0Ko"),
        (int(1.2 * 1024 * 1024), "1,2\u00a0Mo"),
        (20 * 1024 * 1024, "20\u00a0Mo"),
        (1024 * 1024 - 1, "1\u00a0Mo"),
        (3 * 1024**3, "3\u00a0Go"),
    ],
)
def test_file_size_in_french(size, expected):
    assert file_size(size) == expected


# --- Upload ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data", "content_type"), samples.accepted_samples())
def test_every_accepted_type_is_stored(customer, rep, private_storage, name, data, content_type):
    document = upload(customer, rep, name=name, data=data, kind=Document.Kind.OTHER)
    assert document.content_type == content_type
    assert document.name == name
    assert document.size == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.uploaded_by == rep
    assert document.file.name.startswith(f"documents/{customer.pk}/")
    assert name not in document.file.name
    assert (private_storage / document.file.name).read_bytes() == data


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data"), samples.refused_samples())
def test_refused_types_leave_nothing(customer, rep, private_storage, name, data):
    with pytest.raises(ValidationError) as error:
        upload(customer, rep, name=name, data=data)
    assert "Type de fichier non accepté" in error.value.message_dict["file"][0]
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_empty_file_is_refused(customer, rep, private_storage):
    with pytest.raises(ValidationError) as error:
        upload(customer, rep, data=b"")
    assert error.value.message_dict["file"] == ["Le fichier est vide."]
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_file_over_the_limit_is_refused(customer, rep, private_storage, settings):
    settings.DOCUMENT_MAX_UPLOAD_SIZE = 100
    with pytest.raises(FileTooLarge) as error:
        upload(customer, rep, data=samples.pdf_bytes())
    assert "taille maximale de 100\u00a0o" in error.value.message_dict["file"][0]
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_path_traversal_name_is_cleaned(customer, rep, private_storage):
    document = upload(customer, rep, name="../../etc/passwd")
    assert document.name == "passwd.pdf"
    assert stored_files(private_storage) == [document.file.name]


@pytest.mark.django_db
def test_same_name_twice_keeps_both(customer, rep, private_storage):
    first = upload(customer, rep, name="rib.pdf", data=samples.pdf_bytes(("un",)))
    second = upload(customer, rep, name="rib.pdf", data=samples.pdf_bytes(("deux",)))
    assert first.name == second.name == "rib.pdf"
    assert first.file.name != second.file.name
    assert len(stored_files(private_storage)) == 2
    assert first.sha256 != second.sha256


@pytest.mark.django_db
def test_site_of_another_customer_is_refused(customer, rep, private_storage):
    other_site = SiteFactory()
    with pytest.raises(ValidationError) as error:
        upload(customer, rep, site=other_site)
    assert error.value.message_dict["site"] == ["Ce site appartient à un autre client."]
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_unknown_kind_is_refused_before_storing(customer, rep, private_storage):
    with pytest.raises(ValidationError) as error:
        upload(customer, rep, kind="passport")
    assert "kind" in error.value.message_dict
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_failed_database_write_deletes_the_stored_file(customer, rep, private_storage):
    with (
        mock.patch(
            "creneau.customers.documents.services.audit_record",
            side_effect=IntegrityError("boom"),
        ),
        pytest.raises(IntegrityError),
    ):
        upload(customer, rep)
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_upload_is_in_the_customer_history(customer, rep):
    document = upload(customer, rep, name="RIB Dupont.pdf")
    event = AuditEvent.objects.get(customer_id=customer.pk, object_type="document")
    assert event.action == AuditEvent.Action.CREATE
    assert event.actor == rep
    assert event.object_repr == "RIB Dupont.pdf"
    assert event.changes["sha256"] == [None, document.sha256]
    assert event.message.startswith("Document ajouté : RIB Dupont.pdf (RIB,")


# --- Change and delete -------------------------------------------------------------------


@pytest.mark.django_db
def test_update_renames_cleanly_and_records_changes(customer, rep):
    site = SiteFactory(customer=customer)
    document = upload(customer, rep, name="scan.pdf")
    document_update(
        document=document, by=rep, name="../Contrat signé", kind="contract", site=site, note=" x "
    )
    document.refresh_from_db()
    assert (document.name, document.kind, document.site, document.note) == (
        "Contrat signé.pdf",
        "contract",
        site,
        "x",
    )
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).get()
    assert event.changes["name"] == ["scan.pdf", "Contrat signé.pdf"]
    assert event.changes["kind"] == ["rib", "contract"]


@pytest.mark.django_db
def test_update_refuses_an_empty_name(customer, rep):
    document = upload(customer, rep)
    with pytest.raises(ValidationError) as error:
        document_update(document=document, by=rep, name="  ")
    assert error.value.message_dict["name"] == ["Ce champ est obligatoire."]


@pytest.mark.django_db
def test_delete_records_who_deleted_what_and_removes_the_bytes(
    customer, rep, private_storage, django_capture_on_commit_callbacks
):
    document = upload(customer, rep, name="photo.png", data=samples.image_bytes())
    from creneau.customers.documents.thumbnails import thumbnail_get_or_create

    assert thumbnail_get_or_create(document)
    assert len(stored_files(private_storage)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=document, by=rep)
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert (event.actor, event.customer_id, event.object_repr) == (rep, customer.pk, "photo.png")
    assert event.message == "Document supprimé : photo.png (RIB)"


@pytest.mark.django_db
def test_customer_with_documents_is_deactivated_not_deleted(customer, rep):
    upload(customer, rep)
    assert customer_delete(customer=customer, by=rep) is False
    customer.refresh_from_db()
    assert customer.is_active is False


@pytest.mark.django_db
def test_avif_is_refused_though_pillow_reads_it(customer, rep, private_storage):
    from PIL import features

    if not features.check("avif"):
        pytest.skip("this Pillow cannot write AVIF")
    with pytest.raises(ValidationError):
        upload(customer, rep, name="photo.avif", data=samples.image_bytes("AVIF"))
    assert stored_files(private_storage) == []
