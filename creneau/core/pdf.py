"""PDF documents: a Typst template and the JSON data it prints, for every document.

Quotes, invoices, credit notes, reminders and certificates all call `render_pdf` with a
template (`<app>/<name>.typ`, kept in the app's `print/` folder) and a dict of data that
Python has already formatted (amounts, dates, SIRET). Templates import the shared layout,
`/core/layout.typ`: company header, recipient in the envelope window, running reference,
legal mentions and page numbers on every page. Every PDF is PDF/A-3b. See docs/pdf.md.

The compiler reads only a print folder made for this process: a link to each app's
`print/` folder, and the images prepared for print (`print_image`). Fonts are the
project's own (core/print/fonts), never the machine's. User text travels as JSON strings
and is printed as text: nothing the user types is ever evaluated as Typst markup.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import typst
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from creneau.core.models import Company
from creneau.core.templatetags.creneau import money, phone, siret

logger = logging.getLogger(__name__)

FONTS_DIR = Path(__file__).parent / "print" / "fonts"
PRINT_FOLDER = "print"
IMAGES_FOLDER = "images"  # in the print root, beside the apps' links
# Images are printed at about 300 dpi for their printed size, no more.
LOGO_MAX_PIXELS = (900, 360)
IMAGE_MAX_PIXELS = (600, 600)
# Every document is PDF/A-3b: archivable, and the base of a Factur-X invoice.
PDF_STANDARD = "a-3b"
# "<app label>/<name>.typ": a template is named from the print folder, nothing else.
TEMPLATE_NAME = re.compile(r"[a-z0-9_]+/[a-z0-9_-]+\.typ")
# Images printed as they are stored (other formats, and large images, are re-encoded).
PRINTED_FORMATS = {"PNG": "png", "JPEG": "jpg"}


class PdfRenderError(Exception):
    """A document could not be laid out: a bug in a template or its data, never the user's.

    The diagnostics are logged; the user is told in French, and nothing is stored or sent.
    """

    user_message = _(
        "Le PDF n'a pas pu être produit. L'erreur est enregistrée pour l'équipe technique ; "
        "rien n'a été enregistré ni envoyé."
    )


# What the fonts cannot draw is printed as U+FFFD: PDF/A refuses a glyph that no font has,
# and one emoji in a customer's name must not stop its quote from being numbered.
REPLACEMENT_CHARACTER = "\ufffd"


@lru_cache(maxsize=1)
def _printable_characters() -> frozenset[str]:
    from fontTools.ttLib import TTFont

    characters = {"\n"}
    for font_file in FONTS_DIR.glob("*.otf"):
        with TTFont(font_file, lazy=True) as font:
            characters.update(map(chr, font.getBestCmap()))
    return frozenset(characters)


def printable(value: Any) -> Any:
    """The data with every character that the fonts lack replaced by U+FFFD."""
    if isinstance(value, str):
        if value.isascii() and value.isprintable():
            return value
        characters = _printable_characters()
        text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        if characters.issuperset(text):  # nearly always: French text, amounts
            return text
        return "".join(c if c in characters else REPLACEMENT_CHARACTER for c in text)
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    return value


class PrintRoot:
    """The one folder the compiler may read, made once per process.

    `<app_label>/` links to each installed app's `print/` folder (templates, and the shared
    layout in `core/`); `images/` holds the images prepared for print, named by their
    content's hash, so a name never changes content. Removed when the process exits.
    """

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="creneau-print-"))
        (self.path / IMAGES_FOLDER).mkdir()
        for app_config in apps.get_app_configs():
            folder = Path(app_config.path) / PRINT_FOLDER
            if folder.is_dir() and app_config.label != IMAGES_FOLDER:
                (self.path / app_config.label).symlink_to(folder, target_is_directory=True)
        self.pid = os.getpid()
        atexit.register(self.remove)

    def remove(self) -> None:
        if os.getpid() == self.pid:  # a forked child leaves its parent's folder alone
            shutil.rmtree(self.path, ignore_errors=True)

    def add_image(self, content: bytes, extension: str) -> str:
        """Write an image for print once; returns its path as templates name it."""
        name = f"{hashlib.sha256(content).hexdigest()[:32]}.{extension}"
        target = self.path / IMAGES_FOLDER / name
        if not target.exists():
            partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
            partial.write_bytes(content)
            partial.replace(target)  # atomic: another thread never reads half a file
        return f"/{IMAGES_FOLDER}/{name}"


_root_lock = threading.Lock()
_root: PrintRoot | None = None


def print_root() -> PrintRoot:
    global _root
    with _root_lock:
        # A temporary-files cleaner may have removed the folder or its links: made again.
        if _root is None or not (_root.path / "core" / "layout.typ").is_file():
            _root = PrintRoot()
        return _root


class TypstRenderer:
    """A Typst compiler with the project's fonts, kept and reused across documents.

    One per thread (see `pdf_renderer`): the compiler keeps its fonts, parsed templates and
    decoded images between documents, which is what makes a PDF take milliseconds.
    """

    def __init__(self) -> None:
        self.root = print_root()
        self.compiler = typst.Compiler(
            root=str(self.root.path),
            font_paths=[str(FONTS_DIR)],
            ignore_system_fonts=True,  # the same output on every machine
        )

    def render(self, template: str, data: dict[str, Any], *, created: datetime.datetime) -> bytes:
        if not TEMPLATE_NAME.fullmatch(template) or not (self.root.path / template).is_file():
            raise PdfRenderError(f"Unknown print template: {template}")
        try:
            return self.compiler.compile(
                # The template is included from a one-line main file: the compiler checks
                # that a main file's real path lies in the root, which a linked app folder
                # does not; included files are read through the links.
                input=f'#include "/{template}"'.encode(),
                root=str(self.root.path),
                sys_inputs={"data": json.dumps(data, default=str)},
                pdf_standards=PDF_STANDARD,
                timestamp=created,
            )
        except typst.TypstError as error:
            logger.error(
                "Typst could not lay out %s: %s\n%s\nhints: %s\ntrace: %s",
                template,
                error.message,
                error.diagnostic,
                error.hints,
                error.trace,
            )
            raise PdfRenderError(f"{template}: {error.message}") from error


_renderers = threading.local()


def pdf_renderer() -> TypstRenderer:
    """This thread's renderer, made on first use."""
    renderer = getattr(_renderers, "instance", None)
    if renderer is None or renderer.root is not print_root():
        renderer = _renderers.instance = TypstRenderer()
    return renderer


