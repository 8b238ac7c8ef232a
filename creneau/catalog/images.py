"""Service images: checked by their content (not their name), size-limited, and re-encoded
small, so that a quote's PDF stays light and a file that only pretends to be an image
never reaches the storage."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Larger pictures are scaled down: a quote shows them at about 2 cm.
MAX_SIDE = 800


def max_upload_bytes() -> int:
    return int(getattr(settings, "CATALOG_IMAGE_MAX_BYTES", 5 * 1024 * 1024))


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile
    width: int
    height: int


def clean_image(upload) -> CleanImage:
    """Validate an uploaded file as an image and return it re-encoded (PNG or JPEG).

    Raises ValidationError (field "image") with a French message when the file is too big,
    is not an image, or is a format we do not take.
    """
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                "image": _("Image trop lourde : %(size)s Mo au plus.")
                % {"size": f"{limit / 1024 / 1024:g}".replace(".", ",")}
            }
        )
    upload.seek(0)
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            {"image": _("Ce fichier n'est pas une image (JPEG, PNG, WebP ou GIF).")}
        ) from error
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError({"image": _("Format d'image non accepté : JPEG, PNG, WebP ou GIF.")})
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    output = io.BytesIO()
    stem = Path(upload.name or "image").stem[:60] or "image"
    if has_alpha:
        image.convert("RGBA").save(output, format="PNG", optimize=True)
        name = f"{stem}.png"
    else:
        image.convert("RGB").save(output, format="JPEG", quality=85, optimize=True)
        name = f"{stem}.jpg"
    return CleanImage(
        content=ContentFile(output.getvalue(), name=name), width=image.width, height=image.height
    )
