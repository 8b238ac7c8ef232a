"""What an uploaded document must be: an accepted type judged by its bytes (never by its
name or by what the browser claims), a size under the limit, and a cleaned name.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from creneau.core.file_sizes import file_size

try:  # HEIC (iPhone photos) is accepted only where a library can read it.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    HEIF_AVAILABLE = False

MAX_NAME_LENGTH = 255
# Room for the form's other fields and the multipart boundaries around one file.
MULTIPART_MARGIN = 64 * 1024
HEAD_SIZE = 8192
# How much of an office file's manifest is read: real ones are a few kilobytes.
MANIFEST_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]  # the first one is added to a name that has none of them
    label: str  # or a lazy translation
    icon: str  # a bootstrap-icons name


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

_TYPES = [
    FileType("application/pdf", ("pdf",), "PDF", "file-earmark-pdf"),
    FileType("image/jpeg", ("jpg", "jpeg", "jpe", "jfif"), "JPEG", "file-earmark-image"),
    FileType("image/png", ("png",), "PNG", "file-earmark-image"),
    FileType("image/webp", ("webp",), "WebP", "file-earmark-image"),
    FileType("image/heic", ("heic", "heif"), "HEIC", "file-earmark-image"),
    FileType(DOCX, ("docx",), "Word (docx)", "file-earmark-word"),
    FileType(XLSX, ("xlsx",), "Excel (xlsx)", "file-earmark-excel"),
    FileType(ODT, ("odt",), gettext_lazy("Texte OpenDocument (odt)"), "file-earmark-text"),
    FileType(
        ODS, ("ods",), gettext_lazy("Classeur OpenDocument (ods)"), "file-earmark-spreadsheet"
    ),
]
ACCEPTED_TYPES: dict[str, FileType] = {
    file_type.content_type: file_type
    for file_type in _TYPES
    if HEIF_AVAILABLE or file_type.content_type != "image/heic"
}
# The image formats Pillow must recognise for an image to be accepted.
# Some cameras write JPEGs that Pillow reads as MPO (multi-picture): still JPEG files.
PILLOW_FORMATS = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
# The main part's content type in an Office Open XML manifest ([Content_Types].xml).
# Macro-enabled (docm, xlsm) and template variants have other main types, so are refused.
OOXML_MAIN_PARTS = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
ODF_TYPES = {ODT, ODS}


def accepted_labels() -> str:
    return ", ".join(str(file_type.label) for file_type in ACCEPTED_TYPES.values())


def accepted_extensions() -> str:
    """For the file picker's `accept` attribute: a hint only, the server judges the bytes."""
    return ",".join(f".{ext}" for t in ACCEPTED_TYPES.values() for ext in t.extensions)


def file_type_of(content_type: str) -> FileType | None:
    return ACCEPTED_TYPES.get(content_type)


# --- Sizes -------------------------------------------------------------------------------


def max_upload_size() -> int:
    return settings.DOCUMENT_MAX_UPLOAD_SIZE


class FileTooLarge(ValidationError):
    """A file over DOCUMENT_MAX_UPLOAD_SIZE: the API answers 413 instead of 422."""


def too_large_error() -> FileTooLarge:
    message = _("Le fichier dépasse la taille maximale de %(limit)s.") % {
        "limit": file_size(max_upload_size())
    }
    return FileTooLarge({"file": [ValidationError(message, code="too_large")]})