def print_image(name: str, max_pixels: tuple[int, int] = IMAGE_MAX_PIXELS) -> dict[str, Any] | None:
    """An image of the private storage, prepared for print, as a template reads it:
    `{"path": ..., "width": pixels, "height": pixels}`; None if the file is missing or is
    not an image (the document prints without it).

    Images larger than `max_pixels` are shrunk once, and every image is written as PNG or
    JPEG. Cached by file name: a stored file never changes under its name (a new upload
    gets a new name).
    """
    try:
        content, extension, (width, height) = _prepared_image(name, tuple(max_pixels))
    except _ImageUnavailable:
        return None
    return {"path": print_root().add_image(content, extension), "width": width, "height": height}


class _ImageUnavailable(Exception):
    """Raised rather than returned, so that the cache keeps successes only: a storage that
    failed once (S3 hiccup) is asked again for the next document."""


@lru_cache(maxsize=256)
def _prepared_image(name: str, max_pixels: tuple[int, int]) -> tuple[bytes, str, tuple[int, int]]:
    from PIL import Image, UnidentifiedImageError

    try:
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
    except (OSError, ValueError):
        logger.warning("Image %s is missing from the storage", name)
        raise _ImageUnavailable(name) from None
    try:
        image = Image.open(io.BytesIO(content))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        logger.warning("Image %s cannot be read for print", name)
        raise _ImageUnavailable(name) from None
    small_enough = image.width <= max_pixels[0] and image.height <= max_pixels[1]
    if image.format in PRINTED_FORMATS and small_enough:
        return content, PRINTED_FORMATS[image.format], image.size
    image.thumbnail(max_pixels)
    output = io.BytesIO()
    if image.mode in ("RGB", "L"):
        image.save(output, format="JPEG", quality=85)
        return output.getvalue(), "jpg", image.size
    image.convert("RGBA").save(output, format="PNG")  # keeps transparency: logos, drawings
    return output.getvalue(), "png", image.size


@receiver(setting_changed)
def _forget_images_on_storage_change(*, setting: str, **kwargs: Any) -> None:
    # Tests swap the storage: an image cached from another storage must not be printed.
    if setting == "STORAGES":
        _prepared_image.cache_clear()


def legal_mentions(company: Company) -> list[str]:
    """The mentions printed at the foot of every page, in the order the law lists them."""
    identity = company.legal_name
    if company.legal_form:
        identity += f", {company.legal_form}"
    if company.capital is not None:
        identity += f" au capital de {money(company.capital)}"
    mentions = [identity]
    if company.address_lines:
        mentions.append(", ".join(company.address_lines))
    if company.siret:
        kind = "SIREN" if len(company.siret) == 9 else "SIRET"
        mentions.append(f"{kind} {siret(company.siret)}")
    if company.registration:
        mentions.append(company.registration)
    if company.vat_number:
        mentions.append(f"N° TVA {company.vat_number}")
    if company.sap_number:
        mentions.append(f"Déclaration SAP n° {company.sap_number}")
    return mentions


def company_print_data(company: Company) -> dict[str, Any]:
    """The company as the shared layout prints it: identity top left, mentions below."""
    return {
        "name": company.legal_name,
        "address_lines": company.address_lines,
        "phone": f"Tél. {phone(company.phone)}" if company.phone else "",
        "email": company.email,
        "logo": print_image(company.logo.name, LOGO_MAX_PIXELS) if company.logo else None,
        "legal_mentions": legal_mentions(company),
    }


def render_pdf(*, template: str, data: dict[str, Any], company: Company | None = None) -> bytes:
    """Lay out a document (`"quotes/quote.typ"`) with its data, as PDF/A-3b bytes.

    `data` holds what the template prints, already formatted as text; the layout reads
    `title`, `heading`, `meta`, `recipient` and `running_reference` from it (docs/pdf.md).
    `company` (the printed identity; Company.load() by default) is added as
    `data["company"]`. Raises PdfRenderError when the template fails: a bug, logged.
    """
    company = company or Company.load()
    with translation.override("fr"):
        document = printable({**data, "company": company_print_data(company)})
    # Typst wants a fixed offset (+01:00), not a zone: the PDF's creation date, local time.
    now = timezone.localtime().replace(microsecond=0)
    created = now.astimezone(datetime.timezone(now.utcoffset()))
    return pdf_renderer().render(template, document, created=created)


def pdf_response(pdf: bytes, filename: str, inline: bool = True) -> HttpResponse:
    """An HTTP response carrying a PDF, shown in the browser (inline) or downloaded.

    The file name may hold accents: it is sent in RFC 6266/5987 form (filename*=utf-8'').
    """
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["Content-Length"] = str(len(pdf))
    response["X-Content-Type-Options"] = "nosniff"
    # Customer documents: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response
