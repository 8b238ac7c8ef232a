"""API of invoices and credit notes: the list (filters, pages), drafts with their lines,
issuing, credit notes, the PDF and the Factur-X XML, sending, and "Facturer" an accepted
quote. Sales reps read their customers' invoices (404 for the others); direction and
accounting write; planning reads none (404 everywhere)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from creneau.billing import documents, services
from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice, InvoiceLine
from creneau.billing.rules import user_may_issue_invoices, user_sees_invoices
from creneau.billing.selectors import invoice_get, invoices_visible_to
from creneau.billing.sending import invoice_emails, invoice_send
from creneau.billing.settlement import invoice_payments
from creneau.catalog.api import decimal_text, resolve_vat_rate
from creneau.catalog.models import Service
from creneau.core.api_params import BoundedLimitOffsetPagination, DbId
from creneau.core.api_text import text_of, text_up_to
from creneau.core.models import OutboxEmail
from creneau.core.pdf import pdf_response
from creneau.core.schemas import InputSchema, Message, decimal_out, decimal_string
from creneau.core.text import EMAIL_BODY_MAX_LENGTH, SEARCH_MAX_LENGTH
from creneau.customers.selectors import customers_visible_to
from creneau.quotes.api import MAX_LINES, LineIn, LineOut
from creneau.quotes.selectors import quote_get

router = Router(tags=["invoices"])

Amount = decimal_out(places=2)
MAX_RECIPIENTS = 10
CreditQuantityIn = decimal_string(
    digits=9, places=3, signed=True, description="Quantité à créditer (par défaut : le reste)."
)
CreditAmountIn = decimal_string(
    digits=12, places=2, description="Montant TTC à créditer, réparti par taux de TVA."
)
BinaryAnswer = dict[str, Any]


def _binary(media_type: str, description: str) -> BinaryAnswer:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


# What payments settle of an invoice, read through the reverse relation `allocations` so
# that billing does not import payments (which sits above it): allocations of a payment that
# is neither a reversal nor reversed, as payments.selectors.invoice_paid_amount counts them.
ACTIVE_ALLOCATIONS = Q(payment__reversal_of__isnull=True, payment__reversal__isnull=True)


def amount_paid_annotation() -> Coalesce:
    allocations = Invoice._meta.get_field("allocations").related_model.objects
    paid = (
        allocations.filter(ACTIVE_ALLOCATIONS, invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(paid, output_field=money), Decimal("0"), output_field=money)


# Answers -------------------------------------------------------------------------------


class InvoiceLineOut(LineOut):
    site_id: int | None
    vat_exemption: str
    credited_line_id: int | None

    @staticmethod
    def resolve_vat_rate(obj: InvoiceLine) -> str | None:
        # The rate copied onto the line: a later change of the list changes no invoice.
        return decimal_text(obj.vat_rate_value, 2)


class InvoiceVatRow(Schema):
    rate: decimal_out(places=2, signed=False)
    base: Amount
    vat: Amount
    exemption: str = ""


class InvoiceSummary(Schema):
    id: int
    number: str | None
    kind: Literal["invoice", "credit_note"]
    status: str = Field(
        description="draft, issued, partially_paid, paid ou cancelled (entièrement crédité)."
    )
    overdue: bool = Field(description="Échéance passée avec un reste dû.")
    customer_id: int
    customer_name: str
    billing_group: str
    site_ids: list[int]
    issue_date: date | None
    due_date: date | None
    period_start: date | None
    period_end: date | None
    total_net: Amount
    total_vat: Amount
    total_gross: Amount
    amount_due: Amount
    amount_paid: Amount = Field(description="Ce que les règlements (non annulés) en ont réglé.")
    vat_breakdown: list[InvoiceVatRow]
    credited_invoice_id: int | None
    sent_at: datetime | None
    needs_posting: bool = Field(description="Sans adresse e-mail : à envoyer par courrier.")

    @staticmethod
    def resolve_overdue(obj: Invoice) -> bool:
        return obj.is_overdue

    @staticmethod
    def resolve_customer_name(obj: Invoice) -> str:
        return obj.customer_name or obj.customer.name

    @staticmethod
    def resolve_site_ids(obj: Invoice) -> list[int]:
        return sorted(site.pk for site in obj.sites.all())

    @staticmethod
    def resolve_total_net(obj: Invoice) -> str:
        return decimal_text(obj.total_net, 2)

    @staticmethod
    def resolve_total_vat(obj: Invoice) -> str:
        return decimal_text(obj.total_vat, 2)

    @staticmethod
    def resolve_total_gross(obj: Invoice) -> str:
        return decimal_text(obj.total_gross, 2)

    @staticmethod
    def resolve_amount_due(obj: Invoice) -> str:
        return decimal_text(obj.amount_due, 2)

    @staticmethod
    def resolve_amount_paid(obj: Invoice) -> str:
        paid = getattr(obj, "amount_paid", None)
        if paid is None:  # not read with amount_paid_annotation()
            paid = obj.allocations.filter(ACTIVE_ALLOCATIONS).aggregate(total=Sum("amount"))
            paid = paid["total"] or 0
        return decimal_text(paid, 2)


class InvoiceEmailOut(Schema):
    id: int
    to: list[str]
    subject: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str


class InvoicePaymentOut(Schema):
    payment_id: int
    date: date
    method: str
    amount: Amount = Field(description="La part du règlement affectée à cette facture.")
    reversed: bool = Field(description="Règlement annulé : cette part ne compte plus.")

    @staticmethod
    def resolve_amount(obj: dict) -> str:
        return decimal_text(obj["amount"], 2)


class InvoiceOut(InvoiceSummary):
    notes: str
    quote_id: int | None
    lines: list[InvoiceLineOut]
    emails: list[InvoiceEmailOut]
    payments: list[InvoicePaymentOut] = Field(
        description="Les règlements affectés à la facture, annulés compris."
    )

    @staticmethod
    def resolve_payments(obj: Invoice) -> list[dict]:
        return invoice_payments(obj)

    @staticmethod
    def resolve_lines(obj: Invoice) -> list[InvoiceLine]:
        return list(obj.lines.select_related("vat_rate").order_by("position", "id"))

    @staticmethod
    def resolve_emails(obj: Invoice) -> list[OutboxEmail]:
        return list(invoice_emails(obj))


# Inputs --------------------------------------------------------------------------------


class InvoiceLineIn(LineIn):
    site_id: DbId | None = Field(None, description="Le site du client où le travail a été fait.")


class InvoicePatch(InputSchema):
    billing_group: text_up_to(1) | None = Field(None, description="A-Z ou 0-9.")
    period_start: date | None = None
    period_end: date | None = None
    notes: text_of(Invoice, "notes") | None = None
    lines: list[InvoiceLineIn] | None = Field(
        None, max_length=MAX_LINES, description="Remplace toutes les lignes du brouillon."
    )


class InvoiceIn(InvoicePatch):
    customer_id: DbId
    billing_group: text_up_to(1) = Field("A", description="A-Z ou 0-9.")
    lines: list[InvoiceLineIn] = Field([], max_length=MAX_LINES)


class InvoiceFilters(InputSchema):
    customer_id: DbId | None = None
    status: Literal["", *Invoice.Status.values] = ""  # type: ignore[valid-type]
    kind: Literal["", *Invoice.Kind.values] = ""  # type: ignore[valid-type]
    start: date | None = Field(None, description="Émises à partir du (date d'émission).")
    end: date | None = Field(None, description="Émises jusqu'au (inclus).")
    q: text_up_to(SEARCH_MAX_LENGTH) = Field("", description="Numéro ou nom du client.")
    overdue: bool | None = Field(None, description="true : échues avec un reste dû.")


class CreditLineIn(InputSchema):
    line_id: DbId
    quantity: CreditQuantityIn | None = None


class CreditNoteIn(InputSchema):
    lines: list[CreditLineIn] | None = Field(
        None, max_length=MAX_LINES, description="Un avoir partiel par lignes."
    )
    amount: CreditAmountIn | None = Field(None, description="Un avoir partiel d'un montant TTC.")
    reason: text_of(Invoice, "notes") | None = None


class InvoiceSendIn(InputSchema):
    to: list[text_up_to(254)] | None = Field(
        None,
        max_length=MAX_RECIPIENTS,
        description="Par défaut : les destinataires du groupe, sinon l'e-mail du client.",
    )
    subject: text_of(OutboxEmail, "subject") | None = None
    message: text_up_to(EMAIL_BODY_MAX_LENGTH) | None = None


# Helpers -------------------------------------------------------------------------------


def _readable(request: HttpRequest, invoice_id: int) -> Invoice:
    """A visible invoice, or 404 (planning: 404 for every invoice)."""
    if not user_sees_invoices(request.user):
        raise Http404
    return invoice_get(user=request.user, pk=invoice_id)


def _require_writer(request: HttpRequest) -> None:
    if not user_may_issue_invoices(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas de modifier les factures."))


def _writable(request: HttpRequest, invoice_id: int, *, draft: bool = False) -> Invoice:
    invoice = _readable(request, invoice_id)
    _require_writer(request)
    if draft and not invoice.is_draft:
        try:
            services.ensure_draft(invoice)
        except ValidationError as error:
            raise HttpError(409, " ".join(error.messages)) from error
    return invoice


def _payload(invoice_id: int) -> Invoice:
    return (
        Invoice.objects.select_related("customer", "credited_invoice")
        .prefetch_related("sites")
        .annotate(amount_paid=amount_paid_annotation())
        .get(pk=invoice_id)
    )


def _line_fields(invoice: Invoice, payload: InvoiceLineIn) -> dict[str, Any]:
    """The service's keyword arguments from a line's JSON (null means "not given")."""
    given = payload.dict(exclude={"vat_rate", "vat_rate_id", "service", "site_id"})
    fields = {name: value for name, value in given.items() if value is not None}
    if payload.service is not None:
        service = Service.objects.filter(pk=payload.service).select_related("vat_rate").first()
        if service is None:
            raise ValidationError({"service": _("Prestation introuvable.")})
        fields["service"] = service
        fields.setdefault("line_type", InvoiceLine.LineType.SERVICE)
    if payload.site_id is not None:
        site = invoice.customer.sites.filter(pk=payload.site_id).first()
        if site is None:
            raise ValidationError({"site_id": _("Ce site n'est pas un site de ce client.")})
        fields["site"] = site
    rate = resolve_vat_rate(payload.vat_rate, payload.vat_rate_id)
    if rate is not None:
        fields["vat_rate"] = rate
    fields.setdefault("line_type", InvoiceLine.LineType.FREE)
    return fields


def _add_lines(invoice: Invoice, lines: list[InvoiceLineIn], by) -> None:
    for index, line in enumerate(lines):
        try:
            services.invoice_line_add(invoice=invoice, by=by, **_line_fields(invoice, line))
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {f"lines.{index}.{field}": errors for field, errors in error.message_dict.items()}
            ) from error


def invoices_filter(user, filters: InvoiceFilters) -> QuerySet[Invoice]:
    invoices = invoices_visible_to(user)
    if filters.customer_id is not None:
        invoices = invoices.filter(customer_id=filters.customer_id)
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.kind:
        invoices = invoices.filter(kind=filters.kind)
    if filters.start is not None:
        invoices = invoices.filter(issue_date__gte=filters.start)
    if filters.end is not None:
        invoices = invoices.filter(issue_date__lte=filters.end)
    query = filters.q.strip()
    if query:
        invoices = invoices.filter(
            Q(number__icontains=query)
            | Q(customer_name__icontains=query)
            | Q(customer__name__icontains=query)
        )
    if filters.overdue is not None:
        overdue = Q(
            kind=Invoice.Kind.INVOICE,
            status__in=[Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID],
            amount_due__gt=0,
            due_date__lt=timezone.localdate(),
        )
        invoices = invoices.filter(overdue if filters.overdue else ~overdue)
    # Drafts (no date yet) first, on every database: PostgreSQL's order of its index.
    newest = F("issue_date").desc(nulls_first=True)
    invoices = invoices.select_related("customer").prefetch_related("sites")
    return invoices.annotate(amount_paid=amount_paid_annotation()).order_by(newest, "-id")


# Routes --------------------------------------------------------------------------------


@router.get(
    "/invoices",
    response={200: list[InvoiceSummary], 404: Message},
    summary="Factures et avoirs",
)
@paginate(BoundedLimitOffsetPagination)
def invoice_list(request: HttpRequest, filters: Query[InvoiceFilters]):
    if not user_sees_invoices(request.user):
        raise Http404
    return invoices_filter(request.user, filters)


@router.post("/invoices", response={201: InvoiceOut}, summary="Créer une facture (brouillon)")
def invoice_add(request: HttpRequest, payload: InvoiceIn):
    if not user_sees_invoices(request.user):
        raise Http404
    customer = get_object_or_404(customers_visible_to(request.user), pk=payload.customer_id)
    _require_writer(request)
    header = payload.dict(include={"billing_group", "period_start", "period_end", "notes"})
    header = {name: value for name, value in header.items() if value is not None}
    with transaction.atomic():
        invoice = services.invoice_create(customer=customer, by=request.user, **header)
        _add_lines(invoice, payload.lines, request.user)
    return Status(201, _payload(invoice.pk))


@router.get("/invoices/{invoice_id}", response=InvoiceOut, summary="Lire une facture")
def invoice_detail(request: HttpRequest, invoice_id: DbId):
    return _payload(_readable(request, invoice_id).pk)


@router.patch("/invoices/{invoice_id}", response=InvoiceOut, summary="Modifier un brouillon")
def invoice_change(request: HttpRequest, invoice_id: DbId, payload: InvoicePatch):
    """Un brouillon seulement (une facture émise : 409). `lines` remplace toutes les lignes."""
    invoice = _writable(request, invoice_id, draft=True)
    fields = payload.dict(exclude_unset=True, exclude={"lines"})
    fields = {name: value for name, value in fields.items() if value is not None}
    with transaction.atomic():
        services.invoice_update(invoice=invoice, by=request.user, **fields)
        if payload.lines is not None:
            for line in invoice.lines.all():
                services.invoice_line_delete(line=line, by=request.user)
            _add_lines(invoice, payload.lines, request.user)
    return _payload(invoice.pk)


@router.delete("/invoices/{invoice_id}", response={204: None}, summary="Supprimer un brouillon")
def invoice_remove(request: HttpRequest, invoice_id: DbId):
    invoice = _writable(request, invoice_id, draft=True)
    services.invoice_delete(invoice=invoice, by=request.user)
    return Status(204, None)


@router.post("/invoices/{invoice_id}/issue", response=InvoiceOut, summary="Émettre")
def invoice_issue(request: HttpRequest, invoice_id: DbId):
    """Numérote (F-AAAA-NNNNN), date et fige le brouillon. Sans ligne chiffrée, une ligne
    sans libellé, un taux de TVA hors de la liste : 422. Déjà émise : 409."""
    invoice = _writable(request, invoice_id, draft=True)
    services.invoice_issue(invoice=invoice, by=request.user)
    return _payload(invoice.pk)


@router.post(
    "/invoices/{invoice_id}/credit-note", response={201: InvoiceOut}, summary="Faire un avoir"
)
def credit_note_add(request: HttpRequest, invoice_id: DbId, payload: CreditNoteIn | None = None):
    """Sans corps : avoir total (ce qui reste à créditer). `lines` : partiel par lignes
    (`line_id`, `quantity`) ; `amount` : partiel d'un montant TTC. Plus que le reste : 422."""
    invoice = _writable(request, invoice_id)
    payload = payload or CreditNoteIn()
    lines = None
    if payload.lines is not None:
        lines = [
            {"line_id": item.line_id}
            if item.quantity is None
            else {"line_id": item.line_id, "quantity": item.quantity}
            for item in payload.lines
        ]
    credit_note = credit_note_create(
        invoice=invoice,
        by=request.user,
        lines=lines,
        amount=payload.amount,
        reason=payload.reason or "",
    )
    return Status(201, _payload(credit_note.pk))


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None},
    summary="PDF (Factur-X)",
    openapi_extra=_binary("application/pdf", "Le PDF Factur-X, en pièce jointe."),
)
def invoice_pdf_download(request: HttpRequest, invoice_id: DbId):
    invoice = _readable(request, invoice_id)
    content = documents.invoice_pdf_document(invoice=invoice)
    return pdf_response(content, documents.invoice_pdf_filename(invoice), inline=False)


