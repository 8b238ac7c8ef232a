"""API of SEPA collection batches (remises de prélèvements): make one (all the invoices
proposed, or those given), list and read them, download the pain.008 file as stored,
mark one transmitted, reject a debit with its R-code. Direction and accounting only (404
for the other roles); bad input 422, in French (docs/sepa.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from creneau.core.api_params import BoundedLimitOffsetPagination
from creneau.core.params import parse_id
from creneau.core.schemas import DbId, InputSchema, Message, decimal_out, decimal_string
from creneau.payments.models import SepaBatch
from creneau.payments.rules import user_may_run_sepa_batches
from creneau.payments.sepa_batches import MAX_INVOICES, sepa_batch_create, sepa_batch_xml
from creneau.payments.sepa_collect import sepa_batch_transmit, sepa_item_reject

router = Router(tags=["sepa"])

Amount = decimal_out(places=2)
FeeIn = decimal_string(digits=4, places=2, description="Frais de rejet TTC, en euros.")


class SepaBatchIn(InputSchema):
    collection_date: date = Field(description="Jour ouvré interbancaire, à venir.")
    due_by: date | None = Field(None, description="Échéances jusqu'au ; la date de prélèvement.")
    invoice_ids: list[DbId] | None = Field(
        None, max_length=MAX_INVOICES, description="Par défaut : toutes les factures proposées."
    )


class RejectIn(InputSchema):
    reason_code: str = Field(max_length=10, description="Code R : AC01, AM04, MD06…")
    add_fee: bool = Field(False, description="Facturer des frais de rejet au client.")
    fee: FeeIn | None = Field(None, description="Par défaut : les frais de la société.")


class SepaItemOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str | None
    customer_id: int
    mandate_id: int
    rum: str
    amount: Amount
    sequence_type: str = Field(description="FRST, RCUR ou OOFF")
    status: str = Field(description="pending, collected ou rejected")
    prenotified_at: datetime | None
    payment_id: int | None
    reject_code: str
    reject_fee_invoice_id: int | None


class SepaBatchOut(Schema):
    id: int
    collection_date: date
    due_by: date | None
    status: str = Field(description="prepared ou transmitted")
    pain_version: str
    message_id: str
    total: Amount
    item_count: int
    xml_sha256: str
    created_at: datetime
    transmitted_at: datetime | None
    items: list[SepaItemOut]


class SepaBatchSummary(Schema):
    id: int
    collection_date: date
    status: str
    pain_version: str
    total: Amount
    item_count: int
    created_at: datetime
    transmitted_at: datetime | None

    @staticmethod
    def resolve_total(obj: SepaBatch) -> str:
        return f"{obj.total:.2f}"


def _item_out(item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "invoice_id": item.invoice_id,
        "invoice_number": item.invoice.number,
        "customer_id": item.customer_id,
        "mandate_id": item.mandate_id,
        "rum": item.mandate.rum,
        "amount": f"{item.amount:.2f}",
        "sequence_type": item.sequence_type,
        "status": item.status,
        "prenotified_at": item.prenotified_at,
        "payment_id": item.payment_id,
        "reject_code": item.reject_code,
        "reject_fee_invoice_id": item.reject_fee_invoice_id,
    }


def batch_out(batch: SepaBatch) -> dict[str, Any]:
    items = batch.items.select_related("invoice", "mandate").order_by("id")
    return {
        "id": batch.pk,
        "collection_date": batch.collection_date,
        "due_by": batch.due_by,
        "status": batch.status,
        "pain_version": batch.pain_version,
        "message_id": batch.message_id,
        "total": f"{batch.total:.2f}",
        "item_count": batch.item_count,
        "xml_sha256": batch.xml_sha256,
        "created_at": batch.created_at,
        "transmitted_at": batch.transmitted_at,
        "items": [_item_out(item) for item in items],
    }


def _require(request: HttpRequest) -> None:
    if not user_may_run_sepa_batches(request.user):
        raise Http404


def _batch(batch_id: int) -> SepaBatch:
    return get_object_or_404(SepaBatch, pk=parse_id(batch_id) or 0)


@router.post("/sepa-batches", response={201: SepaBatchOut}, summary="Nouvelle remise")
def sepa_batch_post(request: HttpRequest, payload: SepaBatchIn):
    """Prépare une remise de prélèvements à la date `collection_date` : les factures
    données, ou toutes celles proposées (émises, restant dues, échues au plus tard à
    `due_by`, de clients ayant un mandat actif et signé). Le fichier pain.008 est écrit
    une fois, validé contre le XSD officiel ; les débiteurs sont prévenus par e-mail."""
    _require(request)
    batch = sepa_batch_create(
        collection_date=payload.collection_date,
        due_by=payload.due_by,
        invoice_ids=payload.invoice_ids,
        by=request.user,
    )
    return Status(201, batch_out(batch))


@router.get(
    "/sepa-batches", response={200: list[SepaBatchSummary], 404: Message}, summary="Remises"
)
@paginate(BoundedLimitOffsetPagination)
def sepa_batch_list(request: HttpRequest) -> QuerySet[SepaBatch]:
    """Les remises, les plus récentes (par date de prélèvement) d'abord."""
    _require(request)
    return SepaBatch.objects.order_by("-collection_date", "-id")


@router.get("/sepa-batches/{sepa_batch_id}", response=SepaBatchOut, summary="Une remise")
def sepa_batch_get(request: HttpRequest, sepa_batch_id: DbId):
    _require(request)
    return batch_out(_batch(sepa_batch_id))


@router.get(
    "/sepa-batches/{sepa_batch_id}/xml",
    response={200: None},
    summary="Le fichier pain.008 de la remise",
    openapi_extra={
        "responses": {
            200: {
                "description": "Le fichier pain.008, tel qu'écrit à la création.",
                "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def sepa_batch_xml_get(request: HttpRequest, sepa_batch_id: DbId):
    """Le fichier tel qu'il a été écrit à la création, octet pour octet (application/xml)."""
    _require(request)
    batch = _batch(sepa_batch_id)
    response = HttpResponse(sepa_batch_xml(batch), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
    return response


@router.post(
    "/sepa-batches/{sepa_batch_id}/transmitted",
    response={200: SepaBatchOut},
    summary="Marquer la remise comme transmise",
)
def sepa_batch_transmitted(request: HttpRequest, sepa_batch_id: DbId):
    """Enregistre un règlement par prélèvement SEPA à la date de prélèvement, affecté à sa
    facture. Une remise déjà transmise : 422."""
    _require(request)
    return Status(200, batch_out(sepa_batch_transmit(batch=_batch(sepa_batch_id), by=request.user)))


@router.post(
    "/sepa-batches/{sepa_batch_id}/items/{sepa_item_id}/reject",
    response={200: SepaItemOut},
    summary="Rejet d'un prélèvement",
)
def sepa_item_reject_post(
    request: HttpRequest, sepa_batch_id: DbId, sepa_item_id: DbId, payload: RejectIn
):
    """Le règlement est annulé (la facture est de nouveau due et relancée), le motif
    (code R) est gardé ; avec `add_fee`, une facture de frais de rejet est émise. Un
    prélèvement non transmis ou un code inconnu : 422."""
    _require(request)
    batch = _batch(sepa_batch_id)
    item = get_object_or_404(batch.items, pk=parse_id(sepa_item_id) or 0)
    item = sepa_item_reject(
        item=item,
        reason_code=payload.reason_code,
        add_fee=payload.add_fee,
        fee=payload.fee,
        by=request.user,
    )
    item = batch.items.select_related("invoice", "mandate").get(pk=item.pk)
    return Status(200, _item_out(item))
