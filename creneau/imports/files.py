"""The uploaded file: its kind and encoding detected, turned once into a UTF-8 CSV in
private storage, then read row by row (never all rows at once).

An .xlsx is read once with openpyxl's read-only mode at upload; every later pass (the
preview, the import) reads the CSV, several times faster than the workbook.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

MAX_BYTES = getattr(settings, "IMPORT_MAX_BYTES", 100 * 1024 * 1024)
MAX_ROWS = 500_000
MAX_COLUMNS = 200
MAX_HEADER_LENGTH = 100
CHUNK = 1024 * 1024
DELIMITERS = ";,\t|"


@dataclass
class StoredFile:
    path: str
    kind: str
    encoding: str
    delimiter: str
    headers: list[str]
    row_count: int


def _headers(raw: list[Any]) -> list[str]:
    """Column names, each one non-empty and unique ("Colonne 3", "Ville (2)")."""
    headers: list[str] = []
    raw = list(raw)
    while raw and (raw[-1] is None or not str(raw[-1]).strip()):
        raw.pop()  # a workbook's row runs to its widest column
    for index, value in enumerate(raw, start=1):
        name = " ".join(str(value if value is not None else "").split())[:MAX_HEADER_LENGTH]
        name = name or _("Colonne %(number)s") % {"number": index}
        candidate, copy = name, 2
        while candidate in headers:
            candidate, copy = f"{name} ({copy})", copy + 1
        headers.append(candidate)
    if not headers:
        raise ValidationError(_("Le fichier est vide : aucune ligne d'en-têtes."))
    if len(headers) > MAX_COLUMNS:
        raise ValidationError(
            _("Le fichier a trop de colonnes (%(max)s au plus).") % {"max": MAX_COLUMNS}
        )
    return headers


def _cell(value: Any) -> str:
    """A spreadsheet cell as text: dates in French, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _detect_encoding(upload: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) when every byte decodes so, else Windows-1252."""
    upload.seek(0)
    start = upload.read(3)
    if start == codecs.BOM_UTF8:
        return "utf-8-sig"
    upload.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := upload.read(CHUNK):
            if b"\x00" in chunk:
                raise ValidationError(_("Ce fichier n'est ni un CSV ni un classeur Excel (.xlsx)."))
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def _write_rows(rows: Iterator[list[Any]], out: IO[str]) -> tuple[list[str], int]:
    writer = csv.writer(out)
    headers = _headers(next(rows, []))
    # The first column is the row's number in the uploaded file, so that the report names
    # the row the user sees in the spreadsheet, blank rows skipped or not.
    writer.writerow(["", *headers])
    count = 0
    for number, row in enumerate(rows, start=2):
        cells = [_cell(value) for value in row[: len(headers)]]
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ValidationError(
                _("Le fichier a trop de lignes (%(max)s au plus).") % {"max": MAX_ROWS}
            )
        writer.writerow([number, *cells])
    return headers, count


def _csv_rows(upload: IO[bytes], encoding: str) -> tuple[Iterator[list[str]], str]:
    upload.seek(0)
    text = io.TextIOWrapper(upload, encoding=encoding, errors="strict", newline="")
    sample = text.read(64 * 1024)
    delimiter = _sniff_delimiter(sample)
    text.seek(0)
    return csv.reader(text, delimiter=delimiter), delimiter


def _xlsx_rows(upload: IO[bytes]) -> Iterator[list[Any]]:
    import openpyxl

    upload.seek(0)
    try:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise ValidationError(_("Ce classeur Excel est illisible.")) from error
    sheet = workbook.worksheets[0]
    try:
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            yield list(row)
    finally:
        workbook.close()


def file_store(*, upload: IO[bytes], name: str, size: int) -> StoredFile:
    """Check the upload (size, kind), turn it into a UTF-8 CSV and store it privately."""
    if size > MAX_BYTES:
        raise ValidationError(
            _("Le fichier dépasse %(max)s Mo.") % {"max": MAX_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise ValidationError(_("Le fichier est vide."))
    upload.seek(0)
    is_xlsx = upload.read(4) == b"PK\x03\x04"
    if is_xlsx and not name.lower().endswith((".xlsx", ".xlsm")):
        raise ValidationError(_("Ce fichier n'est ni un CSV ni un classeur Excel (.xlsx)."))
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", newline="", suffix=".csv") as out:
        try:
            if is_xlsx:
                kind, encoding, delimiter = "xlsx", "", ""
                headers, count = _write_rows(_xlsx_rows(upload), out)
            else:
                kind, encoding = "csv", _detect_encoding(upload)
                rows, delimiter = _csv_rows(upload, encoding)
                headers, count = _write_rows(rows, out)
        except (csv.Error, UnicodeDecodeError, zipfile.BadZipFile) as error:
            message = _("Ce fichier CSV est illisible : %(error)s") % {"error": error}
            raise ValidationError(message) from error
        out.flush()
        out.seek(0)
        path = default_storage.save(f"imports/{uuid.uuid4().hex}.csv", File(out.buffer))
    return StoredFile(path, kind, encoding, delimiter, headers, count)


def rows_read(path: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The stored CSV's rows as (row number in the file, {header: text}), one at a time.
    Row 1 is the headers, so the first data row is 2, as a spreadsheet shows it."""
    with default_storage.open(path, "rb") as stored:
        text = io.TextIOWrapper(stored, encoding="utf-8", newline="")
        reader = csv.reader(text)
        headers = next(reader, [])[1:]
        for row in reader:
            yield int(row[0]), dict(zip(headers, row[1:], strict=False))


def file_delete(path: str) -> None:
    if path and default_storage.exists(path):
        default_storage.delete(path)
