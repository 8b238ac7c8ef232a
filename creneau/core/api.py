"""The REST API root: /api/v1/, bearer-token auth, French validation errors.

Each app adds its router in `api_routers()` below; handlers stay thin and call the app's
services and selectors, so that visibility and validation are the same as in the pages.
Every route gets, from here, what the API base promises: inputs read by schemas that
derive from core.schemas.InputSchema (unknown fields refused), the refusals of
core.api_requests (415, unknown query parameters, bodies on body-less routes), and the
shared error answers in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation
from ninja.security import HttpBearer

from creneau.core.api_requests import (
    WRITE_METHODS,
    body_too_large_message,
    guard_requests,
)
from creneau.core.models import ApiToken
from creneau.core.pdf import PdfRenderError
from creneau.core.roles import intervenant_may_open, user_is_intervenant
from creneau.core.schemas import Message, ValidationErrors
from creneau.core.services import TooManyRequests


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        """The token's user if the token is active (not revoked, not past its last day) and
        its user too; None otherwise, which answers 401. Records the token's last use."""
        api_token = (
            ApiToken.objects.select_related("user")
            .active()
            .filter(key_hash=ApiToken.hash(token), user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        if user_is_intervenant(api_token.user) and not intervenant_may_open(request):
            # An intervenant's token opens its own visits and record, nothing else.
            raise HttpError(
                403, _("Ce jeton d'intervenant n'ouvre que ses interventions et sa fiche.")
            )
        return api_token.user


def unauthenticated_message() -> str:
    return _("Authentification requise : envoyez « Authorization: Bearer <jeton> ».")


def docs_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document and the interactive docs are for a logged-in staff user or a
    bearer token; anonymous visitors are sent to the login page (docs) or get 401 (JSON)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            authenticated = request.user.is_authenticated or BearerToken()(request) is not None
        except HttpError as refusal:  # an intervenant's token
            return JsonResponse({"detail": str(refusal)}, status=refusal.status_code)
        if authenticated:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            response = JsonResponse({"detail": unauthenticated_message()}, status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        return redirect_to_login(request.get_full_path())

    return guarded


api = NinjaAPI(
    title="Créneau API",
    version="1",
    auth=BearerToken(),
    docs_decorator=docs_login_required,
    urls_namespace="api",
    # Markdown: the code spans keep "<jeton>" from being read as an HTML tag in the docs.
    description=_(
        "API REST de Créneau. Authentification : `Authorization: Bearer <jeton>`, le jeton "
        "étant créé par `manage.py create_api_token UTILISATEUR`. Les listes répondent "
        '`{"items": [...], "count": N}` (paramètres `limit`, 500 au plus, et `offset`). Les '
        "corps sont des objets JSON (`application/json`, sinon 415) ; les nombres décimaux "
        's\'y écrivent en texte (`"12.50"`). Les modifications sont partielles (PATCH). '
        "Une valeur refusée, un champ ou un paramètre inconnu répondent 422 avec le champ et "
        "un message en français ; un objet inconnu ou invisible pour l'utilisateur répond 404."
    ),
)

PYDANTIC_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Champ inconnu.",
    "string_type": "Saisissez un texte.",
    "int_type": "Saisissez un nombre entier.",
    "int_parsing": "Saisissez un nombre entier.",
    "int_parsing_size": "Valeur trop grande.",
    "decimal_parsing": "Saisissez un nombre.",
    "bool_type": "Saisissez vrai ou faux.",
    "bool_parsing": "Saisissez vrai ou faux.",
    "enum": "Valeur non autorisée.",
    "literal_error": "Valeur non autorisée.",
    "model_type": "Saisissez un objet.",
    "model_attributes_type": "Saisissez un objet.",
    "dict_type": "Saisissez un objet.",
    "list_type": "Saisissez une liste.",
    "string_too_long": "Texte trop long.",
    "string_pattern_mismatch": "Format invalide.",
    "greater_than_equal": "Valeur trop petite.",
    "less_than_equal": "Valeur trop grande.",
    "int_from_float": "Saisissez un nombre entier.",
    "date_type": "Saisissez une date valide (AAAA-MM-JJ).",
    "date_from_datetime_parsing": "Saisissez une date valide (AAAA-MM-JJ).",
    "date_from_datetime_inexact": "Saisissez une date valide (AAAA-MM-JJ).",
    "date_parsing": "Saisissez une date valide (AAAA-MM-JJ).",
    "date_range": "Date hors des limites : de 2000 à 2099.",
    "datetime_type": "Saisissez une date et une heure (AAAA-MM-JJTHH:MM:SS+02:00).",
    "datetime_parsing": "Saisissez une date et une heure (AAAA-MM-JJTHH:MM:SS+02:00).",
    "datetime_from_date_parsing": "Saisissez une date et une heure (AAAA-MM-JJTHH:MM:SS+02:00).",
    "datetime_object_invalid": "Saisissez une date et une heure (AAAA-MM-JJTHH:MM:SS+02:00).",
    "json_invalid": "Corps de requête JSON invalide.",
    "lone_surrogate": "Texte invalide : il contient une moitié de caractère UTF-16 isolée.",
}


def schema_error_message(error: dict[str, Any]) -> str:
    """pydantic's check in French; some say their bound (ctx)."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "decimal_format":
        return (
            _(
                "Saisissez un nombre décimal en texte, avec un point (ex. « %(example)s ») : "
                "%(digits)s chiffres au plus avant le point, %(places)s après."
            )
            % context
        )
    if kind == "too_long":
        return _("Liste trop longue : %(max_length)s éléments au plus.") % context
    if kind == "too_short":
        return _("Liste trop courte : %(min_length)s éléments au moins.") % context
    return PYDANTIC_MESSAGES.get(kind, "Valeur invalide.")


def validation_error_response(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, {"detail": errors}, status=422)


def schema_error_field(loc: list[Any] | tuple[Any, ...]) -> str:
    """The field as the client wrote it, dotted when nested: `billing_address.postcode`.

    loc starts with the source (body, query, path); a body is read into one schema named
    after the handler's parameter (`payload`), which is not part of what the client sent.
    Query filters are read into one schema too (`filters`), likewise left out.
    """
    parts = [str(part) for part in loc[1:]]
    if loc and loc[0] in ("body", "query") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Schema errors, with the field path and a French message instead of pydantic's English."""
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", [])],
            "field": schema_error_field(error.get("loc", [])),
            "msg": schema_error_message(error),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return validation_error_response(request, errors)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """Service and form validation errors: one entry per field, in French. A read takes
    its values from the query string only, so its errors are named there."""
    if hasattr(exc, "error_dict"):
        items = [
            (field, message) for field, errors in exc.message_dict.items() for message in errors
        ]
    else:
        items = [("__all__", message) for message in exc.messages]
    source = "query" if request.method in ("GET", "HEAD") else "body"
    errors = [
        {"loc": [source, *field.split(".")], "field": field, "msg": message}
        for field, message in items
    ]
    return validation_error_response(request, errors)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    # ninja's own answer to a body that is not JSON is in English.
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = PYDANTIC_MESSAGES["json_invalid"]
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": unauthenticated_message()}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Introuvable.")}, status=404)


