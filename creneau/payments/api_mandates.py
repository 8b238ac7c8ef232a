"""API of SEPA direct-debit mandates: the list (by customer), creating one, reading one,
correcting it before its first collection, revoking it, and its form to sign (PDF).
Direction and accounting write (403 for the others); a sales rep reads its own customers'
mandates, the IBAN masked (404 for the others); planning and intervenants read none."""

from datetime import date
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from creneau.core.api_params import BoundedLimitOffsetPagination, DbId
from creneau.core.api_text import TYPED_IDENTIFIER_MAX_LENGTH, text_of, text_up_to
from creneau.core.pdf import pdf_response
from creneau.core.schemas import InputSchema, Message
from creneau.customers.display import mask_iban
from creneau.customers.forms import user_sees_bank_details
from creneau.customers.schemas import MASKED_BIC
from creneau.customers.selectors import customers_visible_to
from creneau.payments.mandates import (
    mandate_create,
    mandate_revoke,
    mandate_update,
    mandates_visible_to,
)
from creneau.payments.models import Mandate, MandateScheme, MandateStatus, MandateType
from creneau.payments.print.mandate import mandate_filename, mandate_pdf
from creneau.payments.rules import user_may_manage_mandates, user_sees_mandates

router = Router(tags=["mandates"])

Scheme = Literal[*MandateScheme.values]  # type: ignore[valid-type]
Type = Literal[*MandateType.values]  # type: ignore[valid-type]
# Long enough to say what is wrong with a RUM in French (the service checks 35 at most).
RumText = text_up_to(TYPED_IDENTIFIER_MAX_LENGTH)
Identifier = text_up_to(TYPED_IDENTIFIER_MAX_LENGTH)

# Answers -------------------------------------------------------------------------------


class MandateOut(Schema):
    id: int
    customer_id: int
    rum: str = Field(description="Référence unique du mandat (RUM).")
    debtor_name: str = Field(description="Titulaire du compte.")
    iban: str = Field(
        description="En entier pour la direction et la comptabilité ; masqué pour les autres "
        "rôles (FR76 •••• 0189)."
    )
    bic: str
    signature_date: date | None = Field(description="Null : mandat pas encore signé.")
    signature_place: str
    scheme: str = Field(description="CORE (particuliers) ou B2B (professionnels).")
    type: str = Field(description="RCUR (récurrent) ou OOFF (ponctuel).")
    status: str = Field(description="active, revoked ou expired.")
    first_collection_date: date | None
    last_collection_date: date | None
    revoked_on: date | None
    revocation_reason: str

    @staticmethod
    def resolve_iban(obj: Mandate, context: dict[str, Any]) -> str:
        if user_sees_bank_details(context["request"].auth):
            return obj.iban
        return mask_iban(obj.iban)

    @staticmethod
    def resolve_bic(obj: Mandate, context: dict[str, Any]) -> str:
        if not obj.bic or user_sees_bank_details(context["request"].auth):
            return obj.bic
        return MASKED_BIC


# Inputs --------------------------------------------------------------------------------


class MandateIn(InputSchema):
    customer_id: DbId
    rum: RumText = Field("", description="Générée quand elle est vide.")
    debtor_name: text_of(Mandate, "debtor_name") = Field(
        "", description="Par défaut : le nom du client."
    )
    iban: Identifier = Field("", description="Obligatoire ; dans la zone SEPA.")
    bic: Identifier = Field("", description="Retrouvé à partir d'un IBAN français s'il est vide.")
    scheme: Scheme | None = Field(None, description="Par défaut : CORE (particulier), B2B (pro).")
    type: Type = MandateType.RECURRENT
    signature_date: date | None = None
    signature_place: text_of(Mandate, "signature_place") = ""


class MandatePatch(InputSchema):
    rum: RumText | None = None
    debtor_name: text_of(Mandate, "debtor_name") | None = None
    iban: Identifier | None = None
    bic: Identifier | None = None
    scheme: Scheme | None = None
    type: Type | None = None
    signature_date: date | None = None
    signature_place: text_of(Mandate, "signature_place") | None = None
    # Named so that a client trying it is told why, in French: use revoke.
    status: str | None = Field(None, max_length=20, description="Non modifiable : voir /revoke.")


class RevokeIn(InputSchema):
    reason: text_of(Mandate, "revocation_reason") = ""
    revoked_on: date | None = Field(None, description="Par défaut : aujourd'hui.")


class MandateFilters(InputSchema):
    customer_id: DbId | None = None
    status: Literal["", *MandateStatus.values] = ""  # type: ignore[valid-type]


# Helpers -------------------------------------------------------------------------------


