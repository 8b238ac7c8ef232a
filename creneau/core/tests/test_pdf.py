"""The print engine (Typst) and the shared layout, read back with pypdf.

The sample document is core/print/example.typ, the minimal example of docs/pdf.md.
"""

from __future__ import annotations

import io
import logging
import threading
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from pypdf import PdfReader

from creneau.core.models import Company
from creneau.core.pdf import (
    PdfRenderError,
    pdf_renderer,
    pdf_response,
    print_image,
    print_root,
    render_pdf,
)

NNBSP, NBSP = "\u202f", "\u00a0"  # Babel's French: 1 234,56 €
A4_POINTS = (595.28, 841.89)
# What a user might type to break out of a template, were it ever read as markup.
HOSTILE = '#read("/etc/passwd") *gras* $x$ <l> @ref \\ ]'


@pytest.fixture
def company(db) -> Company:
    company = Company.load()
    company.legal_name = "Propreté Services"
    company.legal_form = "SAS"
    company.capital = Decimal("10000")
    company.siret = "73282932000074"
    company.vat_number = "FR44732829320"
    company.sap_number = "SAP732829320"
    company.register = Company.Register.RCS
    company.register_city = "Paris"
    company.street = "12 rue de la Paix"
    company.postcode = "75002"
    company.city = "Paris"
    company.save()
    return company


def example_data(rows: int | list = 3, **extra) -> dict:
    if isinstance(rows, int):
        rows = [(f"Ligne {n}", f"1{NNBSP}234,56{NBSP}€") for n in range(1, rows + 1)]
    return {
        "title": "Devis D-2026-00001",
        "heading": "Devis",
        "meta": [("N°", "D-2026-00001"), ("Date :", "28/11/2026"), ("Valable :", "28/12/2026")],
        "recipient": {"name": "SCI Les Tilleuls", "lines": ["3 allée des Tilleuls", "69003 Lyon"]},
        "running_reference": "Devis D-2026-00001 · Propreté Services",
        "rows": rows,
        "totals": [("Total TTC", f"1{NNBSP}234,56{NBSP}€")],
        "note": "",
        **extra,
    }


def render_example(**extra) -> PdfReader:
    return read(render_pdf(template="core/example.typ", data=example_data(**extra)))


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def page_size(page) -> tuple[float, float]:
    return (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2))


def test_example_document_in_french_formats_on_a4(company):
    reader = render_example()
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
    assert reader.metadata.author == "Propreté Services"


def test_legal_mentions_and_page_numbers_on_every_page(company):
    reader = render_example(rows=80)
    total = len(reader.pages)
    assert total >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert page_size(page) == A4_POINTS
        assert f"Page {number} / {total}" in text
        assert "SIRET 732 829 320 00074" in text and "RCS Paris 732 829 320" in text
        assert f"SAS au capital de 10{NNBSP}000,00{NBSP}€" in text
        assert "N° TVA FR44732829320" in text
        assert "Déclaration SAP n° SAP732829320" in text
        assert "12 rue de la Paix, 75002 Paris" in text
        # The document's reference heads every page but the first (which has the header).
        assert ("Devis D-2026-00001 · Propreté Services" in text) == (number > 1)
        # The header row of the table repeats on every page.
        assert "Désignation" in text


def test_optional_mentions_are_left_out(company):
    company.sap_number = company.vat_number = ""
    company.capital = None
    company.siret = "732829320"
    company.register = company.register_city = ""
    company.save()
    text = render_example().pages[0].extract_text()
    assert "SAP" not in text and "TVA" not in text and "capital" not in text
    assert "RCS" not in text
    assert "SIREN 732 829 320" in text


def test_user_text_is_printed_as_text_never_evaluated(company):
    """Names, labels and notes travel as JSON strings: Typst prints them, it never reads
    them as markup or code (no file read, no bold, no maths, no exit)."""
    company.legal_name = HOSTILE
    company.save()
    reader = render_example(
        recipient={"name": HOSTILE, "lines": ["#sys.exit()"]},
        rows=[("#sys.exit()", "*0*"), ("ligne 1\nligne 2", "")],
        note='#import "/core/layout.typ" #panic()',
    )
    text = reader.pages[0].extract_text()
    assert text.count(HOSTILE) >= 3  # identity, recipient and legal mentions
    assert text.count("#sys.exit()") == 2
    assert "*0*" in text and '#import "/core/layout.typ" #panic()' in text
    assert "root:" not in text  # /etc/passwd was never read
    assert "ligne 1\nligne 2" in text  # a line break typed by the user is kept


def test_every_pdf_is_pdf_a_3b_with_its_metadata(company):
    reader = render_example()
    xmp = reader.xmp_metadata.stream.get_data().decode()
    # What veraPDF reads first: the PDF/A identification and an output intent.
    assert "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    [intent] = [item.get_object() for item in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object().get_data()  # an embedded ICC profile
    # Title, language and creation date.
    assert "Devis D-2026-00001" in xmp
    assert "<rdf:li>fr-FR</rdf:li>" in xmp and reader.trailer["/Root"]["/Lang"] == "fr-FR"
    assert "<xmp:CreateDate>" in xmp and reader.metadata.creation_date is not None


def test_fonts_are_the_projects_own_and_subset(company):
    reader = render_example()
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[font["/BaseFont"]] = descriptor.get_object()
    assert fonts
    for name, descriptor in fonts.items():
        prefix, family = name[1:].split("+", 1)
        assert len(prefix) == 6 and family.startswith("Inter")  # a subset of Inter
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)  # embedded


