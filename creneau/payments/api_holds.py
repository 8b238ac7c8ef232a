"""API of the dunning on an invoice or a customer: suspend and resume its reminders (a hold,
with a reason and an optional last day), and the reminders sent. Direction and accounting
suspend and resume (403 for the others); whoever reads the invoice or the customer's
payments reads its reminders (a sales rep its own customers'; 404 for the others)."""

from datetime import date, datetime

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from creneau.billing.selectors import invoices_visible_to
from creneau.catalog.api import decimal_text
from creneau.core.api_params import DbId
from creneau.core.api_text import text_of
from creneau.core.schemas import InputSchema, decimal_out
from creneau.customers.selectors import customers_visible_to
from creneau.payments.history import customer_reminders_sent, invoice_reminders_sent
from creneau.payments.holds import HoldConflict, hold_create, hold_release_in_force
from creneau.payments.models import DunningHold, Reminder, ReminderInvoice
from creneau.payments.rules import user_may_hold_dunning, user_sees_payments

router = Router(tags=["dunning"])

Amount = decimal_out(places=2)

# Answers -------------------------------------------------------------------------------


class HoldOut(Schema):
    id: int
    invoice_id: int | None = Field(description="La facture suspendue (ou null : un client).")
    customer_id: int | None = Field(description="Le client suspendu (ou null : une facture).")
    reason: str
    until: date | None = Field(description="Dernier jour de la suspension (inclus), ou null.")
    created_at: datetime
    released_at: datetime | None = Field(description="Reprise des relances, ou null.")


class ReminderInvoiceOut(Schema):
    invoice_id: int
    invoice_number: str | None
    level_rank: int
    amount_due: Amount
    fee: Amount
    indemnity: Amount = Field(description="L'indemnité forfaitaire de 40 € (professionnels).")
    interest: Amount

    @staticmethod
    def resolve_invoice_number(obj: ReminderInvoice) -> str | None:
        return obj.invoice.number

    @staticmethod
    def resolve_amount_due(obj: ReminderInvoice) -> str:
        return decimal_text(obj.amount_due, 2)

    @staticmethod
    def resolve_fee(obj: ReminderInvoice) -> str:
        return decimal_text(obj.fee, 2)

    @staticmethod
    def resolve_indemnity(obj: ReminderInvoice) -> str:
        return decimal_text(obj.indemnity, 2)

    @staticmethod
    def resolve_interest(obj: ReminderInvoice) -> str:
        return decimal_text(obj.interest, 2)


class ReminderOut(Schema):
    """A reminder sent, as sent."""

    id: int
    customer_id: int
    billing_group: str
    sent_at: datetime | None
    level_rank: int
    level_name: str
    channel: str = Field(description="email, letter ou both.")
    recipients: list[str]
    subject: str
    body: str
    amount_due: Amount = Field(description="Le reste dû des factures relancées, à l'envoi.")
    fees: Amount = Field(description="Frais, indemnité et intérêts ajoutés par la relance.")
    email_id: int | None = Field(description="L'e-mail dans la boîte d'envoi, s'il y en a un.")
    invoices: list[ReminderInvoiceOut]

    @staticmethod
    def resolve_level_rank(obj: Reminder) -> int:
        return obj.level.rank

    @staticmethod
    def resolve_level_name(obj: Reminder) -> str:
        return obj.level.name

    @staticmethod
    def resolve_recipients(obj: Reminder) -> list[str]:
        return [str(recipient) for recipient in obj.recipients or []]

    @staticmethod
    def resolve_amount_due(obj: Reminder) -> str:
        return decimal_text(obj.amount_due, 2)

    @staticmethod
    def resolve_fees(obj: Reminder) -> str:
        return decimal_text(obj.fees, 2)

    @staticmethod
    def resolve_invoices(obj: Reminder) -> list[ReminderInvoice]:
        return list(obj.items.all())


# Inputs --------------------------------------------------------------------------------


class HoldIn(InputSchema):
    # Checked by the service (422 in French when empty), after the invoice is found: an
    # invisible invoice answers 404 whatever the body.
    reason: text_of(DunningHold, "reason") = Field("", description="Obligatoire.")
    until: date | None = Field(None, description="Dernier jour (inclus) ; pas dans le passé.")


# Helpers -------------------------------------------------------------------------------