def request_too_large(request: HttpRequest, files: int = 1) -> bool:
    """The declared body size says the upload is over the limit: refuse before reading it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_upload_size() * files + MULTIPART_MARGIN


class SizeLimitUploadHandler(FileUploadHandler):
    """Drops a file as soon as more than the limit has arrived, so that a body with no (or a
    false) Content-Length is never kept whole in memory or on disk. The names of the files
    dropped are in `skipped`."""

    def __init__(self, request: HttpRequest | None = None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = max_upload_size() if limit is None else limit
        self.skipped: list[str] = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.skipped.append(clean_name(self.file_name or ""))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers (memory or temporary file) build the file


def limit_upload_size(request: HttpRequest) -> SizeLimitUploadHandler:
    """Install the size limit before anything reads request.POST or request.FILES."""
    handler = SizeLimitUploadHandler(request)
    request.upload_handlers.insert(0, handler)
    return handler


# --- Names -------------------------------------------------------------------------------

# Characters that Windows refuses in a file name: replaced, so the name survives a download.
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
# Control, format (e.g. right-to-left override, used to disguise extensions), surrogate,
# private-use and line/paragraph separator characters. Stricter than the rule for other
# texts (core.text.strip_invisible, whose characters are all of the format category): a
# file name has no use for a soft hyphen or a line break either.
_REMOVED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
_EXTENSION = re.compile(r"^(.+?)(\.[A-Za-z0-9]{1,10})$")


def _split_extension(name: str) -> tuple[str, str]:
    match = _EXTENSION.match(name)
    return (match.group(1), match.group(2)) if match else (name, "")


def _truncate(name: str) -> str:
    if len(name) <= MAX_NAME_LENGTH:
        return name
    stem, extension = _split_extension(name)
    return stem[: MAX_NAME_LENGTH - len(extension)].rstrip(" .") + extension


def clean_name(raw: str) -> str:
    """A file name as given by a browser or a user, made safe to show and to download:
    no path parts (`../../etc/passwd` -> `passwd`), no control characters, no leading or
    trailing dots and spaces, at most 255 characters with the extension kept."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = "".join(char for char in name if unicodedata.category(char) not in _REMOVED_CATEGORIES)
    name = re.split(r"[/\\]", name)[-1]
    name = _WINDOWS_RESERVED.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    return _truncate(name or _("document"))


def name_with_extension(name: str, content_type: str) -> str:
    """The name, with the extension of its real type added if it does not already end
    with one, so that the downloaded file opens in the right program."""
    file_type = file_type_of(content_type)
    if file_type is None:
        return name
    _stem, extension = _split_extension(name)
    if extension[1:].lower() in file_type.extensions:
        return name
    extension = f".{file_type.extensions[0]}"
    return _truncate(name)[: MAX_NAME_LENGTH - len(extension)] + extension


# --- Types -------------------------------------------------------------------------------


def refused_type_error() -> ValidationError:
    message = _("Type de fichier non accepté. Types acceptés : %(types)s.") % {
        "types": accepted_labels()
    }
    return ValidationError({"file": [ValidationError(message, code="type")]})


def empty_file_error() -> ValidationError:
    return ValidationError({"file": [ValidationError(_("Le fichier est vide."), code="empty")]})


def _image_content_type(file) -> str:
    """Accept an image only if Pillow reads it as one of the accepted formats."""
    try:
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except Exception:  # any failure to parse means "not an image we accept"
        return ""
    return PILLOW_FORMATS.get(image_format or "", "")


def _office_content_type(file) -> str:
    """A zip is accepted only as docx/xlsx (from the [Content_Types].xml manifest) or
    odt/ods (from the `mimetype` entry); every other zip is refused."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                return declared if declared in ODF_TYPES else ""
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as entry:
                    manifest = entry.read(MANIFEST_MAX_BYTES)
                for main_part, content_type in OOXML_MAIN_PARTS.items():
                    if main_part in manifest:
                        return content_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError):
        return ""
    except (NotImplementedError, ValueError):  # unsupported compression, corrupt entries
        return ""
    return ""


def detect_content_type(file) -> str:
    """The content type of an uploaded file, judged from its bytes; raises a French
    ValidationError (on `file`) for an empty file or a type that is not accepted."""
    file.seek(0)
    head = file.read(HEAD_SIZE)
    file.seek(0)
    if not head:
        raise empty_file_error()
    if head.startswith(b"PK\x03\x04"):
        content_type = _office_content_type(file)
    else:
        guess = filetype.guess(head)
        content_type = guess.mime if guess else ""
        # Every HEIF brand (heic, heix, mif1...) starts with an ISO "ftyp" box; Pillow then
        # tells HEIC from AVIF or a video, which are refused.
        if content_type.startswith("image/") or head[4:8] == b"ftyp":
            content_type = _image_content_type(file)
    file.seek(0)
    if content_type not in ACCEPTED_TYPES:
        raise refused_type_error()
    return content_type
