"""The Documents tab through the pages: upload, list, filters, open, download, edit, delete."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from creneau.core.models import AuditEvent
from creneau.customers.documents.files import file_size
from creneau.customers.documents.services import document_upload
from creneau.customers.models import Document
from creneau.customers.tests import document_samples as samples
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.customers.tests.test_documents_services import stored_files

JSON = {"HTTP_ACCEPT": "application/json"}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep, name="Dupont Électricité")


@pytest.fixture
def client(rep, client_for):
    return client_for(rep)


def tab_url(customer) -> str:
    return reverse("customers:tab_documents", kwargs={"pk": customer.pk})


def upload_url(customer) -> str:
    return reverse("customers:document_upload", kwargs={"pk": customer.pk})


def add(customer, by, name="rib.pdf", data=None, **fields) -> Document:
    fields.setdefault("kind", Document.Kind.RIB)
    data = samples.pdf_bytes() if data is None else data
    return document_upload(customer=customer, by=by, file=samples.upload(name, data), **fields)


def post_file(client, customer, name, data, headers=JSON, **fields):
    body = {"kind": "rib", "note": "", **fields, "file": samples.upload(name, data)}
    return client.post(upload_url(customer), body, **headers)


def page_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Upload ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data", "content_type"), samples.accepted_samples())
def test_drop_zone_upload_of_every_accepted_type(client, customer, name, data, content_type):
    response = post_file(client, customer, name, data)
    assert response.status_code == 201, response.content
    document = Document.objects.get()
    assert response.json() == {
        "id": document.pk,
        "name": name,
        "message": f"« {name} » ajouté.",
    }
    assert document.content_type == content_type
    assert document.customer == customer


@pytest.mark.django_db
def test_upload_with_site_and_note(client, customer):
    site = SiteFactory(customer=customer)
    response = post_file(client, customer, "p.jpg", samples.image_bytes("JPEG"), kind="photo",
                         site=site.pk, note="Façade nord")  # fmt: skip
    assert response.status_code == 201
    document = Document.objects.get()
    assert (document.kind, document.site, document.note) == ("photo", site, "Façade nord")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data"), samples.refused_samples())
def test_refused_types_answer_422_and_store_nothing(client, customer, private_storage, name, data):
    response = post_file(client, customer, name, data)
    assert response.status_code == 422
    assert "Type de fichier non accepté" in response.json()["message"]
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_empty_file_is_refused(client, customer, private_storage):
    response = post_file(client, customer, "vide.pdf", b"")
    assert response.status_code == 422
    assert response.json()["message"] == "Le fichier est vide."
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_file_over_the_memory_threshold_streams_through_a_temporary_file(
    client, customer, private_storage
):
    import hashlib

    data = samples.pdf_bytes() + b"%" * (3 * 1024 * 1024)  # over FILE_UPLOAD_MAX_MEMORY_SIZE
    response = post_file(client, customer, "scan.pdf", data)
    assert response.status_code == 201
    document = Document.objects.get()
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert (private_storage / document.file.name).read_bytes() == data


@pytest.mark.django_db
def test_too_big_file_is_refused_while_streaming(client, customer, private_storage, settings):
    settings.DOCUMENT_MAX_UPLOAD_SIZE = 1000
    response = post_file(client, customer, "gros.pdf", samples.pdf_bytes() + b"%" * 2000)
    assert response.status_code == 413
    assert "taille maximale de 1\u202f000\u00a0o" in response.json()["message"]
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_too_big_request_is_refused_before_reading(client, customer, settings, private_storage):
    settings.DOCUMENT_MAX_UPLOAD_SIZE = 10
    body = b"x" * 200_000
    response = client.generic(
        "POST", upload_url(customer), body,
        content_type="multipart/form-data; boundary=zzz", **JSON,
    )  # fmt: skip
    assert response.status_code == 413
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_too_big_file_without_javascript_shows_a_message(client, customer, settings):
    settings.DOCUMENT_MAX_UPLOAD_SIZE = 1000
    response = post_file(client, customer, "gros.pdf", b"%PDF-" + b"x" * 5000, headers={})
    assert response.status_code == 303
    assert response["Location"] == tab_url(customer)
    assert page_messages(response) == [
        "gros.pdf : Le fichier dépasse la taille maximale de 1\u202f000\u00a0o."
    ]


@pytest.mark.django_db
def test_several_files_without_javascript(client, customer):
    files = [samples.upload("a.pdf", samples.pdf_bytes()), samples.upload("b.html", samples.HTML)]
    response = client.post(upload_url(customer), {"kind": "contract", "file": files})
    assert response.status_code == 303
    assert list(Document.objects.values_list("name", flat=True)) == ["a.pdf"]
    messages = page_messages(response)
    assert messages[0] == "« a.pdf » ajouté."
    assert messages[1].startswith("b.html : Type de fichier non accepté.")


@pytest.mark.django_db
def test_upload_without_file_asks_for_one(client, customer):
    response = client.post(upload_url(customer), {"kind": "rib"}, **JSON)
    assert response.status_code == 422
    assert response.json()["message"] == "Choisissez au moins un fichier."


@pytest.mark.django_db
def test_path_traversal_name_is_cleaned(client, customer, private_storage):
    response = post_file(client, customer, "../../etc/passwd", samples.pdf_bytes())
    assert response.status_code == 201
    document = Document.objects.get()
    assert document.name == "passwd.pdf"
    assert stored_files(private_storage) == [document.file.name]
    assert "etc" not in document.file.name


@pytest.mark.django_db
def test_upload_to_an_invisible_customer_is_404(client, other_rep, private_storage):
    foreign = CustomerFactory(sales_rep=other_rep)
    response = post_file(client, foreign, "rib.pdf", samples.pdf_bytes())
    assert response.status_code == 404
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_upload_checks_csrf(rep, customer, private_storage):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    response = post_file(client, customer, "rib.pdf", samples.pdf_bytes())
    assert response.status_code == 403
    assert stored_files(private_storage) == []


@pytest.mark.django_db
def test_same_name_twice_both_listed(client, customer):
    for text in ("un", "deux"):
        post_file(client, customer, "rib.pdf", samples.pdf_bytes((text,)))
    response = client.get(tab_url(customer))
    assert response.content.decode().count(">rib.pdf</a>") == 2


# --- The tab -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_tab_is_a_partial_for_htmx_and_a_page_otherwise(client, customer, rep):
    add(customer, rep, name="RIB Dupont.pdf")
    partial = client.get(tab_url(customer), **HTMX).content.decode()
    assert "<html" not in partial
    assert "data-document-dropzone" in partial
    assert "RIB Dupont.pdf" in partial
    page = client.get(tab_url(customer)).content.decode()
    assert "<html" in page
    assert "<h1>Dupont Électricité</h1>" in page
    assert "js/documents.js" in page


@pytest.mark.django_db
def test_list_shows_thumbnail_size_kind_site_and_uploader(client, customer, rep):
    site = SiteFactory(customer=customer, name="Entrepôt")
    photo = add(customer, rep, name="toit.png", data=samples.image_bytes(), kind="photo", site=site)
    add(customer, rep, name="contrat.docx", data=samples.docx_bytes(), kind="contract")
    html = client.get(tab_url(customer), **HTMX).content.decode()
    assert reverse("customers:document_thumbnail", kwargs={"pk": photo.pk}) in html
    assert "bi-file-earmark-word" in html
    assert "Entrepôt" in html
    assert "Photo" in html and "Contrat" in html
    assert "Claire Commerciale" in html
    assert f"{photo.size}\u00a0o" in html


@pytest.mark.django_db
def test_filters_by_kind_and_site(client, customer, rep):
    site = SiteFactory(customer=customer, name="Entrepôt")
    add(customer, rep, name="rib.pdf", kind="rib")
    add(customer, rep, name="photo.png", data=samples.image_bytes(), kind="photo", site=site)
    url = reverse("customers:documents_list", kwargs={"pk": customer.pk})

    def names(query):
        html = client.get(url, query, **HTMX).content.decode()
        return [name for name in ("rib.pdf", "photo.png") if f">{name}</a>" in html]

    assert names({}) == ["rib.pdf", "photo.png"]
    assert names({"kind": "photo"}) == ["photo.png"]
    assert names({"site": site.pk}) == ["photo.png"]
    assert names({"site": "none"}) == ["rib.pdf"]
    assert names({"kind": "contract"}) == []
    assert "Aucun document ne correspond" in client.get(url, {"kind": "contract"}).content.decode()


@pytest.mark.django_db
def test_documents_tab_query_count_does_not_grow(client, customer, rep):
    site = SiteFactory(customer=customer)
    add(customer, rep, name="a.pdf", site=site)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(tab_url(customer), **HTMX).status_code == 200
        return len(queries)

    few = count()
    for index in range(6):
        add(customer, rep, name=f"p{index}.png", data=samples.image_bytes(), site=site)
    assert count() == few
    assert few <= 7, few


# --- Open, download, thumbnail -----------------------------------------------------------


@pytest.mark.django_db
def test_open_pdf_inline_with_encoded_name_and_nosniff(client, customer, rep):
    data = samples.pdf_bytes()
    document = add(customer, rep, name="Relevé d'identité bancaire.pdf", data=data)
    response = client.get(reverse("customers:document_open", kwargs={"pk": document.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Disposition"] == (
        'inline; filename="Releve d\'identite bancaire.pdf"; '
        "filename*=UTF-8''Relev%C3%A9%20d%27identit%C3%A9%20bancaire.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_download_is_an_attachment(client, customer, rep):
    document = add(customer, rep, name="Contrat été 2026.docx", data=samples.docx_bytes())
    response = client.get(reverse("customers:document_download", kwargs={"pk": document.pk}))
    assert response["Content-Type"] == samples.DOCX
    assert response["Content-Disposition"].startswith(
        'attachment; filename="Contrat ete 2026.docx"'
    )
    assert "filename*=UTF-8''Contrat%20%C3%A9t%C3%A9%202026.docx" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_office_files_never_open_inline(client, customer, rep):
    document = add(customer, rep, name="t.ods", data=samples.ods_bytes())
    response = client.get(reverse("customers:document_open", kwargs={"pk": document.pk}))
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP", "HEIF"])
def test_thumbnail_is_a_small_cached_jpeg(client, customer, rep, private_storage, image_format):
    from io import BytesIO

    from PIL import Image

    data = samples.image_bytes(image_format, size=(800, 400))
    document = add(customer, rep, name="photo", data=data, kind="photo")
    url = reverse("customers:document_thumbnail", kwargs={"pk": document.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    thumbnail = Image.open(BytesIO(b"".join(response.streaming_content)))
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (160, 80))
    assert len(stored_files(private_storage)) == 2  # the original and its cached thumbnail
    assert client.get(url).status_code == 200
    assert len(stored_files(private_storage)) == 2


@pytest.mark.django_db
def test_no_thumbnail_for_a_pdf(client, customer, rep):
    document = add(customer, rep)
    url = reverse("customers:document_thumbnail", kwargs={"pk": document.pk})
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_outsider_and_anonymous_cannot_download(customer, rep, other_rep, client_for):
    from django.test import Client

    document = add(customer, rep)
    url = reverse("customers:document_download", kwargs={"pk": document.pk})
    assert client_for(other_rep).get(url).status_code == 404
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- Edit and delete ---------------------------------------------------------------------


@pytest.mark.django_db
def test_edit_in_place(client, customer, rep):
    site = SiteFactory(customer=customer, name="Cave")
    document = add(customer, rep, name="scan.pdf")
    url = reverse("customers:document_edit", kwargs={"pk": document.pk})
    form = client.get(url, **HTMX).content.decode()
    assert 'value="scan.pdf"' in form
    response = client.post(
        url, {"name": "Bail 2026", "kind": "contract", "site": site.pk, "note": "signé"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert ">Bail 2026.pdf</a>" in html
    assert "Cave" in html
    assert 'hx-swap-oob="true"' in html and "Enregistré." in html
    document.refresh_from_db()
    assert (document.name, document.kind, document.site, document.note) == (
        "Bail 2026.pdf", "contract", site, "signé",
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="update", object_type="document").count() == 1


@pytest.mark.django_db
def test_edit_errors_show_at_the_field(client, customer, rep):
    document = add(customer, rep)
    url = reverse("customers:document_edit", kwargs={"pk": document.pk})
    response = client.post(url, {"name": "", "kind": "rib"}, **HTMX)
    assert "Ce champ est obligatoire." in response.content.decode()
    foreign_site = SiteFactory()
    response = client.post(url, {"name": "x", "kind": "rib", "site": foreign_site.pk}, **HTMX)
    assert "invalid-feedback" in response.content.decode()
    document.refresh_from_db()
    assert document.name == "rib.pdf" and document.site is None


@pytest.mark.django_db
def test_edit_without_javascript(client, customer, rep):
    document = add(customer, rep)
    url = reverse("customers:document_edit", kwargs={"pk": document.pk})
    assert "<html" in client.get(url).content.decode()
    response = client.post(url, {"name": "autre", "kind": "other", "note": ""})
    assert response.status_code == 303
    assert response["Location"] == tab_url(customer)


@pytest.mark.django_db
def test_delete_asks_once_then_records_history(
    client, customer, rep, private_storage, django_capture_on_commit_callbacks
):
    document = add(customer, rep, name="CNI Dupont.pdf", kind="identity")
    row = client.get(tab_url(customer), **HTMX).content.decode()
    assert 'hx-confirm="Supprimer « CNI Dupont.pdf » ?"' in row
    url = reverse("customers:document_delete", kwargs={"pk": document.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "documents-changed"
    assert "« CNI Dupont.pdf » supprimé." in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []
    event = AuditEvent.objects.get(action="delete", customer_id=customer.pk)
    assert event.actor == rep
    assert event.message == "Document supprimé : CNI Dupont.pdf (Pièce d'identité)"


@pytest.mark.django_db
def test_delete_needs_post(client, customer, rep):
    document = add(customer, rep)
    url = reverse("customers:document_delete", kwargs={"pk": document.pk})
    assert client.get(url).status_code == 405
    assert Document.objects.exists()


@pytest.mark.django_db
def test_history_of_an_upload_lists_only_what_a_person_reads(client, customer, rep):
    """The trail keeps the digest and MIME type; the Historique tab shows the name, type,
    site and size in words, and no digest, MIME type, storage path or empty field."""
    site = SiteFactory(customer=customer, name="Entrepôt de Montreuil")
    data = samples.pdf_bytes(("RIB",))
    post_file(client, customer, "RIB Dupont.pdf", data, site=site.pk)
    document = Document.objects.get()
    url = reverse("customers:tab_history", kwargs={"pk": customer.pk})
    html = client.get(url, **HTMX).content.decode()
    changes = html[html.index("<tbody>") : html.index("</tbody>")]
    labels = re.findall(r'class="app-change-label">([^<]*)<', changes)
    assert labels == ["Nom du fichier", "Site", "Type", "Taille"]
    assert "Entrepôt de Montreuil" in changes and "RIB Dupont.pdf" in changes
    assert file_size(len(data)) in changes and f">{len(data)}<" not in changes
    for technical in (document.sha256, "application/pdf", document.file.name, "SHA-256"):
        assert technical not in changes
