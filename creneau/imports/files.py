"""The uploaded file: its kind and encoding detected, turned once into a UTF-8 CSV in
private storage, then read row by row (never all rows at once).

A CSV is re-encoded at upload (a few seconds for 80,000 rows). An .xlsx is only stored at
upload: reading it (openpyxl's read-only mode, about 2 ms a row) runs in the task worker
(xlsx_convert), once; every later pass (the preview, the import) reads the CSV, several
times faster than the workbook.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
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


# How often (in rows) the conversion reports its progress.
PROGRESS_EVERY = 1000


def _write_rows(
    rows: Iterator[list[Any]], out: IO[str], progress: Callable[[int], None] | None = None
) -> tuple[list[str], int]:
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
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(number)
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


def _check_upload(upload: IO[bytes], name: str, size: int) -> bool:
    """Refuse a file too big, empty, or a zip that is not a workbook; True for an .xlsx."""
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
    if is_xlsx and not zipfile.is_zipfile(upload):
        raise ValidationError(_("Ce classeur Excel est illisible."))
    return is_xlsx


def _save_csv(out: IO[str]) -> str:
    out.flush()
    out.seek(0)
    return default_storage.save(f"imports/{uuid.uuid4().hex}.csv", File(out.buffer))


def file_store(*, upload: IO[bytes], name: str, size: int) -> StoredFile:
    """Check the upload (size, kind) and store it privately: a CSV turned into UTF-8 at
    once; a workbook as it is (headers empty, row_count 0), for xlsx_convert to read in
    the task worker."""
    if _check_upload(upload, name, size):
        upload.seek(0)
        path = default_storage.save(f"imports/{uuid.uuid4().hex}.xlsx", File(upload))
        return StoredFile(path, "xlsx", "", "", [], 0)
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", newline="", suffix=".csv") as out:
        try:
            encoding = _detect_encoding(upload)
            rows, delimiter = _csv_rows(upload, encoding)
            headers, count = _write_rows(rows, out)
        except (csv.Error, UnicodeDecodeError) as error:
            message = _("Ce fichier CSV est illisible : %(error)s") % {"error": error}
            raise ValidationError(message) from error
        path = _save_csv(out)
    return StoredFile(path, "csv", encoding, delimiter, headers, count)


def xlsx_rows_estimate(path: str) -> int:
    """The workbook's row count as its sheet declares it (0 when it does not), for the
    progress bar of the conversion; the headers' row left out."""
    import openpyxl

    try:
        with default_storage.open(path, "rb") as stored:
            workbook = openpyxl.load_workbook(stored, read_only=True, data_only=True)
            try:
                return max((workbook.worksheets[0].max_row or 1) - 1, 0)
            finally:
                workbook.close()
    except Exception:  # a damaged workbook: xlsx_convert says so
        return 0


def xlsx_convert(path: str, progress: Callable[[int], None] | None = None) -> StoredFile:
    """Read the stored workbook into a UTF-8 CSV, store it, and delete the workbook;
    progress(row number) is called every PROGRESS_EVERY rows."""
    with (
        default_storage.open(path, "rb") as stored,
        tempfile.NamedTemporaryFile("w+", encoding="utf-8", newline="", suffix=".csv") as out,
    ):
        try:
            headers, count = _write_rows(_xlsx_rows(stored), out, progress)
        except (UnicodeDecodeError, zipfile.BadZipFile, KeyError, ValueError) as error:
            raise ValidationError(_("Ce classeur Excel est illisible.")) from error
        csv_path = _save_csv(out)
    file_delete(path)
    return StoredFile(csv_path, "xlsx", "", "", headers, count)


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
