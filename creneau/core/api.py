"""The REST API root: /api/v1/, bearer-token auth, French validation errors.

Each app adds its router in `api_routers()` below; handlers stay thin and call the app's
services and selectors, so that visibility and validation are the same as in the pages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from creneau.core.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return api_token.user


api = NinjaAPI(
    title="Créneau API",
    version="1",
    auth=BearerToken(),
    urls_namespace="api",
    description=_("API REST de Créneau. Authentification : « Authorization: Bearer <jeton> »."),
)

PYDANTIC_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_type": "Saisissez un texte.",
    "int_type": "Saisissez un nombre entier.",
    "int_parsing": "Saisissez un nombre entier.",
    "decimal_parsing": "Saisissez un nombre.",
    "bool_type": "Saisissez vrai ou faux.",
    "bool_parsing": "Saisissez vrai ou faux.",
    "enum": "Valeur non autorisée.",
    "literal_error": "Valeur non autorisée.",
    "model_type": "Saisissez un objet.",
    "dict_type": "Saisissez un objet.",
    "list_type": "Saisissez une liste.",
    "string_too_long": "Texte trop long.",
    "date_from_datetime_parsing": "Saisissez une date valide (AAAA-MM-JJ).",
    "date_parsing": "Saisissez une date valide (AAAA-MM-JJ).",
    "json_invalid": "Corps de requête JSON invalide.",
}


def validation_error_response(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Schema errors, with the field path and a French message instead of pydantic's English."""
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", [])],
            "field": str(error.get("loc", [""])[-1]),
            "msg": PYDANTIC_MESSAGES.get(error.get("type", ""), "Valeur invalide."),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return validation_error_response(request, errors)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """Service and form validation errors: one entry per field, in French."""
    if hasattr(exc, "error_dict"):
        items = [
            (field, message) for field, errors in exc.message_dict.items() for message in errors
        ]
    else:
        items = [("__all__", message) for message in exc.messages]
    errors = [{"loc": ["body", field], "field": field, "msg": message} for field, message in items]
    return validation_error_response(request, errors)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Introuvable.")}, status=404)


def api_routers() -> None:
    from creneau.customers.api import router as customers_router

    api.add_router("/", customers_router)
    from creneau.catalog.api import router as catalog_router
    from creneau.quotes.api import router as quotes_router

    api.add_router("/", catalog_router)
    api.add_router("/", quotes_router)


api_routers()
