"""PDF documents: a Django template rendered to HTML, then to PDF, for every document.

Quotes, invoices, credit notes, reminders and certificates all call `render_pdf` with a
template that extends "core/print/base.html" (the shared print layout: company header,
recipient in the envelope window, legal mentions and page numbers on every page). The
HTML-to-PDF step is a `PdfRenderer`, chosen by settings.PDF_RENDERER, so that another
engine can replace WeasyPrint without touching the documents. See docs/pdf.md.
"""

from __future__ import annotations

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
from django.core import signing
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
# static files and the signed images of the storage: nothing is fetched from the network.
BASE_URL = "http://creneau.invalid/"
# Images are printed at about 300 dpi for their printed size, no more.
LOGO_MAX_PIXELS = (900, 360)
IMAGE_MAX_PIXELS = (600, 600)
# Images of the private storage are named in documents by this scheme and a signed token
# (see stored_image_url): the fetcher answers only the tokens the application signed.
STORED_IMAGE_SCHEME = "creneau-image:"
STORED_IMAGE_SALT = "creneau.core.pdf.stored_image"
# Decoded images kept by each renderer across documents (WeasyPrint's own image cache).
IMAGE_CACHE_ENTRIES = 512


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
        """Answers data: URIs, static files and the images of the private storage that a
        document names through stored_image_url; refuses everything else (no network)."""

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(STORED_IMAGE_SCHEME):
                content, mimetype = _stored_image_for_url(url)
                return URLFetcherResponse(url, body=content, headers={"Content-Type": mimetype})
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
    meant to be shared between threads. Decoded images are kept across documents in
    WeasyPrint's image cache: a service's photo is decoded once, not once per quote.
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
        self.image_cache: dict = {}
        self.storage_generation = _storage_generation

    def render(self, html: str, *, variant: str | None = None) -> bytes:
        from weasyprint import HTML

        document = HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetcher_class())
        if (
            len(self.image_cache) > IMAGE_CACHE_ENTRIES
            or self.storage_generation != _storage_generation
        ):
            self.image_cache.clear()
            self.storage_generation = _storage_generation
        try:
            with _NoGarbageCollection():
                return document.write_pdf(
                    stylesheets=self.stylesheets,
                    font_config=self.font_config,
                    pdf_variant=variant,
                    cache=self.image_cache,
                )
        finally:
            self._keep_raster_images_only()

    def _keep_raster_images_only(self) -> None:
        # WeasyPrint also caches failed fetches (None), which must be retried next time,
        # and SVG images, which hold the whole layout of the document that loaded them.
        from weasyprint.images import SVGImage

        for key, value in list(self.image_cache.items()):
            if value is None or isinstance(value, SVGImage):
                del self.image_cache[key]


_renderers = threading.local()
# Bumped when the storage changes (tests): every renderer then forgets its images.
_storage_generation = 0
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


def stored_image_url(name: str, max_pixels: tuple[int, int] = IMAGE_MAX_PIXELS) -> str | None:
    """An image of the private storage for a document's <img src>, or None if missing.

    The private storage has no public URL: the document names the image by a signed
    token, which the renderer's fetcher answers from the storage. Raster images larger
    than `max_pixels` are shrunk once (a photo-sized image would slow down every PDF).
    Cached by file name: a stored file never changes under its name (a new upload gets
    a new name), so each renderer also keeps the decoded image across documents.
    """
    if _stored_image(name, tuple(max_pixels)) is None:
        return None
    # Signer, not signing.dumps: no timestamp, so an image keeps one URL (the cache key).
    token = signing.Signer(salt=STORED_IMAGE_SALT).sign_object([name, *max_pixels])
    return STORED_IMAGE_SCHEME + token


def _stored_image_for_url(url: str) -> tuple[bytes, str]:
    try:
        signer = signing.Signer(salt=STORED_IMAGE_SALT)
        name, width, height = signer.unsign_object(url.removeprefix(STORED_IMAGE_SCHEME))
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise ValueError(f"Image non signée refusée dans un PDF : {url}") from error
    image = _stored_image(name, (width, height))
    if image is None:
        raise ValueError(f"Image absente du stockage : {name}")
    return image


@lru_cache(maxsize=256)
def _stored_image(name: str, max_pixels: tuple[int, int]) -> tuple[bytes, str] | None:
    try:
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
    except (OSError, ValueError):
        logger.warning("Image %s is missing from the storage", name)
        return None
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if mimetype != "image/svg+xml":
        content, mimetype = _shrunk_image(content, mimetype, max_pixels)
    return content, mimetype


@receiver(setting_changed)
def _forget_images_on_storage_change(*, setting: str, **kwargs: Any) -> None:
    # Tests swap the storage: a cached image of another storage must not leak in.
    if setting == "STORAGES":
        _stored_image.cache_clear()
        global _storage_generation
        _storage_generation += 1


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


def company_logo_url(company: Company) -> str | None:
    """The company's logo for documents (see stored_image_url), or None."""
    if not company.logo:
        return None
    return stored_image_url(company.logo.name, LOGO_MAX_PIXELS)


def render_pdf(*, template_name: str, context: dict[str, Any], variant: str | None = None) -> bytes:
    """Render a document template (extending "core/print/base.html") to PDF bytes.

    The context gets `company` (Company.load()) and `company_logo` (see stored_image_url, or None)
    unless it brings its own. Documents are written for French customers: the template
    renders in settings.LANGUAGE_CODE, whatever the interface language of the request,
    unless the context says `language`. `variant` is a WeasyPrint PDF variant
    ("pdf/a-3b" for Factur-X).
    """
    full_context = dict(context)
    company = full_context.setdefault("company", Company.load())
    full_context.setdefault("company_logo", company_logo_url(company))
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
