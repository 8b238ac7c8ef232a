"""API of the customer statement (relevé de compte): its PDF over a period. Whoever reads
payments reads the statements of the customers it sees (404 for the others)."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router

from creneau.core.api_params import DbId
from creneau.core.pdf import pdf_response
from creneau.core.schemas import InputSchema
from creneau.customers.selectors import customers_visible_to
from creneau.payments.print.statement import statement_filename, statement_pdf
from creneau.payments.rules import user_sees_payments
from creneau.payments.statement import customer_statement, statement_period

router = Router(tags=["payments"])


class StatementQuery(InputSchema):
    start: date | None = Field(
        None, description="Début de la période. Par défaut : le 1er janvier."
    )
    end: date | None = Field(
        None, description="Fin de la période (incluse). Par défaut : aujourd'hui."
    )


@router.get(
    "/customers/{customer_id}/statement.pdf",
    response={200: None},
    summary="Relevé de compte (PDF)",
    openapi_extra={
        "responses": {
            200: {
                "description": "Le relevé de compte, PDF/A-3b, en pièce jointe.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def customer_statement_pdf(request: HttpRequest, customer_id: DbId, filters: Query[StatementQuery]):
    """Le solde antérieur, puis chaque facture, avoir, règlement, annulation et
    remboursement daté de la période, avec le solde après chacun, et le solde final.
    Dates de 2000 à 2099, la fin pas avant le début, une période de 5 ans au plus
    et 3 000 écritures au plus : sinon 422."""
    if not user_sees_payments(request.user):
        raise Http404
    customer = get_object_or_404(customers_visible_to(request.user), pk=customer_id)
    start, end = statement_period(filters.start, filters.end)
    statement = customer_statement(customer=customer, start=start, end=end)
    return pdf_response(statement_pdf(statement=statement), statement_filename(statement), False)
