"""The PDF renderer and the shared print layout, read back with pypdf."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfReader

from creneau.core.models import Company
from creneau.core.pdf import (
    _local_fetcher_class,
    local_static_file,
    pdf_renderer,
    pdf_response,
    render_pdf,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
NNBSP, NBSP = "\u202f", "\u00a0"  # Babel's French: 1 234,56 €
A4_POINTS = (595.28, 841.89)


@pytest.fixture
def sample_templates(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_DIR]}
    ]


@pytest.fixture
def company(db) -> Company:
    company = Company.load()
    company.legal_name = "Propreté Services"
    company.legal_form = "SAS"
    company.capital = Decimal("10000")
    company.siret = "73282932000074"
    company.vat_number = "FR44732829320"
    company.sap_number = "SAP732829320"
    company.street = "12 rue de la Paix"
    company.postcode = "75002"
    company.city = "Paris"
    company.save()
    return company


def sample_context(rows: int = 3, **extra) -> dict:
    return {
        "number": "D-2026-00001",
        "day": datetime.date(2026, 11, 28),
        "valid_until": datetime.date(2026, 12, 28),
        "customer_name": "SCI Les Tilleuls",
        "customer_lines": ["3 allée des Tilleuls", "69003 Lyon"],
        "rows": range(rows),
        "amount": Decimal("1234.56"),
        **extra,
    }


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def page_size(page) -> tuple[float, float]:
    return (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2))


def test_sample_document_in_french_formats_on_a4(sample_templates, company):
    reader = read(render_pdf(template_name="pdf_sample.html", context=sample_context()))
    assert len(reader.pages) == 1
    assert page_size(reader.pages[0]) == A4_POINTS
    text = reader.pages[0].extract_text()
    assert f"1{NNBSP}234,56{NBSP}€" in text
    assert "28/11/2026" in text and "28/12/2026" in text
    assert "D-2026-00001" in text
    assert "SCI Les Tilleuls" in text and "69003 Lyon" in text
    assert "Propreté Services" in text
    assert "Page 1 / 1" in text
    assert reader.metadata.title == "Devis D-2026-00001"


def test_legal_mentions_and_page_numbers_on_every_page(sample_templates, company):
    reader = read(render_pdf(template_name="pdf_sample.html", context=sample_context(rows=60)))
    assert len(reader.pages) >= 2
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert page_size(page) == A4_POINTS
        assert f"Page {number} / {total}" in text
        assert "SIRET 732 829 320 00074" in text
        assert "SAS au capital de 10" in text
        assert "N° TVA FR44732829320" in text
        assert "Déclaration SAP n° SAP732829320" in text
        assert "12 rue de la Paix, 75002 Paris" in text
        # The document's reference heads every page but the first (which has the header).
        assert ("Devis D-2026-00001 · Propreté Services" in text) == (number > 1)


def test_optional_mentions_are_left_out(sample_templates, company):
    company.sap_number = company.vat_number = ""
    company.capital = None
    company.save()
    text = read(render_pdf(template_name="pdf_sample.html", context=sample_context()))
    text = text.pages[0].extract_text()
    assert "SAP" not in text and "TVA" not in text and "capital" not in text


def image_count(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def png_bytes(size: tuple[int, int]) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (31, 59, 99)).save(output, format="PNG")
    return output.getvalue()


def test_company_logo_is_printed_and_shrunk(sample_templates, company):
    company.logo.save("logo.png", ContentFile(png_bytes((3000, 1000))))
    reader = read(render_pdf(template_name="pdf_sample.html", context=sample_context()))
    [image] = reader.pages[0].images
    assert image.image.width <= 900  # a photo-sized logo is shrunk once, then cached


def test_missing_logo_file_still_renders(sample_templates, company):
    company.logo.name = "company/gone.png"  # the row names a file the storage lost
    company.save()
    reader = read(render_pdf(template_name="pdf_sample.html", context=sample_context()))
    assert image_count(reader) == 0
    assert "Propreté Services" in reader.pages[0].extract_text()


def test_no_logo_at_all(sample_templates, db):
    reader = read(render_pdf(template_name="pdf_sample.html", context=sample_context()))
    assert image_count(reader) == 0


def test_external_resources_are_never_fetched(sample_templates, company, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF renderer tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    context = sample_context(external=True)
    reader = read(render_pdf(template_name="pdf_sample.html", context=context))
    assert image_count(reader) == 0


def test_local_fetcher_serves_static_files_only():
    fetcher = _local_fetcher_class()()
    response = fetcher.fetch("http://creneau.invalid/static/core/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    # A static path on another host is answered from the disk too: still no network.
    assert b"@page" in fetcher.fetch("https://example.com/static/core/print.css").read()
    for url in [
        "http://creneau.invalid/static/../../config/settings.py",
        "http://creneau.invalid/static/%2e%2e/%2e%2e/config/settings.py",
        "file:///etc/passwd",
        "http://creneau.invalid/media/x.png",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert local_static_file("/static/core/missing.css") is None


def test_renderer_is_chosen_by_setting(settings, sample_templates, company):
    settings.PDF_RENDERER = "creneau.core.tests.test_pdf.FakeRenderer"
    assert isinstance(pdf_renderer(), FakeRenderer)
    pdf = render_pdf(template_name="pdf_sample.html", context=sample_context())
    assert pdf.startswith(b"%FAKE") and "Propreté Services".encode() in pdf


class FakeRenderer:
    """Another engine behind the same interface: here, the HTML itself."""

    def render(self, html: str, *, variant: str | None = None) -> bytes:
        return b"%FAKE" + html.encode()


def test_english_interface_still_prints_french(sample_templates, company):
    from django.utils import translation

    with translation.override("en"):
        pdf = render_pdf(template_name="pdf_sample.html", context=sample_context())
    text = read(pdf).pages[0].extract_text()
    assert f"1{NNBSP}234,56{NBSP}€" in text and "Page 1 / 1" in text


@pytest.mark.parametrize(
    ("inline", "disposition"),
    [
        (True, "inline; filename*=utf-8''Devis%20D-2026-00001%20%C3%A9t%C3%A9.pdf"),
        (False, "attachment; filename*=utf-8''Devis%20D-2026-00001%20%C3%A9t%C3%A9.pdf"),
    ],
)
def test_pdf_response_headers(inline, disposition):
    response = pdf_response(b"%PDF-1.7 test", "Devis D-2026-00001 été.pdf", inline=inline)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == "13"
    assert "no-store" in response["Cache-Control"]
    assert response.content == b"%PDF-1.7 test"


def test_pdf_response_ascii_name():
    response = pdf_response(b"%PDF", "facture-F-2026-00001.pdf", inline=False)
    assert response["Content-Disposition"] == 'attachment; filename="facture-F-2026-00001.pdf"'


def test_stored_images_are_shrunk_signed_and_missing_ones_skipped(db):
    from django.core.files.storage import default_storage

    from creneau.core.pdf import stored_image_url

    output = io.BytesIO()
    Image.new("RGB", (2400, 1600), (200, 120, 40)).save(output, format="JPEG")
    name = default_storage.save("services/photo.jpg", ContentFile(output.getvalue()))
    url = stored_image_url(name)
    assert url == stored_image_url(name)  # one URL per image: WeasyPrint caches by URL
    response = _local_fetcher_class()().fetch(url)
    assert response.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(response.read())).size == (600, 400)
    assert stored_image_url("services/none.png") is None


def test_fetcher_refuses_a_stored_image_url_it_did_not_sign(db):
    from django.core import signing
    from django.core.files.storage import default_storage

    from creneau.core.pdf import STORED_IMAGE_SCHEME

    name = default_storage.save("documents/1/secret.png", ContentFile(png_bytes((10, 10))))
    forged = STORED_IMAGE_SCHEME + signing.Signer(salt="another").sign_object([name, 600, 600])
    for url in [forged, STORED_IMAGE_SCHEME + name, STORED_IMAGE_SCHEME]:
        with pytest.raises(ValueError):
            _local_fetcher_class()().fetch(url)


def test_images_are_decoded_once_per_renderer(sample_templates, company):
    from creneau.core.pdf import pdf_renderer

    company.logo.save("logo.png", ContentFile(png_bytes((300, 100))))
    for _ in range(2):
        reader = read(render_pdf(template_name="pdf_sample.html", context=sample_context()))
        assert len(reader.pages[0].images) == 1
    assert list(pdf_renderer().image_cache)  # kept for the next document


def test_a_replaced_logo_is_printed_at_once(sample_templates, company):
    company.logo.save("logo.png", ContentFile(png_bytes((300, 100))))
    render_pdf(template_name="pdf_sample.html", context=sample_context())
    company.logo.delete(save=True)  # the same file name is free again
    company.logo.save("logo.png", ContentFile(png_bytes((120, 40))))
    reader = read(render_pdf(template_name="pdf_sample.html", context=sample_context()))
    [image] = reader.pages[0].images
    assert image.image.width == 120


def test_the_font_subsetter_is_installed():
    from creneau.core.checks import pdf_font_subsetter_check

    assert pdf_font_subsetter_check() == []  # .ci/run installs libharfbuzz-subset0


def test_another_storage_with_the_same_file_name_prints_its_own_image(settings, tmp_path, db):
    """The renderer's caches are keyed by file name: swapping the storage (as tests do)
    must not print the image of the previous one."""
    from django.core.files.storage import default_storage

    from creneau.core.pdf import stored_image_url

    def printed_width() -> int:
        url = stored_image_url("services/same.png")
        html = f'<html><body><img src="{url}" style="width: 20mm"></body></html>'
        [image] = read(pdf_renderer().render(html)).pages[0].images
        return image.image.width

    default_storage.save("services/same.png", ContentFile(png_bytes((300, 100))))
    assert printed_width() == 300
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "other"), "base_url": None},
        },
    }
    default_storage.save("services/same.png", ContentFile(png_bytes((120, 40))))
    assert printed_width() == 120


def test_a_failed_image_is_not_kept_across_documents(db):
    from creneau.core.pdf import STORED_IMAGE_SCHEME

    renderer = pdf_renderer()
    html = f'<html><body><img src="{STORED_IMAGE_SCHEME}forged"></body></html>'
    renderer.render(html)
    assert None not in renderer.image_cache.values()
