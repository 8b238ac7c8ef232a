"""The one writer of every CSV export: UTF-8 with a BOM, `;` separated, French numbers,
and no cell that a spreadsheet would run as a formula.

Exports are opened in Excel or LibreOffice by the office. A text cell that starts with
`=`, `+`, `-`, `@`, a tab or a carriage return is read there as a formula ("CSV
injection": a customer named `=HYPERLINK("http://…")` becomes a live link), so such a
cell gets a leading apostrophe, which spreadsheets show as text. Numbers and dates are
formatted here, never escaped: a discount of -2,00 stays a number.

Every view that answers a CSV calls `csv_response`, so that a new export cannot forget
the escaping (creneau/core/tests/test_csv_export.py runs every export with such names).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "%d/%m/%Y"

Cell = str | int | Decimal | datetime.date | None


def csv_text(value: str) -> str:
    """A text cell, neutralised if a spreadsheet would read it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def csv_cell(value: Cell) -> str:
    """One cell as written: text escaped, numbers with a decimal comma, dates dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: a bool is an int
        raise TypeError("Give a CSV cell a word (oui / non), not a boolean.")
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime(DATE_FORMAT)
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    return csv_text(str(value))


def decimal_places(value: Decimal, places: int) -> Decimal:
    """A number shown with exactly `places` decimals (12,5000 for a unit price)."""
    return value.quantize(Decimal(1).scaleb(-places))


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The file, line by line: the BOM (spreadsheets then read UTF-8) and the header first."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow([csv_text(str(title)) for title in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> StreamingHttpResponse:
    """A downloaded CSV file, streamed: `rows` may be a query's iterator over 100,000 rows."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(header, rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
