"""Small real files of every accepted type, and files that must be refused, built in memory
for the documents' tests (and the demo data's PDF)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from creneau.customers.documents.files import DOCX, ODS, ODT, XLSX


def pdf_bytes(lines: tuple[str, ...] = ("Document",)) -> bytes:
    """A minimal valid one-page PDF (correct cross-reference table) showing some text."""
    text = " ".join(f"({line}) Tj 0 -14 Td" for line in lines)
    stream = f"BT /F1 11 Tf 20 80 Td {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 120] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    output = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(output)


def image_bytes(image_format: str = "PNG", size=(40, 30), color=(30, 110, 200)) -> bytes:
    """An image in PNG, JPEG, WEBP or HEIF (HEIC) format."""
    from creneau.customers.documents import files  # noqa: F401 - registers the HEIC plugin

    mode = "RGBA" if image_format == "PNG" else "RGB"
    image = Image.new(mode, size, color)
    output = io.BytesIO()
    image.save(output, format=image_format)
    return output.getvalue()


def _zip(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            compress = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    return output.getvalue()


def _content_types(main_part: str, main_type: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels"'
        ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    ).encode()


def _root_rels(main_part: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{main_part}"/></Relationships>'
    ).encode()


def docx_bytes(main_type: str = f"{DOCX}.main+xml") -> bytes:
    body = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>Contrat</w:t></w:r></w:p></w:body></w:document>"
    )
    return _zip(
        [
            ("[Content_Types].xml", _content_types("word/document.xml", main_type)),
            ("_rels/.rels", _root_rels("word/document.xml")),
            ("word/document.xml", body),
        ]
    )


def docm_bytes() -> bytes:
    """A macro-enabled Word file: refused."""
    return docx_bytes("application/vnd.ms-word.document.macroEnabled.main+xml")


def xlsx_bytes() -> bytes:
    workbook = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData/></worksheet>"
    )
    return _zip(
        [
            ("[Content_Types].xml", _content_types("xl/workbook.xml", f"{XLSX}.main+xml")),
            ("_rels/.rels", _root_rels("xl/workbook.xml")),
            ("xl/workbook.xml", workbook),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
    )


def _odf(mimetype: str) -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    ).encode()
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' office:version="1.2"><office:body/></office:document-content>'
    )
    return _zip(
        [
            ("mimetype", mimetype.encode()),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", content),
        ],
        stored_first=True,
    )


def odt_bytes() -> bytes:
    return _odf(ODT)


def ods_bytes() -> bytes:
    return _odf(ODS)


def exe_bytes() -> bytes:
    """The start of a Windows executable (MZ header, PE signature)."""
    header = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    header[0x3C:0x40] = (0x80).to_bytes(4, "little")
    return bytes(header.ljust(0x80, b"\x00")) + b"PE\x00\x00" + b"\x00" * 512


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def plain_zip_bytes() -> bytes:
    return _zip([("notes.txt", b"hello")])


# Every accepted type: (name, bytes, content type the server must judge).
def accepted_samples() -> list[tuple[str, bytes, str]]:
    return [
        ("rib.pdf", pdf_bytes(), "application/pdf"),
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("plan.png", image_bytes("PNG"), "image/png"),
        ("facade.webp", image_bytes("WEBP"), "image/webp"),
        ("iphone.heic", image_bytes("HEIF"), "image/heic"),
        ("contrat.docx", docx_bytes(), DOCX),
        ("devis.xlsx", xlsx_bytes(), XLSX),
        ("courrier.odt", odt_bytes(), ODT),
        ("tableau.ods", ods_bytes(), ODS),
    ]


# Every refused type: (name, bytes).
def refused_samples() -> list[tuple[str, bytes]]:
    return [
        ("facture.pdf", exe_bytes()),
        ("page.html", HTML),
        ("logo.svg", SVG),
        ("archive.zip", plain_zip_bytes()),
        ("macro.docx", docm_bytes()),
        ("notes.txt", b"just some text\n"),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    ]


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)
