"""API routes of the office's side of the portal (added in creneau.core.api.api_routers()):
GET and POST /customers/{id}/portal-accesses, DELETE /customers/{id}/portal-accesses/{id}.
The same services, rules and visibility as the record's "Portail" tab. The portal itself
is pages, not API."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from creneau.core.api_params import DbId
from creneau.core.api_text import text_of, text_up_to
from creneau.core.schemas import InputSchema
from creneau.customers.models import Customer
from creneau.customers.selectors import customer_get
from creneau.portal import services
from creneau.portal.models import PortalUser
from creneau.portal.rules import user_may_manage_portal_accesses, user_sees_portal_accesses
from creneau.portal.selectors_staff import portal_access_get, portal_accesses_of

router = Router(tags=["portal-accesses"])
PATH = "/customers/{customer_id}/portal-accesses"


class PortalAccessOut(Schema):
    id: int
    email: str
    name: str
    site_id: int | None = Field(description="null : tout le compte du client.")
    is_active: bool
    invited_at: datetime | None = Field(description="Dernière invitation envoyée.")
    last_login: datetime | None
    created_at: datetime


class PortalAccessIn(InputSchema):
    # Required, but checked in the handler: another rep's customer answers 404 first.
    email: text_up_to(254) | None = Field(
        None, description="Obligatoire : l'identifiant de l'accès."
    )
    site_id: DbId | None = Field(None, description="Un site du client ; absent : tout le compte.")
    name: text_of(PortalUser, "name") = ""
    send_invitation: bool = Field(
        True, description="Envoyer l'e-mail d'invitation (lien valable 7 jours)."
    )


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    customer = customer_get(user=request.auth, pk=customer_id)
    if not user_sees_portal_accesses(request.auth):
        raise Http404
    return customer


def _require_manager(request: HttpRequest) -> None:
    if not user_may_manage_portal_accesses(request.auth):
        raise HttpError(403, _("Votre rôle ne permet pas cette action."))


@router.get(PATH, response=list[PortalAccessOut], summary="Accès au portail d'un client")
def portal_access_list(request: HttpRequest, customer_id: DbId):
    return list(portal_accesses_of(customer=_customer(request, customer_id)))


@router.post(PATH, response={201: PortalAccessOut}, summary="Donner un accès au portail")
def portal_access_add(request: HttpRequest, customer_id: DbId, payload: PortalAccessIn):
    """Give an e-mail an access to the customer's whole account, or to one of its sites
    (`site_id`); with `send_invitation`, the invitation e-mail leaves through the outbox."""
    customer = _customer(request, customer_id)
    _require_manager(request)
    if not (payload.email or "").strip():
        raise ValidationError({"email": _("Ce champ est obligatoire.")})
    site = None
    if payload.site_id is not None:
        site = customer.sites.filter(pk=payload.site_id).first()
        if site is None:
            raise ValidationError({"site_id": _("Ce site n'appartient pas à ce client.")})
    try:
        access = services.portal_access_create(
            customer=customer,
            email=payload.email,
            site=site,
            name=payload.name,
            by=request.auth,
            send_invitation=payload.send_invitation,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        names = {"site": "site_id"}
        raise ValidationError(
            {names.get(field, field): errors for field, errors in error.error_dict.items()}
        ) from error
    access.refresh_from_db()
    return Status(201, access)


@router.delete(PATH + "/{access_id}", response={204: None}, summary="Supprimer un accès")
def portal_access_remove(request: HttpRequest, customer_id: DbId, access_id: DbId):
    customer = _customer(request, customer_id)
    access = portal_access_get(customer=customer, pk=access_id)
    if access is None:
        raise Http404
    _require_manager(request)
    services.portal_access_delete(user=access, by=request.auth)
    return Status(204, None)
