"""API of quotes: quotes with nested lines (written while draft), finalise, send, accept,
refuse, duplicate and the PDF. A sales rep reaches its own customers' quotes only (404)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.conf import settings as ninja_settings
from ninja.errors import HttpError

from creneau.catalog.api import VatPercentIn, decimal_text, resolve_vat_rate
from creneau.catalog.models import Service
from creneau.core.api_params import MAX_PAGE_SIZE, DbId
from creneau.core.api_text import text_of, text_up_to
from creneau.core.models import OutboxEmail
from creneau.core.pdf import pdf_response
from creneau.core.schemas import InputSchema, decimal_out, decimal_string
from creneau.core.selectors import emails_for
from creneau.core.text import EMAIL_BODY_MAX_LENGTH, SEARCH_MAX_LENGTH
from creneau.customers.selectors import customers_visible_to
from creneau.planning.rules import user_may_edit_planning
from creneau.quotes import bounds, services
from creneau.quotes.documents import quote_pdf_document, quote_pdf_filename
from creneau.quotes.models import Quote, QuoteLine
from creneau.quotes.selectors import (
    SORTABLE,
    quote_get,
    quote_lines,
    quotes_filter,
    user_edits_quotes,
)

router = Router(tags=["quotes"])

# The columns' sizes: quantity 9 digits before the point and 3 after, price 8 and 4. The
# services may bound them further (business sizes); the document states the columns'.
# The business sizes (settings, see bounds.py) are declared too; the services refuse the
# same values with a French message at the field.
MAX_QUANTITY = bounds.max_quantity()
MAX_UNIT_PRICE = bounds.max_unit_price()
QuantityIn = decimal_string(
    digits=9,
    places=3,
    signed=True,
    description="ex. « 2.5 » ; négative sur une ligne de remise",
    minimum=-MAX_QUANTITY,
    maximum=MAX_QUANTITY,
)
LinePriceIn = decimal_string(
    digits=8,
    places=4,
    signed=True,
    description="HT ; par défaut, prix du site ou du catalogue",
    minimum=Decimal(0),
    maximum=MAX_UNIT_PRICE,
)
PercentIn = decimal_string(digits=3, places=2, description="Remise en %, de 0 à 100.")
# A quote's lines, and the recipients of one sending (To and Cc each).
MAX_LINES = 500
MAX_RECIPIENTS = 10
Amount = decimal_out(places=2)


class LineOut(Schema):
    id: int
    position: int
    line_type: str
    service: int | None = Field(None, alias="service_id")
    description: str
    quantity: decimal_out(places=3)
    unit: str
    unit_price: decimal_out(places=4)
    vat_rate: decimal_out(places=2, signed=False) | None
    vat_rate_id: int | None
    discount_percent: decimal_out(places=2, signed=False)
    net: Amount

    @staticmethod
    def resolve_quantity(obj: QuoteLine) -> str:
        return decimal_text(obj.quantity, 3)

    @staticmethod
    def resolve_unit_price(obj: QuoteLine) -> str:
        return decimal_text(obj.unit_price, 4)

    @staticmethod
    def resolve_vat_rate(obj: QuoteLine) -> str | None:
        return decimal_text(obj.vat_rate.rate, 2) if obj.vat_rate_id else None

    @staticmethod
    def resolve_discount_percent(obj: QuoteLine) -> str:
        return decimal_text(obj.discount_percent, 2)

    @staticmethod
    def resolve_net(obj: QuoteLine) -> str:
        return decimal_text(obj.net, 2)


class VatRow(Schema):
    rate: decimal_out(places=2, signed=False)
    base: Amount
    vat: Amount
    exemption_wording: str = ""


class EmailOut(Schema):
    id: int
    to: list[str]
    subject: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str


class QuoteSummary(Schema):
    id: int
    number: str | None
    status: str = Field(
        description="draft, finalised (numéroté, e-mail pas encore parti), sent (e-mail "
        "accepté par le serveur d'envoi), accepted, refused ou expired."
    )
    customer: int = Field(alias="customer_id")
    customer_name: str
    site: int | None = Field(None, alias="site_id")
    date: date
    validity_date: date
    total_net: Amount
    total_vat: Amount
    total_gross: Amount

    @staticmethod
    def resolve_status(obj: Quote) -> str:
        return obj.effective_status

    @staticmethod
    def resolve_customer_name(obj: Quote) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_total_net(obj: Quote) -> str:
        return decimal_text(obj.total_net, 2)

    @staticmethod
    def resolve_total_vat(obj: Quote) -> str:
        return decimal_text(obj.total_vat, 2)

    @staticmethod
    def resolve_total_gross(obj: Quote) -> str:
        return decimal_text(obj.total_gross, 2)


class QuoteOut(QuoteSummary):
    notes: str
    created_at: datetime
    finalized_at: datetime | None
    sent_at: datetime | None
    accepted_at: datetime | None
    refused_at: datetime | None
    planned_at: datetime | None = Field(
        description="Quand « Planifier » a créé ses programmations (POST …/plan)."
    )
    duplicated_from: int | None = Field(None, alias="duplicated_from_id")
    lines: list[LineOut]
    vat_breakdown: list[VatRow]
    emails: list[EmailOut]

    @staticmethod
    def resolve_lines(obj: Quote) -> list[QuoteLine]:
        return obj.lines_list

    @staticmethod
    def resolve_emails(obj: Quote) -> list:
        return obj.emails_list


class QuotePage(Schema):
    count: int
    items: list[QuoteSummary]


class LineIn(InputSchema):
    line_type: QuoteLine.LineType | None = Field(
        None, description="service, free, discount, section ou comment."
    )
    service: DbId | None = Field(None, description="Prestation du catalogue (ligne « service »).")
    description: text_of(QuoteLine, "description") | None = None
    quantity: QuantityIn | None = None
    unit: Service.Unit | None = None
    unit_price: LinePriceIn | None = None
    vat_rate: VatPercentIn | None = None
    vat_rate_id: DbId | None = None
    discount_percent: PercentIn | None = None


class QuoteIn(InputSchema):
    customer: DbId
    site: DbId | None = None
    validity_date: date | None = None
    notes: text_of(Quote, "notes") | None = None
    lines: list[LineIn] = Field([], max_length=MAX_LINES)


class QuotePatch(InputSchema):
    site: DbId | None = None
    validity_date: date | None = None
    notes: text_of(Quote, "notes") | None = None


# An e-mail address, as long as the standard allows (Django's EmailField).
EmailAddress = text_up_to(254)


class QuoteFilters(InputSchema):
    status: Literal["", *Quote.Status.values] = ""  # type: ignore[valid-type]
    customer: DbId | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: text_up_to(SEARCH_MAX_LENGTH) = ""
    sort: Literal[tuple(SORTABLE)] = "-date"  # type: ignore[valid-type]
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0, le=ninja_settings.PAGINATION_MAX_OFFSET)


class OrderIn(InputSchema):
    line_ids: list[DbId] = Field([], max_length=MAX_LINES)


class SendIn(InputSchema):
    to: list[EmailAddress] = Field(
        [],
        max_length=MAX_RECIPIENTS,
        description="Adresses des destinataires (au moins une ; 10 au plus avec cc).",
    )
    cc: list[EmailAddress] = Field([], max_length=MAX_RECIPIENTS)
    subject: text_of(OutboxEmail, "subject") | None = Field(
        None, description="Par défaut : « Devis D-2026-00001 - Société »."
    )
    message: text_up_to(EMAIL_BODY_MAX_LENGTH) | None = Field(
        None, description="Par défaut : le message type."
    )


def quote_payload(quote: Quote) -> Quote:
    """The quote with what QuoteOut shows: lines, the VAT breakdown, its e-mails."""
    lines = quote_lines(quote=quote)
    rates = {line.vat_rate_id: line.vat_rate for line in lines if line.vat_rate_id}
    quote.lines_list = lines
    quote.vat_breakdown = [
        {
            "rate": decimal_text(row.rate, 2),
            "base": decimal_text(row.base, 2),
            "vat": decimal_text(row.vat, 2),
            "exemption_wording": rates[row.key].exemption_wording,
        }
        for row in quote.totals(lines).breakdown
    ]
    quote.emails_list = list(emails_for(quote))
    return quote


def _visible_quote(request: HttpRequest, quote_id: DbId) -> Quote:
    return quote_get(user=request.user, pk=quote_id)


def _writable_quote(request: HttpRequest, quote_id: DbId) -> Quote:
    quote = _visible_quote(request, quote_id)
    if not user_edits_quotes(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas de modifier les devis."))
    return quote


def _line_fields(payload: LineIn, *, partial: bool) -> dict:
    """The service's keyword arguments from a line's JSON (null means "not given")."""
    given = payload.dict(exclude={"vat_rate", "vat_rate_id", "service"})
    fields = {name: value for name, value in given.items() if value is not None}
    if payload.service is not None:
        service = Service.objects.filter(pk=payload.service).select_related("vat_rate").first()
        if service is None:
            raise ValidationError({"service": _("Prestation introuvable.")})
        fields["service"] = service
        fields.setdefault("line_type", QuoteLine.LineType.SERVICE)
    rate = resolve_vat_rate(payload.vat_rate, payload.vat_rate_id)
    if rate is not None:
        fields["vat_rate"] = rate
    if not partial:
        fields.setdefault("line_type", QuoteLine.LineType.FREE)
    return fields


def _line_errors_at(index: int, error: ValidationError) -> ValidationError:
    """Name the line in the error's field (lines.2.quantity), for a quote created at once."""
    if hasattr(error, "error_dict"):
        return ValidationError(
            {f"lines.{index}.{field}": messages for field, messages in error.message_dict.items()}
        )
    return error


