"""API of the dunning runs: the preview at a date, reading a run, and sending it.
Direction and accounting only (403 for the other roles). A run already sent (or being
sent) answers 409; bad input 422, in French."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from creneau.core.params import parse_id
from creneau.core.schemas import DbId, InputSchema, decimal_out
from creneau.payments.dunning import EARLIEST, LATEST, RUN_CLOSED, dunning_run_create
from creneau.payments.dunning_send import dropped_items, dunning_run_send, run_counts
from creneau.payments.models import DunningRun, Reminder, ReminderInvoice
from creneau.payments.rules import user_may_run_dunning

router = Router(tags=["dunning"])

# At most this many customers left out of one sending (beyond, untick them on the page).
MAX_CUSTOMERS = 10_000
Amount = decimal_out(places=2)


def _within_bounds(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", "date out of range")
    return value


DunningDate = Annotated[date, AfterValidator(_within_bounds)]


class DunningRunIn(InputSchema):
    as_of: DunningDate | None = Field(None, description="Date de la campagne ; aujourd'hui.")


class DunningRunSendIn(InputSchema):
    excluded_customer_ids: list[DbId] = Field(default_factory=list, max_length=MAX_CUSTOMERS)


class DroppedOut(Schema):
    invoice_id: int
    reason: str = Field(description="settled, on_hold ou already_sent")


class ReminderOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    billing_group: str
    invoice_ids: list[int] = Field(description="Les factures relancées (envoyées, une fois parti).")
    level: int = Field(
        description="Le rang du niveau de la relance (le plus haut de ses factures)."
    )
    channel: str = Field(description="email, letter ou both")
    recipients: list[str]
    amount_due: Amount
    fee: Amount = Field(description="Frais, indemnité forfaitaire et intérêts ajoutés.")
    status: str = Field(description="proposed, sent ou dropped")
    excluded: bool
    subject: str = Field(description="L'objet de l'e-mail, écrit à l'envoi (vide dans un aperçu).")
    dropped: list[DroppedOut]


class CountsOut(Schema):
    sent: int
    dropped: int
    excluded: int
    emails: int
    letters: int


class DunningRunOut(Schema):
    id: int
    as_of: date
    status: str = Field(description="preview, sending, sent ou cancelled")
    automatic: bool
    created_at: datetime
    sent_at: datetime | None
    counts: CountsOut
    letters_pdf: str | None = Field(description="Le PDF des courriers à imprimer (page web).")
    items: list[ReminderOut]


def _item(reminder: Reminder, dropped: dict[int, list[dict]]) -> dict[str, Any]:
    items = reminder.items.all()
    if reminder.status == Reminder.Status.SENT:
        items = [item for item in items if item.sent]
    return {
        "id": reminder.pk,
        "customer_id": reminder.customer_id,
        "customer_name": reminder.customer.name,
        "billing_group": reminder.billing_group,
        "invoice_ids": [item.invoice_id for item in items],
        "level": reminder.level.rank,
        "channel": reminder.channel,
        "recipients": reminder.recipients,
        "amount_due": f"{reminder.amount_due:.2f}",
        "fee": f"{reminder.fees:.2f}",
        "status": reminder.status,
        "excluded": reminder.excluded,
        "subject": reminder.subject,
        "dropped": dropped.get(reminder.pk, []),
    }


def run_out(run: DunningRun) -> dict[str, Any]:
    reminders = (
        run.reminders.select_related("customer", "level")
        .prefetch_related(
            Prefetch("items", queryset=ReminderInvoice.objects.order_by("invoice_id"))
        )
        .order_by("customer_id", "billing_group")
    )
    dropped: dict[int, list[dict]] = {}
    if run.status != DunningRun.Status.PREVIEW:
        for row in dropped_items(run):
            dropped.setdefault(row["reminder"].pk, []).append(
                {"invoice_id": row["item"].invoice_id, "reason": row["code"]}
            )
    return {
        "id": run.pk,
        "as_of": run.as_of,
        "status": run.status,
        "automatic": run.automatic,
        "created_at": run.created_at,
        "sent_at": run.sent_at,
        "counts": run_counts(run),
        "letters_pdf": (
            reverse("payments:dunning_letters", args=[run.pk]) if run.letters_pdf else None
        ),
        "items": [_item(reminder, dropped) for reminder in reminders],
    }


def _runner(request: HttpRequest) -> None:
    if not user_may_run_dunning(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas de lancer les relances."))


def _run(run_id: int) -> DunningRun:
    return get_object_or_404(DunningRun, pk=parse_id(run_id) or 0)


@router.post("/dunning-runs", response={201: DunningRunOut}, summary="Aperçu des relances")
def dunning_run_post(request: HttpRequest, payload: DunningRunIn):
    """Les relances proposées à la date `as_of` (aujourd'hui par défaut) : pour chaque
    facture échue et non suspendue, le niveau suivant dont le délai est passé ; une
    relance par client et groupe de facturation. Rien n'est envoyé."""
    _runner(request)
    run = dunning_run_create(as_of=payload.as_of or timezone.localdate(), by=request.user)
    return Status(201, run_out(run))


@router.get("/dunning-runs/{dunning_run_id}", response=DunningRunOut, summary="Une campagne")
def dunning_run_get(request: HttpRequest, dunning_run_id: int):
    """Statut, relances proposées ou envoyées, factures retirées à l'envoi et pourquoi."""
    _runner(request)
    return run_out(_run(dunning_run_id))


@router.post(
    "/dunning-runs/{dunning_run_id}/send",
    response={200: DunningRunOut},
    summary="Envoyer les relances",
)
def dunning_run_send_post(request: HttpRequest, dunning_run_id: int, payload: DunningRunSendIn):
    """Envoie les relances de l'aperçu, sauf celles des clients écartés : chaque facture est
    vérifiée de nouveau (réglée, suspendue ou déjà relancée à ce niveau : retirée). Une
    campagne déjà envoyée : 409."""
    _runner(request)
    run = _run(dunning_run_id)
    try:
        run = dunning_run_send(
            run=run, by=request.user, excluded_customer_ids=payload.excluded_customer_ids
        )
    except ValidationError as error:
        if getattr(error, "code", None) == RUN_CLOSED:
            raise HttpError(409, " ".join(error.messages)) from error
        raise
    return Status(200, run_out(run))
