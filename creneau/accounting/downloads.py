"""The HTTP answers of the accounting downloads, shared by the Exports page and the API:
the FEC (text/plain, ISO 8859-15, named <SIREN>FEC<AAAAMMJJ>.txt) and the CSV exports,
all streamed."""

from __future__ import annotations

from datetime import date

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from creneau.accounting.exports import (
    INVOICE_COLUMNS,
    PAYMENT_COLUMNS,
    invoice_rows,
    invoices_filename,
    payment_rows,
    payments_filename,
)
from creneau.accounting.fec import fec_filename
from creneau.accounting.models import FiscalYear
from creneau.accounting.selectors import export_period_check
from creneau.accounting.services import fec_content
from creneau.core.csv_export import csv_response


def fec_response(fiscal_year: FiscalYear) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        fec_content(fiscal_year), content_type="text/plain; charset=iso-8859-15"
    )
    response["Content-Disposition"] = content_disposition_header(True, fec_filename(fiscal_year))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def invoices_csv_response(start: date | None, end: date | None) -> StreamingHttpResponse:
    """Checked first (two years at most: a French ValidationError), then streamed."""
    start, end = export_period_check(start, end)
    return csv_response(
        filename=invoices_filename(start, end),
        header=[str(title) for title in INVOICE_COLUMNS],
        rows=invoice_rows(start, end),
    )


def payments_csv_response(start: date | None, end: date | None) -> StreamingHttpResponse:
    start, end = export_period_check(start, end)
    return csv_response(
        filename=payments_filename(start, end),
        header=[str(title) for title in PAYMENT_COLUMNS],
        rows=payment_rows(start, end),
    )
