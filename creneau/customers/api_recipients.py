"""API routes of a customer's invoice recipients (destinataires de facturation), added
in creneau.core.api.api_routers(): GET and POST /customers/{id}/invoice-recipients,
DELETE /customers/{id}/invoice-recipients/{id}. The same services as the sites tab."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from creneau.core.api_params import DbId
from creneau.core.api_text import text_up_to
from creneau.core.schemas import InputSchema
from creneau.customers.models import InvoiceRecipient
from creneau.customers.selectors import (
    contacts_visible_to,
    customer_get,
    invoice_recipients_of,
)
from creneau.customers.services import invoice_recipient_add, invoice_recipient_delete

router = Router(tags=["invoice-recipients"])
PATH = "/customers/{customer_id}/invoice-recipients"
PERMISSION = "customers.change_customer"


class RecipientOut(Schema):
    id: int
    billing_group: str
    contact_id: int | None
    email: str = Field(description="L'adresse saisie, ou celle de l'interlocuteur.")
    for_invoices: bool
    for_reminders: bool

    @staticmethod
    def resolve_email(recipient: InvoiceRecipient) -> str:
        return recipient.address


class RecipientIn(InputSchema):
    billing_group: text_up_to(1) = Field(
        "A", description="Une lettre (A-Z) ou un chiffre (0-9) ; par défaut A."
    )
    contact_id: DbId | None = Field(None, description="Un interlocuteur du client…")
    email: text_up_to(254) | None = Field(None, description="…ou une adresse e-mail.")
    for_invoices: bool = True
    for_reminders: bool = True


def _require_writer(request: HttpRequest) -> None:
    if not request.auth.has_perm(PERMISSION):
        raise HttpError(403, _("Votre rôle ne permet pas cette action."))


@router.get(PATH, response=list[RecipientOut], summary="Destinataires de facturation")
def recipient_list(request: HttpRequest, customer_id: DbId):
    customer = customer_get(user=request.auth, pk=customer_id)
    return list(invoice_recipients_of(customer=customer))


@router.post(PATH, response={201: RecipientOut}, summary="Ajouter un destinataire")
def recipient_add(request: HttpRequest, customer_id: DbId, payload: RecipientIn):
    customer = customer_get(user=request.auth, pk=customer_id)
    _require_writer(request)
    contact = None
    if payload.contact_id is not None:
        contact = contacts_visible_to(request.auth).filter(pk=payload.contact_id).first()
        if contact is None:
            raise ValidationError({"contact_id": _("Interlocuteur introuvable.")})
    try:
        recipient = invoice_recipient_add(
            customer=customer,
            by=request.auth,
            billing_group=payload.billing_group,
            contact=contact,
            email=payload.email or "",
            for_invoices=payload.for_invoices,
            for_reminders=payload.for_reminders,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        names = {"contact": "contact_id"}
        raise ValidationError(
            {names.get(field, field): errors for field, errors in error.error_dict.items()}
        ) from error
    return Status(201, recipient)


@router.delete(PATH + "/{recipient_id}", response={204: None}, summary="Retirer un destinataire")
def recipient_remove(request: HttpRequest, customer_id: DbId, recipient_id: DbId):
    customer = customer_get(user=request.auth, pk=customer_id)
    recipient = get_object_or_404(
        InvoiceRecipient.objects.select_related("contact"), pk=recipient_id, customer=customer
    )
    _require_writer(request)
    invoice_recipient_delete(recipient=recipient, by=request.auth)
    return Status(204, None)
