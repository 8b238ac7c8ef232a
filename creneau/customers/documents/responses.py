"""How a document's bytes go back to the browser (pages and API alike): streamed from
storage, with the type judged at upload, the original name properly encoded, and no
content sniffing."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse

from creneau.customers.documents.thumbnails import thumbnail_get_or_create
from creneau.customers.models import Document


def content_disposition(disposition: str, name: str) -> str:
    """`inline` or `attachment` with the name twice (RFC 6266): an ASCII fallback in
    `filename`, then the exact UTF-8 name percent-encoded in `filename*` (RFC 5987), which
    every current browser prefers."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r'[^\x20-\x7e]|["\\%]', "_", fallback).strip() or "document"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _secure(response: FileResponse, cache: str) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response


def document_file_response(document: Document, *, inline: bool = False) -> FileResponse:
    """The document's bytes, streamed. `inline` opens PDF and common images in the browser;
    other types (office files, HEIC) are always downloaded, as browsers cannot show them."""
    disposition = "inline" if inline and document.opens_inline else "attachment"
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    # FileResponse names the file after its storage path: replace that by the real name.
    response["Content-Disposition"] = content_disposition(disposition, document.name)
    # Identity cards and bank details: no shared cache may keep them.
    return _secure(response, "private, no-store")


def document_thumbnail_response(document: Document) -> FileResponse | None:
    """A small JPEG of an image document, or None when there is none to show."""
    name = thumbnail_get_or_create(document)
    if name is None:
        return None
    response = FileResponse(document.file.storage.open(name, "rb"), content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    # A document's bytes never change, so neither does its preview.
    return _secure(response, "private, max-age=86400")