def _require_reader(request: HttpRequest) -> None:
    if not user_sees_mandates(request.user):
        raise Http404


def _require_manager(request: HttpRequest) -> None:
    if not user_may_manage_mandates(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas de gérer les mandats de prélèvement."))


def _mandate(request: HttpRequest, mandate_id: int) -> Mandate:
    _require_reader(request)
    return get_object_or_404(
        mandates_visible_to(request.user).select_related("customer"), pk=mandate_id
    )


# Routes --------------------------------------------------------------------------------


@router.get("/mandates", response={200: list[MandateOut], 404: Message}, summary="Mandats SEPA")
@paginate(BoundedLimitOffsetPagination)
def mandate_list(request: HttpRequest, filters: Query[MandateFilters]):
    """Les mandats des clients visibles, du plus récent au plus ancien ; `customer_id` et
    `status` filtrent."""
    _require_reader(request)
    mandates = mandates_visible_to(request.user)
    if filters.customer_id is not None:
        mandates = mandates.filter(customer_id=filters.customer_id)
    if filters.status:
        mandates = mandates.filter(status=filters.status)
    return mandates.order_by("-created_at", "-id")


@router.post("/mandates", response={201: MandateOut}, summary="Créer un mandat SEPA")
def mandate_add(request: HttpRequest, payload: MandateIn):
    """Un mandat actif pour le client : RUM générée si vide, schéma selon le type de client.
    IBAN absent, invalide ou hors zone SEPA, RUM de plus de 35 caractères ou aux caractères
    interdits, RUM déjà prise, client ayant déjà un mandat actif : 422."""
    _require_reader(request)
    customer = get_object_or_404(customers_visible_to(request.user), pk=payload.customer_id)
    _require_manager(request)
    fields = payload.dict(exclude={"customer_id"})
    mandate = mandate_create(customer=customer, by=request.user, **fields)
    return Status(201, mandate)


@router.get("/mandates/{mandate_id}", response=MandateOut, summary="Lire un mandat SEPA")
def mandate_detail(request: HttpRequest, mandate_id: DbId):
    return _mandate(request, mandate_id)


@router.patch("/mandates/{mandate_id}", response=MandateOut, summary="Modifier un mandat SEPA")
def mandate_patch(request: HttpRequest, mandate_id: DbId, payload: MandatePatch):
    """Avant le premier prélèvement : RUM, titulaire, IBAN, BIC, schéma, type, date et lieu
    de signature. Après : le titulaire seulement (le reste : 422). Un mandat révoqué ou
    expiré ne se modifie plus ; le statut ne se modifie pas (voir /revoke) : 422."""
    mandate = _mandate(request, mandate_id)
    _require_manager(request)
    fields = payload.dict(exclude_unset=True)
    if fields.pop("status", mandate.status) != mandate.status:
        raise ValidationError(
            {
                "status": _(
                    "Le statut ne se modifie pas : un mandat se révoque (POST "
                    "/mandates/{id}/revoke), et un mandat révoqué ou expiré ne redevient "
                    "pas actif."
                )
            }
        )
    nullable = {"signature_date"}
    for name, value in list(fields.items()):
        if value is None and name not in nullable:
            fields[name] = ""
    return mandate_update(mandate=mandate, by=request.user, **fields)


@router.post(
    "/mandates/{mandate_id}/revoke", response=MandateOut, summary="Révoquer un mandat SEPA"
)
def mandate_revoke_route(request: HttpRequest, mandate_id: DbId, payload: RevokeIn | None = None):
    """Plus rien n'est prélevé sous ce mandat à partir de `revoked_on` (aujourd'hui par
    défaut ; pas dans le futur). Mandat déjà révoqué ou expiré : 422."""
    mandate = _mandate(request, mandate_id)
    _require_manager(request)
    payload = payload or RevokeIn()
    return mandate_revoke(
        mandate=mandate, by=request.user, reason=payload.reason, on=payload.revoked_on
    )


@router.get(
    "/mandates/{mandate_id}/form.pdf",
    response={200: None},
    summary="Formulaire de mandat à signer (PDF)",
    openapi_extra={
        "responses": {
            200: {
                "description": "Le mandat pré-rempli, PDF/A-3b.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def mandate_form(request: HttpRequest, mandate_id: DbId):
    """Le mandat pré-rempli (créancier, ICS, RUM, débiteur, type, texte légal) à faire signer.
    Pour un commercial, l'IBAN est masqué."""
    mandate = _mandate(request, mandate_id)
    pdf = mandate_pdf(mandate=mandate, reveal_bank=user_sees_bank_details(request.user))
    return pdf_response(pdf, mandate_filename(mandate))