def _require_reader(request: HttpRequest) -> None:
    if not user_sees_payments(request.user):
        raise Http404


def _require_holder(request: HttpRequest) -> None:
    if not user_may_hold_dunning(request.user):
        raise HttpError(
            403, _("Votre rôle ne permet pas de suspendre ni de reprendre les relances.")
        )


def _invoice(request: HttpRequest, invoice_id: int):
    _require_reader(request)
    return get_object_or_404(
        invoices_visible_to(request.user).select_related("customer"), pk=invoice_id
    )


def _customer(request: HttpRequest, customer_id: int):
    _require_reader(request)
    return get_object_or_404(customers_visible_to(request.user), pk=customer_id)


def _hold(request: HttpRequest, payload: HoldIn, **target) -> DunningHold:
    _require_holder(request)
    try:
        return hold_create(by=request.user, reason=payload.reason, until=payload.until, **target)
    except HoldConflict as error:
        raise HttpError(409, " ".join(error.messages)) from error


def _release(request: HttpRequest, **target) -> DunningHold:
    _require_holder(request)
    try:
        return hold_release_in_force(by=request.user, **target)
    except HoldConflict as error:
        raise HttpError(409, " ".join(error.messages)) from error


def _reminders_of(invoice) -> list[Reminder]:
    """The reminders sent that chased the invoice, each with all its invoices."""
    reminders = (
        Reminder.objects.filter(pk__in=invoice_reminders_sent(invoice).values("reminder_id"))
        .select_related("level")
        .prefetch_related("items__invoice")
        .order_by("-sent_at", "-id")
    )
    return list(reminders)


# Routes --------------------------------------------------------------------------------

HOLD_ANSWERS = {201: HoldOut}
RELEASE_ANSWERS = {200: HoldOut}


@router.post(
    "/invoices/{invoice_id}/hold",
    response=HOLD_ANSWERS,
    summary="Suspendre les relances d'une facture",
)
def invoice_hold(request: HttpRequest, invoice_id: DbId, payload: HoldIn):
    """La facture sort des campagnes de relance jusqu'à `until` inclus (sans date : jusqu'à
    la reprise). Motif vide ou trop long, date passée, brouillon ou avoir : 422. Déjà
    suspendue : 409."""
    invoice = _invoice(request, invoice_id)
    return Status(201, _hold(request, payload, invoice=invoice))


@router.post(
    "/invoices/{invoice_id}/release",
    response=RELEASE_ANSWERS,
    summary="Reprendre les relances d'une facture",
)
def invoice_release(request: HttpRequest, invoice_id: DbId):
    """Lève la suspension en cours de la facture (celle du client, s'il y en a une, reste).
    Aucune suspension en cours : 409."""
    invoice = _invoice(request, invoice_id)
    return _release(request, invoice=invoice)


@router.post(
    "/customers/{customer_id}/hold",
    response=HOLD_ANSWERS,
    summary="Suspendre les relances d'un client",
)
def customer_hold(request: HttpRequest, customer_id: DbId, payload: HoldIn):
    """Toutes les factures du client sortent des campagnes de relance. Mêmes règles que pour
    une facture."""
    customer = _customer(request, customer_id)
    return Status(201, _hold(request, payload, customer=customer))


@router.post(
    "/customers/{customer_id}/release",
    response=RELEASE_ANSWERS,
    summary="Reprendre les relances d'un client",
)
def customer_release(request: HttpRequest, customer_id: DbId):
    customer = _customer(request, customer_id)
    return _release(request, customer=customer)


@router.get(
    "/invoices/{invoice_id}/reminders",
    response=list[ReminderOut],
    summary="Relances envoyées pour une facture",
)
def invoice_reminders(request: HttpRequest, invoice_id: DbId):
    """Les relances envoyées qui comptaient cette facture, de la plus récente à la plus
    ancienne, avec leur texte tel qu'envoyé et toutes les factures de chacune."""
    invoice = _invoice(request, invoice_id)
    return _reminders_of(invoice)


@router.get(
    "/customers/{customer_id}/reminders",
    response=list[ReminderOut],
    summary="Relances envoyées à un client",
)
def customer_reminders(request: HttpRequest, customer_id: DbId):
    """Les 200 dernières relances envoyées au client, de la plus récente à la plus ancienne."""
    customer = _customer(request, customer_id)
    return list(customer_reminders_sent(customer)[:200])
