"""API of the monthly billing run: the preview of a period, its issuing by the task worker,
and its progress. Direction and accounting only (403 for the other roles)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from creneau.billing.models import BillingRun, BillingRunItem
from creneau.billing.rules import user_may_issue_invoices
from creneau.billing.runs import (
    EARLIEST,
    LATEST,
    billing_run_create,
    billing_run_invoice_ids,
    billing_run_issue,
)
from creneau.core.params import parse_id
from creneau.core.schemas import DbId, InputSchema, decimal_out

router = Router(tags=["billing runs"])

# A run names at most this many customers (the whole file is billed without the filter).
MAX_CUSTOMERS = 10_000
Amount = decimal_out(places=2)


def _within_bounds(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", "date out of range")
    return value


BillingDate = Annotated[date, AfterValidator(_within_bounds)]


class BillingRunIn(InputSchema):
    period_start: BillingDate
    period_end: BillingDate
    customer_ids: list[DbId] | None = Field(None, max_length=MAX_CUSTOMERS)
    include_missed: bool = False


class BillingRunIssueIn(InputSchema):
    excluded_customer_ids: list[DbId] = Field(default_factory=list, max_length=MAX_CUSTOMERS)
    send: bool = False


class ProposedLineOut(Schema):
    key: str
    site_id: int
    service_id: int | None
    description: str
    quantity: str
    unit: str
    unit_price: str
    vat_rate: str
    net: Amount
    intervention_ids: list[int]
    flat_month: date | None


class ProposedInvoiceOut(Schema):
    customer_id: int
    billing_group: str
    site_ids: list[int]
    lines: list[ProposedLineOut]
    total_net: Amount
    total_vat: Amount
    total_gross: Amount


class ProgressOut(Schema):
    done: int
    total: int


class BillingRunOut(Schema):
    id: int
    status: str
    period_start: date
    period_end: date
    include_missed: bool
    send: bool
    progress: ProgressOut
    invoice_ids: list[int]
    error: str
    invoices: list[ProposedInvoiceOut] = Field(
        description="Les factures proposées par l'aperçu (celles qu'on n'a pas écartées)."
    )


def _line(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": line["key"],
        "site_id": line["site_id"],
        "service_id": line["service_id"],
        "description": line["description"],
        "quantity": line["quantity"],
        "unit": line["unit"],
        "unit_price": line["unit_price"],
        "vat_rate": line["vat_rate"],
        "net": line["net"],
        "intervention_ids": [visit[0] for visit in line["visits"]],
        "flat_month": line["flat_month"],
    }


def _proposed(item: BillingRunItem) -> dict[str, Any]:
    return {
        "customer_id": item.customer_id,
        "billing_group": item.billing_group,
        "site_ids": item.proposal["site_ids"],
        "lines": [_line(line) for line in item.proposal["lines"] if not line.get("excluded")],
        "total_net": f"{item.total_net:.2f}",
        "total_vat": f"{item.total_vat:.2f}",
        "total_gross": f"{item.total_gross:.2f}",
    }


def run_out(run: BillingRun) -> dict[str, Any]:
    items = run.items.filter(excluded=False).order_by("customer_id", "billing_group")
    return {
        "id": run.pk,
        "status": run.status,
        "period_start": run.period_start,
        "period_end": run.period_end,
        "include_missed": run.include_missed,
        "send": run.send,
        "progress": {"done": run.progress_done, "total": run.progress_total},
        "invoice_ids": billing_run_invoice_ids(run),
        "error": run.error,
        "invoices": [_proposed(item) for item in items],
    }


def _issuer(request: HttpRequest) -> None:
    if not user_may_issue_invoices(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas de facturer."))


def _run(run_id: int) -> BillingRun:
    return get_object_or_404(BillingRun, pk=parse_id(run_id) or 0)


@router.post("/billing-runs", response={201: BillingRunOut}, summary="Aperçu d'une facturation")
def billing_run_post(request: HttpRequest, payload: BillingRunIn):
    """Les factures proposées d'une période (une par client et groupe de facturation) :
    rien n'est numéroté. Une période d'un an au plus ; des clients connus."""
    _issuer(request)
    run = billing_run_create(
        by=request.user,
        period_start=payload.period_start,
        period_end=payload.period_end,
        customer_ids=payload.customer_ids,
        include_missed=payload.include_missed,
    )
    return Status(201, run_out(run))


@router.post(
    "/billing-runs/{billing_run_id}/issue",
    response={202: BillingRunOut},
    summary="Émettre une facturation",
)
def billing_run_issue_post(request: HttpRequest, billing_run_id: int, payload: BillingRunIssueIn):
    """Émet les factures proposées, sauf celles des clients écartés, dans le traitement des
    tâches ; `GET /billing-runs/{id}` suit l'avancement."""
    _issuer(request)
    run = billing_run_issue(
        run=_run(billing_run_id),
        by=request.user,
        excluded_customer_ids=payload.excluded_customer_ids,
        send=payload.send,
    )
    return Status(202, run_out(run))


@router.get("/billing-runs/{billing_run_id}", response=BillingRunOut, summary="Une facturation")
def billing_run_get(request: HttpRequest, billing_run_id: int):
    """Statut (`preview`, `issuing`, `issued`, `failed`), avancement et factures émises."""
    _issuer(request)
    return run_out(_run(billing_run_id))
