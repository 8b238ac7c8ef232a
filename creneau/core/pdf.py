"""PDF documents: a Django template rendered to HTML, then to PDF, for every document.

Quotes, invoices, credit notes, reminders and certificates all call `render_pdf` with a
template that extends "core/print/base.html" (the shared print layout: company header,
recipient in the envelope window, legal mentions and page numbers on every page). The
HTML-to-PDF step is a `PdfRenderer`, chosen by settings.PDF_RENDERER, so that another
engine can replace WeasyPrint without touching the documents. See docs/pdf.md.
"""

from __future__ import annotations

import base64
import gc
import io
import logging
import mimetypes
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils._os import safe_join
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string

from creneau.core.models import Company

logger = logging.getLogger(__name__)

PRINT_STYLESHEET = Path(__file__).parent / "static" / "core" / "print.css"
# Relative URLs in documents resolve against this; the fetcher below answers only for the
# static files, so nothing is ever fetched from the network.
BASE_URL = "http://creneau.invalid/"
# Images are inlined at about 300 dpi for their printed size, no more.
LOGO_MAX_PIXELS = (900, 360)
IMAGE_MAX_PIXELS = (600, 600)


class PdfRenderer(Protocol):
    """Turns a complete HTML document into PDF bytes (A4; the page setup is in the CSS)."""

    def render(self, html: str, *, variant: str | None = None) -> bytes: ...


def _static_prefix() -> str:
    """STATIC_URL's path ("static/", "/static/" or "https://cdn/static/" -> "/static/")."""
    return "/" + urlsplit(settings.STATIC_URL).path.strip("/") + "/"


def local_static_file(url: str) -> Path | None:
    """The file behind a static URL (/static/css/x.css), if it exists; else None."""
    path = unquote(urlsplit(url).path)
    prefix = _static_prefix()
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    try:
        found = finders.find(relative) or safe_join(settings.STATIC_ROOT, relative)
    except SuspiciousFileOperation:  # "../" out of the static folders
        return None
    return Path(found) if Path(found).is_file() else None


def _local_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):
        """Answers data: URIs and static files; refuses everything else (no network)."""

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            found = local_static_file(url)
            if found is None:
                raise ValueError(f"Ressource non locale refusée dans un PDF : {url}")
            mimetype = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=found.read_bytes(), headers={"Content-Type": mimetype}
            )

    return LocalOnlyFetcher


class WeasyPrintRenderer:
    """WeasyPrint, with its font configuration and the print stylesheet loaded once.

    One instance per thread (see `pdf_renderer`): WeasyPrint's font configuration is not
    meant to be shared between threads.
    """

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.fetcher_class = _local_fetcher_class()
        self.font_config = FontConfiguration()
        self.stylesheets = [
            CSS(
                string=PRINT_STYLESHEET.read_text(encoding="utf-8"),
                base_url=BASE_URL,
                url_fetcher=self.fetcher_class(),
                font_config=self.font_config,
            )
        ]

    def render(self, html: str, *, variant: str | None = None) -> bytes:
        from weasyprint import HTML

        document = HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetcher_class())
        with _NoGarbageCollection():
            return document.write_pdf(
                stylesheets=self.stylesheets,
                font_config=self.font_config,
                pdf_variant=variant,
            )


_renderers = threading.local()
_gc_lock = threading.Lock()
_renders_running = 0


class _NoGarbageCollection:
    """Pause Python's cyclic garbage collector while WeasyPrint lays a document out.

    WeasyPrint allocates tens of thousands of short-lived boxes and styles per page, which
    trigger collections of the (large, long-lived) Django heap over and over: measured on
    a 10-line quote, about a quarter of the render time. Collection resumes as soon as the
    last concurrent render in the process ends; a counter keeps threads from resuming it
    under one another.
    """

    def __enter__(self) -> None:
        global _renders_running
        with _gc_lock:
            _renders_running += 1
            gc.disable()

    def __exit__(self, *exc_info: object) -> None:
        global _renders_running
        with _gc_lock:
            _renders_running -= 1
            if _renders_running == 0:
                gc.enable()


def pdf_renderer() -> PdfRenderer:
    """The renderer named by settings.PDF_RENDERER, built once per thread."""
    path = getattr(settings, "PDF_RENDERER", "creneau.core.pdf.WeasyPrintRenderer")
    renderer = getattr(_renderers, "instance", None)
    if renderer is None or getattr(_renderers, "path", None) != path:
        renderer = import_string(path)()
        _renderers.instance, _renderers.path = renderer, path
    return renderer


@lru_cache(maxsize=256)
def stored_image_data_uri(name: str, max_pixels: tuple[int, int] = IMAGE_MAX_PIXELS) -> str | None:
    """An image of the private storage as a data: URI for a document, or None if missing.

    Raster images larger than `max_pixels` are shrunk once to a PNG: a photo-sized image
    would slow down every PDF. Cached by file name: a stored file never changes under its
    name (a new upload gets a new name).
    """
    try:
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
    except (OSError, ValueError):
        logger.warning("Image %s is missing from the storage", name)
        return None
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if mimetype != "image/svg+xml":
        content, mimetype = _shrunk_image(content, mimetype, max_pixels)
    return f"data:{mimetype};base64,{base64.b64encode(content).decode('ascii')}"


@receiver(setting_changed)
def _forget_images_on_storage_change(*, setting: str, **kwargs: Any) -> None:
    # Tests swap the storage: a cached image of another storage must not leak in.
    if setting == "STORAGES":
        stored_image_data_uri.cache_clear()


def _shrunk_image(content: bytes, mimetype: str, max_pixels: tuple[int, int]) -> tuple[bytes, str]:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(content))
        if image.width <= max_pixels[0] and image.height <= max_pixels[1]:
            return content, mimetype
        image.thumbnail(max_pixels)
        output = io.BytesIO()
        if mimetype == "image/jpeg" and image.mode in ("RGB", "L", "CMYK"):
            image.save(output, format="JPEG", quality=85)
        else:  # PNG keeps transparency, and suits logos and drawings
            image.save(output, format="PNG")
            mimetype = "image/png"
    except (UnidentifiedImageError, OSError):
        return content, mimetype
    return output.getvalue(), mimetype


def company_logo_data_uri(company: Company) -> str | None:
    """The company's logo for documents, inlined (it is on the private storage), or None."""
    if not company.logo:
        return None
    return stored_image_data_uri(company.logo.name, LOGO_MAX_PIXELS)


def render_pdf(*, template_name: str, context: dict[str, Any], variant: str | None = None) -> bytes:
    """Render a document template (extending "core/print/base.html") to PDF bytes.

    The context gets `company` (Company.load()) and `company_logo` (a data: URI or None)
    unless it brings its own. Documents are written for French customers: the template
    renders in settings.LANGUAGE_CODE, whatever the interface language of the request,
    unless the context says `language`. `variant` is a WeasyPrint PDF variant
    ("pdf/a-3b" for Factur-X).
    """
    full_context = dict(context)
    company = full_context.setdefault("company", Company.load())
    full_context.setdefault("company_logo", company_logo_data_uri(company))
    with translation.override(full_context.get("language") or settings.LANGUAGE_CODE):
        html = render_to_string(template_name, full_context)
    return pdf_renderer().render(html, variant=variant)


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