@router.get("/quotes", response=QuotePage, summary="Devis (filtres, pagination)")
def quote_list(request: HttpRequest, filters: Query[QuoteFilters]):
    quotes = quotes_filter(user=request.user, filters=filters.dict())
    window = quotes[filters.offset : filters.offset + filters.limit]
    return {"count": quotes.count(), "items": list(window)}


@router.post("/quotes", response={201: QuoteOut}, summary="Créer un devis (brouillon)")
def quote_add(request: HttpRequest, payload: QuoteIn):
    customer = get_object_or_404(customers_visible_to(request.user), pk=payload.customer)
    if not user_edits_quotes(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas de modifier les devis."))
    site = None
    if payload.site is not None:
        site = customer.sites.filter(pk=payload.site).first()
        if site is None:
            raise ValidationError({"site": _("Ce site n'est pas un site de ce client.")})
    with transaction.atomic():
        header = payload.dict(include={"validity_date", "notes"}, exclude_none=True)
        quote = services.quote_create(customer=customer, site=site, by=request.user, **header)
        for index, line in enumerate(payload.lines):
            try:
                services.quote_line_add(
                    quote=quote, by=request.user, **_line_fields(line, partial=False)
                )
            except ValidationError as error:
                raise _line_errors_at(index, error) from error
    return Status(201, quote_payload(_visible_quote(request, quote.pk)))


@router.get("/quotes/{quote_id}", response=QuoteOut)
def quote_detail(request: HttpRequest, quote_id: DbId):
    return quote_payload(_visible_quote(request, quote_id))


@router.patch("/quotes/{quote_id}", response=QuoteOut)
def quote_change(request: HttpRequest, quote_id: DbId, payload: QuotePatch):
    quote = _writable_quote(request, quote_id)
    fields = payload.dict(exclude_unset=True, exclude_none=True)
    if "site" in fields:
        site = quote.customer.sites.filter(pk=fields["site"]).first()
        if site is None:
            raise ValidationError({"site": _("Ce site n'est pas un site de ce client.")})
        fields["site"] = site
    services.quote_update(quote=quote, by=request.user, **fields)
    return quote_payload(_visible_quote(request, quote_id))


@router.delete("/quotes/{quote_id}", response={204: None}, summary="Supprimer un brouillon")
def quote_remove(request: HttpRequest, quote_id: DbId):
    services.quote_delete(quote=_writable_quote(request, quote_id), by=request.user)
    return Status(204, None)


@router.get("/quotes/{quote_id}/lines", response=list[LineOut])
def line_list(request: HttpRequest, quote_id: DbId):
    return quote_lines(quote=_visible_quote(request, quote_id))


@router.post("/quotes/{quote_id}/lines", response={201: LineOut})
def line_add(request: HttpRequest, quote_id: DbId, payload: LineIn):
    quote = _writable_quote(request, quote_id)
    fields = _line_fields(payload, partial=False)
    return Status(201, services.quote_line_add(quote=quote, by=request.user, **fields))


def _line_of(quote: Quote, line_id: DbId) -> QuoteLine:
    return get_object_or_404(
        QuoteLine.objects.select_related("quote", "quote__customer", "vat_rate"),
        pk=line_id,
        quote=quote,
    )


@router.patch("/quotes/{quote_id}/lines/{line_id}", response=LineOut)
def line_change(request: HttpRequest, quote_id: DbId, line_id: DbId, payload: LineIn):
    quote = _writable_quote(request, quote_id)
    line = _line_of(quote, line_id)
    fields = _line_fields(payload, partial=True)
    return services.quote_line_update(line=line, by=request.user, **fields)


@router.delete("/quotes/{quote_id}/lines/{line_id}", response={204: None})
def line_remove(request: HttpRequest, quote_id: DbId, line_id: DbId):
    quote = _writable_quote(request, quote_id)
    services.quote_line_delete(line=_line_of(quote, line_id), by=request.user)
    return Status(204, None)


@router.post("/quotes/{quote_id}/reorder", response=list[LineOut], summary="Ordre des lignes")
def line_reorder(request: HttpRequest, quote_id: DbId, payload: OrderIn):
    quote = _writable_quote(request, quote_id)
    services.quote_lines_reorder(quote=quote, line_ids=payload.line_ids, by=request.user)
    return quote_lines(quote=quote)


@router.post("/quotes/{quote_id}/finalize", response=QuoteOut, summary="Numéroter")
def quote_finalize(request: HttpRequest, quote_id: DbId):
    quote = services.quote_finalize(quote=_writable_quote(request, quote_id), by=request.user)
    return quote_payload(_visible_quote(request, quote.pk))


class TooManyRequestsOut(Schema):
    detail: str = Field(description="Le message en français ; l'en-tête Retry-After dit quand.")


@router.post(
    "/quotes/{quote_id}/send",
    response={200: QuoteOut, 429: TooManyRequestsOut},
    summary="Envoyer par e-mail",
)
def quote_send(request: HttpRequest, quote_id: DbId, payload: SendIn):
    """Finalise a draft if needed and e-mail its PDF; the e-mail leaves after commit and
    the quote turns "sent" when the mail server has accepted it. 10 addresses at most
    (to and cc); past QUOTE_SEND_RATE_PER_HOUR sends in an hour by the same user, 429."""
    quote = _writable_quote(request, quote_id)
    services.quote_send(
        quote=quote,
        by=request.user,
        to=payload.to,
        cc=payload.cc,
        subject=payload.subject or "",
        message=payload.message or "",
    )
    return quote_payload(_visible_quote(request, quote_id))


@router.post("/quotes/{quote_id}/accept", response=QuoteOut)
def quote_accept(request: HttpRequest, quote_id: DbId):
    services.quote_accept(quote=_writable_quote(request, quote_id), by=request.user)
    return quote_payload(_visible_quote(request, quote_id))


@router.post("/quotes/{quote_id}/refuse", response=QuoteOut)
def quote_refuse(request: HttpRequest, quote_id: DbId):
    services.quote_refuse(quote=_writable_quote(request, quote_id), by=request.user)
    return quote_payload(_visible_quote(request, quote_id))


class PlannedOut(Schema):
    schedule_ids: list[int] = Field(
        description="Les programmations créées, une par ligne de prestation, dans l'ordre."
    )


@router.post(
    "/quotes/{quote_id}/plan",
    response={201: PlannedOut},
    summary="Planifier un devis accepté",
)
def quote_plan(request: HttpRequest, quote_id: DbId):
    """Crée une programmation par ligne de prestation du catalogue d'un devis accepté qui
    a un site : hebdomadaire le jour de semaine de la date du devis, à 08:00, pour la
    quantité d'heures de la ligne (une heure si elle ne se compte pas en heures), à partir
    de lundi prochain, sans intervenant (à pourvoir), à compléter. Une seule fois : 409 si
    le devis est déjà planifié ; 422 s'il n'est pas accepté, n'a pas de site ou aucune
    ligne de prestation. Réservé à la direction et au planning."""
    quote = _visible_quote(request, quote_id)
    if not user_may_edit_planning(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas de modifier le planning."))
    try:
        schedules = services.quote_plan(quote=quote, by=request.user)
    except services.QuoteAlreadyPlanned as error:
        raise HttpError(409, " ".join(error.messages)) from error
    return Status(201, {"schedule_ids": [schedule.pk for schedule in schedules]})


@router.post("/quotes/{quote_id}/duplicate", response={201: QuoteOut})
def quote_duplicate(request: HttpRequest, quote_id: DbId):
    copy = services.quote_duplicate(quote=_writable_quote(request, quote_id), by=request.user)
    return Status(201, quote_payload(_visible_quote(request, copy.pk)))


@router.get(
    "/quotes/{quote_id}/pdf",
    summary="PDF du devis",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "Le PDF (PDF/A-3b), en pièce jointe.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def quote_pdf_download(request: HttpRequest, quote_id: DbId):
    quote = _visible_quote(request, quote_id)
    return pdf_response(quote_pdf_document(quote=quote), quote_pdf_filename(quote), inline=False)
