"""API of the payments' reports: the aged balance (balance âgée), for direction and
accounting (403 for the other roles; an intervenant's token is refused before, by
core.api). Its rows are the customers that owe something, a page at a time."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from creneau.catalog.api import decimal_text
from creneau.core.api_params import DbId, PageParams
from creneau.core.api_text import text_of
from creneau.core.schemas import Message, decimal_out
from creneau.customers.models import Customer
from creneau.payments.aged import (
    NO_SALES_REP,
    SORT_NAME,
    SORT_TOTAL,
    AgedFilters,
    AgedRow,
    aged_balance,
    as_of_error,
)
from creneau.payments.rules import user_sees_aged_balance

router = Router(tags=["reports"])

Amount = decimal_out(places=2, signed=False)


class AgedAmounts(Schema):
    not_due: Amount = Field(description="Non échu : dû à la date ou après.")
    days_0_30: Amount = Field(description="De 1 à 30 jours de retard.")
    days_31_60: Amount
    days_61_90: Amount
    days_over_90: Amount = Field(description="Plus de 90 jours de retard.")
    total: Amount


class AgedRowOut(AgedAmounts):
    customer_id: int
    customer_name: str
    code: str


class AgedBalanceOut(Schema):
    as_of: date
    count: int = Field(description="Nombre de clients qui doivent un montant (toutes pages).")
    rows: list[AgedRowOut]
    totals: AgedAmounts


class AgedBalanceQuery(PageParams):
    as_of: date | None = Field(
        None, description="Par défaut : aujourd'hui ; une date passée : ce qui était dû ce jour-là."
    )
    family: DbId | None = Field(None, description="Identifiant de famille de clients.")
    sales_rep: text_of(User, "username") = Field(
        "", description="Username du commercial, ou `none` : sans commercial."
    )
    kind: Literal["", *Customer.Kind.values] = ""  # type: ignore[valid-type]
    sort: Literal["total", "name"] = Field(
        SORT_TOTAL, description="`total` : les plus gros montants d'abord ; `name` : par nom."
    )


def _amounts(row: AgedRow) -> dict[str, str]:
    return {key: decimal_text(value, 2) for key, value in row.as_dict().items()}


def _sales_rep(username: str) -> int | str | None:
    if not username:
        return None
    if username == NO_SALES_REP:
        return NO_SALES_REP
    found = User.objects.filter(username=username).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationError({"sales_rep": _("Aucun utilisateur de ce nom.")})
    return found


@router.get(
    "/reports/aged-balance",
    response={200: AgedBalanceOut, 403: Message},
    summary="Balance âgée",
)
def aged_balance_report(request: HttpRequest, query: Query[AgedBalanceQuery]):
    """Ce que chaque client doit à la date `as_of`, par ancienneté après l'échéance : non
    échu, 1 à 30, 31 à 60, 61 à 90 et plus de 90 jours ; les clients qui doivent le plus
    d'abord, et les totaux de tous. Direction et comptabilité ; 403 pour les autres rôles.
    Une date illisible ou à venir : 422."""
    if not user_sees_aged_balance(request.user):
        raise HttpError(403, _("La balance âgée est réservée à la direction et la comptabilité."))
    if query.as_of is not None and (error := as_of_error(query.as_of)) is not None:
        raise ValidationError({"as_of": error})
    filters = AgedFilters(
        as_of=query.as_of,
        family=query.family,
        sales_rep=_sales_rep(query.sales_rep),
        kind=query.kind,
        sort=SORT_NAME if query.sort == SORT_NAME else SORT_TOTAL,
    )
    balance = aged_balance(user=request.user, filters=filters)
    rows = balance.rows(offset=query.offset, limit=query.limit)
    count, totals = balance.totals()  # from the rows' query, unless past the last one
    return {
        "as_of": balance.as_of,
        "count": count,
        "rows": [
            {
                "customer_id": row.customer_id,
                "customer_name": row.customer_name,
                "code": row.code,
                **_amounts(row),
            }
            for row in rows
        ],
        "totals": _amounts(totals),
    }
