"""API of the accounting exports (direction and accounting; 404 for the other roles): the
FEC of the fiscal year that closes in a given year, and the CSV of the invoices or the
payments of a period (two years at most)."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router

from creneau.accounting.downloads import (
    fec_response,
    invoices_csv_response,
    payments_csv_response,
)
from creneau.accounting.rules import user_may_export_accounting
from creneau.accounting.selectors import MAX_YEAR, MIN_YEAR, fiscal_year_for
from creneau.core.schemas import InputSchema

router = Router(tags=["accounting"])


def _binary(media_type: str, description: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


class FecQuery(InputSchema):
    year: int = Field(
        ..., ge=MIN_YEAR, le=MAX_YEAR, description="Année de la date de clôture de l'exercice."
    )


class PeriodQuery(InputSchema):
    start: date = Field(..., description="Premier jour (AAAA-MM-JJ).")
    end: date = Field(..., description="Dernier jour (AAAA-MM-JJ) ; deux ans au plus.")


def _require_exporter(request: HttpRequest) -> None:
    if not user_may_export_accounting(request.user):
        raise Http404


@router.get(
    "/accounting/fec",
    response={200: None},
    summary="FEC d'un exercice",
    openapi_extra=_binary("text/plain", "Le FEC (ISO 8859-15), <SIREN>FEC<AAAAMMJJ>.txt."),
)
def fec_export(request: HttpRequest, query: Query[FecQuery]):
    """Le fichier des écritures comptables de l'exercice qui se clôt en `year` : 18
    colonnes séparées par des tabulations, journaux VT et BQ, lettrage des comptes
    clients. Un exercice clôturé renvoie le fichier conservé à sa clôture, à l'octet près.
    Aucun exercice ne se clôt cette année-là : 422."""
    _require_exporter(request)
    return fec_response(fiscal_year_for(query.year))


@router.get(
    "/accounting/invoices.csv",
    response={200: None},
    summary="Factures et avoirs d'une période (CSV)",
    openapi_extra=_binary("text/csv", "UTF-8 avec BOM, « ; », virgule décimale."),
)
def invoices_export(request: HttpRequest, query: Query[PeriodQuery]):
    """Une ligne par facture ou avoir émis dans la période (avoirs en négatif). Plus de
    deux ans : 422."""
    _require_exporter(request)
    return invoices_csv_response(query.start, query.end)


@router.get(
    "/accounting/payments.csv",
    response={200: None},
    summary="Règlements, annulations et remboursements d'une période (CSV)",
    openapi_extra=_binary("text/csv", "UTF-8 avec BOM, « ; », virgule décimale."),
)
def payments_export(request: HttpRequest, query: Query[PeriodQuery]):
    """Une ligne par règlement (positif), annulation ou remboursement (négatifs). Plus de
    deux ans : 422."""
    _require_exporter(request)
    return payments_csv_response(query.start, query.end)