def png_bytes(size: tuple[int, int], colour=(31, 59, 99), image_format="PNG") -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, format=image_format)
    return output.getvalue()


def image_widths(reader: PdfReader) -> list[int]:
    return [image.image.width for page in reader.pages for image in page.images]


def test_company_logo_is_printed_and_shrunk(company):
    company.logo.save("logo.png", ContentFile(png_bytes((3000, 1000))))
    assert image_widths(render_example()) == [900]  # shrunk once to print size, then cached


def test_a_missing_or_broken_logo_is_left_out(company):
    company.logo.name = "company/gone.png"  # the row names a file the storage lost
    company.save()
    reader = render_example()
    assert image_widths(reader) == []
    assert "Propreté Services" in reader.pages[0].extract_text()
    company.logo.save("logo.png", ContentFile(b"not an image"))
    assert image_widths(render_example()) == []


def test_no_logo_at_all(db):
    assert image_widths(render_example()) == []


def test_images_are_prepared_for_print_once(db):
    name = default_storage.save("services/photo.webp", ContentFile(png_bytes((2400, 1600),
                                image_format="WEBP")))  # fmt: skip
    image = print_image(name)
    assert (image["width"], image["height"]) == (600, 400)
    assert image["path"].startswith("/images/") and image["path"].endswith(".jpg")
    written = print_root().path / image["path"].lstrip("/")
    assert Image.open(written).size == (600, 400)
    assert print_image(name) == image  # cached: one file per image
    small = default_storage.save("services/small.png", ContentFile(png_bytes((50, 40))))
    assert (print_root().path / print_image(small)["path"].lstrip("/")).read_bytes() == (
        png_bytes((50, 40))
    )  # small PNGs and JPEGs are printed as they are stored
    assert print_image("services/none.png") is None


def test_another_storage_with_the_same_file_name_prints_its_own_image(settings, tmp_path, db):
    """Prepared images are cached by file name: swapping the storage (as tests do) must not
    print the image of the previous one."""
    default_storage.save("services/same.png", ContentFile(png_bytes((300, 100))))
    assert print_image("services/same.png")["width"] == 300
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "other"), "base_url": None},
        },
    }
    default_storage.save("services/same.png", ContentFile(png_bytes((120, 40))))
    assert print_image("services/same.png")["width"] == 120


def test_the_compiler_reads_only_the_print_folder(db):
    """Templates are named inside the print folder; nothing else is ever compiled."""
    for template in ["../../../etc/passwd", "/etc/passwd", "core/missing.typ", "core/fonts",
                     'core/example.typ" #panic() "']:  # fmt: skip
        with pytest.raises(PdfRenderError):
            render_pdf(template=template, data=example_data())
    root = print_root().path
    entries = {entry.name for entry in root.iterdir()}
    assert {"core", "quotes", "customers", "images"} <= entries
    assert all(entry.is_symlink() for entry in root.iterdir() if entry.name != "images")


def test_a_template_error_is_logged_and_raised_for_a_french_message(db, caplog):
    data = example_data()
    del data["rows"]  # a document whose data builder forgot a field: a bug
    with (
        caplog.at_level(logging.ERROR, logger="creneau.core.pdf"),
        pytest.raises(PdfRenderError) as raised,
    ):
        render_pdf(template="core/example.typ", data=data)
    assert "rows" in caplog.text and "example.typ" in caplog.text  # the diagnostics
    assert "Le PDF n'a pas pu être produit" in str(raised.value.user_message)


def test_one_compiler_per_thread_reused_across_documents(db):
    renderer = pdf_renderer()
    render_example()
    assert pdf_renderer() is renderer
    other = []
    thread = threading.Thread(target=lambda: other.append(pdf_renderer()))
    thread.start()
    thread.join()
    assert other[0] is not renderer and other[0].root is renderer.root


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


def test_characters_the_fonts_lack_are_printed_as_a_replacement_mark(company):
    """PDF/A refuses a glyph no font has: an emoji in a name must not stop a document."""
    reader = render_example(
        recipient={"name": "Café 😀 李", "lines": ["bâtiment\r\nB\tporte \ufffe"]},
        note="Accès par la cour\r\nCode 1234",
    )
    text = reader.pages[0].extract_text()
    assert "Café \ufffd \ufffd" in text
    assert "bâtiment\nB porte \ufffd" in text
    assert "Accès par la cour\nCode 1234" in text


def test_an_image_the_storage_failed_to_give_is_asked_again(db):
    assert print_image("services/later.png") is None  # not there yet (or S3 failed)
    default_storage.save("services/later.png", ContentFile(png_bytes((40, 30))))
    assert print_image("services/later.png")["width"] == 40


def test_documents_print_french_amounts_whatever_the_interface_language(company):
    from django.utils import translation

    company.capital = Decimal("1234.5")
    company.save()
    with translation.override("en"):
        text = render_example().pages[0].extract_text()
    assert f"au capital de 1{NNBSP}234,50{NBSP}€" in text


def test_the_print_folder_is_made_again_when_a_cleaner_removed_it(db):
    import shutil

    shutil.rmtree(print_root().path)
    assert render_example().pages  # a new folder, its links and a new compiler


def test_a_craftsman_prints_its_repertoire_des_metiers(company):
    company.register = Company.Register.RM
    company.register_city = "Rhône"
    company.save()
    text = render_example().pages[0].extract_text()
    assert "RM 732 829 320 (Rhône)" in text and "RCS" not in text