@router.get(
    "/invoices/{invoice_id}/facturx.xml",
    response={200: None, 409: Message},
    summary="XML Factur-X (CII, EN 16931)",
    openapi_extra=_binary("application/xml", "Le XML CII joint au PDF."),
)
def invoice_facturx_download(request: HttpRequest, invoice_id: DbId):
    """Une facture émise (un brouillon n'a pas de numéro : 409)."""
    invoice = _readable(request, invoice_id)
    if invoice.is_draft:
        raise HttpError(409, _("Un brouillon n'a pas de Factur-X : émettez-le d'abord."))
    # An issued invoice's XML is the one attached to its stored PDF.
    content = documents.invoice_facturx_document(invoice=invoice)
    response = HttpResponse(content, content_type="application/xml")
    filename = documents.invoice_facturx_filename(invoice)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(
    "/invoices/{invoice_id}/send", response={202: InvoiceEmailOut}, summary="Envoyer par e-mail"
)
def invoice_send_route(
    request: HttpRequest, invoice_id: DbId, payload: InvoiceSendIn | None = None
):
    """Met en file d'envoi un e-mail avec le PDF Factur-X : aux adresses données, sinon
    aux destinataires du groupe, sinon à l'e-mail du client ; sans adresse : 422. Un
    brouillon : 409. `sent_at` est daté quand le serveur d'envoi a accepté l'e-mail."""
    invoice = _writable(request, invoice_id)
    if invoice.is_draft:
        raise HttpError(409, _("Une facture en brouillon ne s'envoie pas : émettez-la d'abord."))
    payload = payload or InvoiceSendIn()
    email = invoice_send(
        invoice=invoice,
        by=request.user,
        to=payload.to,
        subject=payload.subject,
        body=payload.message,
    )
    return Status(202, email)


@router.post(
    "/quotes/{quote_id}/invoice", response={201: InvoiceOut}, summary="Facturer un devis accepté"
)
def quote_invoice(request: HttpRequest, quote_id: DbId):
    """Un brouillon de facture reprenant les lignes du devis accepté ; une seule fois (déjà
    facturé : 409) ; un devis non accepté : 422."""
    if not user_sees_invoices(request.user):
        raise Http404
    quote = quote_get(user=request.user, pk=quote_id)
    _require_writer(request)
    if Invoice.objects.filter(quote=quote).exists():
        raise HttpError(409, _("Ce devis a déjà été facturé."))
    invoice = services.invoice_from_quote(quote=quote, by=request.user)
    return Status(201, _payload(invoice.pk))
