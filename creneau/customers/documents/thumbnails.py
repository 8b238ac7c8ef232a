"""Small JPEG previews of image documents, for the list.

Made on first request and kept in the same private storage beside the documents
(thumbnails/<customer id>/<random id>.jpg), deleted with the document. Generating them on
every request would decode a 12-megapixel photo (or a HEIC) each time a list is shown, by
every user; generating them at upload would make uploads slower and able to fail for a
preview. A document's bytes never change, so a thumbnail made once stays right.
"""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from creneau.customers.documents import files  # registers the HEIC opener
from creneau.customers.models import Document

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (160, 160)


def thumbnail_name(document: Document) -> str:
    stored = document.file.name or ""
    return "thumbnails/" + stored.removeprefix("documents/") + ".jpg"


def _render(document: Document) -> bytes:
    with document.file.open("rb") as source, Image.open(source) as image:
        # draft() lets the JPEG decoder produce a reduced image directly: far less work.
        image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMBNAIL_SIZE)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            background = Image.new("RGB", image.size, "white")
            background.paste(image, mask=image.getchannel("A"))
            image = background
        output = io.BytesIO()
        image.convert("RGB").save(output, format="JPEG", quality=80, optimize=True)
        return output.getvalue()


def thumbnail_get_or_create(document: Document) -> str | None:
    """The storage name of the document's thumbnail, made now if needed; None for a
    document that is not an image or whose image cannot be read."""
    if not document.is_image or document.content_type not in files.ACCEPTED_TYPES:
        return None
    storage = document.file.storage
    name = thumbnail_name(document)
    if storage.exists(name):
        return name
    try:
        content = _render(document)
    except Exception:  # a preview must never turn into an error page
        logger.warning("Could not make a thumbnail of document %s", document.pk, exc_info=True)
        return None
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # another request made it meanwhile: keep one
        storage.delete(saved)
    return name