@api.exception_handler(TooManyRequests)
def on_too_many_requests(request: HttpRequest, exc: TooManyRequests) -> HttpResponse:
    """An action done more often than allowed (quote e-mails an hour): 429, nothing done."""
    response = api.create_response(request, {"detail": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(PdfRenderError)
def on_pdf_error(request: HttpRequest, exc: PdfRenderError) -> HttpResponse:
    """A document that cannot be laid out is a bug (logged by core.pdf), not the client's
    fault: 500, with what happened in French. The write that needed it was rolled back."""
    return api.create_response(request, {"detail": str(exc.user_message)}, status=500)


@api.exception_handler(IntegrityError)
def on_conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    """A write that a concurrent one overtook (the services' checks passed, the database's
    constraint then refused): nothing was saved, and trying again gives the usual answer."""
    message = _("Conflit avec une modification simultanée : rien n'a été enregistré, réessayez.")
    return api.create_response(request, {"detail": message}, status=409)


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
def on_body_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A form body (an upload's fields) over Django's limits, found while reading it."""
    return api.create_response(request, {"detail": body_too_large_message()}, status=413)


def error_answers(operation: Operation) -> dict[int, type]:
    """The answers an operation may give besides its own, for the OpenAPI document: 400 (a
    NUL character, a body that is not JSON), 401, 404 (an object named in the path or a
    body), 403, 409 and 413 for writes, 415 for writes that may carry a body, 422."""
    answers: dict[int, type] = {400: Message, 422: ValidationErrors}
    if operation.auth_callbacks:
        answers[401] = Message
    writes = any(method != "GET" for method in operation.methods)
    if writes or "{" in operation.path:
        answers[404] = Message
    if writes:
        answers.update({403: Message, 409: Message, 413: Message})
    if any(method in WRITE_METHODS for method in operation.methods):
        answers[415] = Message
    return answers


def document_answers(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Add the shared error answers to an operation's documented responses (a "view"
    decorator of add_decorator, so that every route of every router has them)."""
    operation: Operation = run.__self__  # type: ignore[attr-defined]
    for status, schema in error_answers(operation).items():
        if status not in operation.response_models:
            operation.response_models[status] = operation._create_response_model(schema)
    return run


def api_routers() -> None:
    from creneau.customers.api import router as customers_router
    from creneau.customers.api_documents import router as documents_router

    api.add_router("/", customers_router)
    api.add_router("/", documents_router)
    from creneau.catalog.api import router as catalog_router
    from creneau.quotes.api import router as quotes_router

    api.add_router("/", catalog_router)
    api.add_router("/", quotes_router)
    from creneau.planning.api_employees import router as employees_router
    from creneau.planning.api_interventions import router as interventions_router

    api.add_router("/employees", employees_router)
    api.add_router("/interventions", interventions_router)
    from creneau.planning.api_schedules import router as schedules_router

    api.add_router("/", schedules_router)
    from creneau.billing.api import router as billing_router
    from creneau.customers.api_recipients import router as recipients_router

    api.add_router("/", recipients_router)
    api.add_router("/", billing_router)
    from creneau.billing.api_runs import router as billing_runs_router

    api.add_router("/", billing_runs_router)
    from creneau.payments.api import router as payments_router
    from creneau.payments.api_dunning import router as dunning_router
    from creneau.payments.api_holds import router as dunning_holds_router
    from creneau.payments.api_mandates import router as mandates_router
    from creneau.payments.api_reports import router as payments_reports_router
    from creneau.payments.api_sepa import router as sepa_batches_router
    from creneau.payments.api_statement import router as statement_router

    for router in (
        payments_router,
        statement_router,
        dunning_holds_router,
        dunning_router,
        payments_reports_router,
        mandates_router,
        sepa_batches_router,
    ):
        api.add_router("/", router)
    from creneau.accounting.api_exports import router as accounting_exports_router

    api.add_router("/", accounting_exports_router)
    from creneau.accounting.api_certificates import router as tax_certificates_router

    api.add_router("/", tax_certificates_router)
    from creneau.portal.api import router as portal_accesses_router

    api.add_router("/", portal_accesses_router)
    from creneau.dashboard.api import router as dashboard_router

    api.add_router("/", dashboard_router)
    from creneau.imports.api import router as imports_router

    api.add_router("/", imports_router)
    # Applied to every operation when the routers are bound, in this order: the shared
    # answers are documented, then the refusals of core.api_requests run before each one.
    api.add_decorator(document_answers, mode="view")
    api.add_decorator(guard_requests, mode="view")


api_routers()
