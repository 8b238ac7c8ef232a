"""What the API refuses before a handler runs, for every route at once (wired in core/api.py):

- a write whose body is not of the type the route reads: 415;
- a body on a route that takes none, unless empty or `{}`: 422, like an unknown field;
- a query parameter the route does not know: 422 `Champ inconnu.` at ["query", name];
- a body over DATA_UPLOAD_MAX_MEMORY_SIZE (ApiBodySizeMiddleware): 413 in JSON, before
  anything reads it (Django would answer its HTML 400 page).

A client that sends what it believes the API reads (a misspelt filter, a form-encoded
body) is told so, instead of getting a 200 that ignored it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation

WRITE_METHODS = ("POST", "PUT", "PATCH")
JSON = "application/json"
MULTIPART = "multipart/form-data"


def body_too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _(
        "Corps de requête trop volumineux : %(size)s Mo au plus (les documents se déposent "
        "en multipart/form-data)."
    ) % {"size": round(limit / 1024 / 1024, 1)}


def content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class ApiBodySizeMiddleware:
    """Answer 413 in JSON to an API body larger than DATA_UPLOAD_MAX_MEMORY_SIZE, by its
    Content-Length and before any middleware reads it. File uploads (multipart) are
    measured by their own limit (DOCUMENT_MAX_UPLOAD_SIZE) as they are read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            request.path.startswith("/api/")
            and limit is not None
            and content_length(request) > limit
            and not (request.content_type or "").startswith("multipart/")
        ):
            return JsonResponse({"detail": body_too_large_message()}, status=413)
        return self.get_response(request)


def accepted_content_type(operation: Operation) -> str | None:
    """The media type the route reads its body in, or None for a route without a body."""
    sources = {model.__ninja_param_source__ for model in operation.models}
    extra_body = (operation.openapi_extra or {}).get("requestBody", {}).get("content", {})
    if "form" in sources or "file" in sources or MULTIPART in extra_body:
        return MULTIPART
    if "body" in sources:
        return JSON
    return None


def known_query_parameters(operation: Operation) -> set[str]:
    names: set[str] = set()
    for model in operation.models:
        if model.__ninja_param_source__ == "query":
            flatten_map = getattr(model, "__ninja_flatten_map__", None) or {}
            names.update(flatten_map or model.model_fields)
    return names


def unsupported_media_type(accepted: str) -> HttpError:
    if accepted == MULTIPART:
        message = _(
            "Type de contenu non accepté : envoyez le fichier en multipart/form-data "
            "(avec sa limite, « boundary »)."
        )
    else:
        message = _("Type de contenu non accepté : envoyez un objet JSON (application/json).")
    return HttpError(415, message)


def field_errors(source: str, errors: list[tuple[str | None, str]]) -> NinjaValidationError:
    """Errors of shape, read by core.api's handler like pydantic's."""
    return NinjaValidationError(
        [
            {"loc": [source] if name is None else [source, name], "type": kind}
            for name, kind in errors
        ]
    )


def refuse_unknown_query(request: HttpRequest, known: set[str]) -> Exception | None:
    unknown = [name for name in request.GET if name not in known]
    if unknown:
        return field_errors("query", [(name, "extra_forbidden") for name in unknown])
    return None


def refuse_body(request: HttpRequest, accepted: str | None) -> Exception | None:
    """The refusal of a write's body (415 or 422), or None if the route may read it."""
    if request.method not in WRITE_METHODS:
        return None
    has_body = content_length(request) > 0
    given = request.content_type or ""
    if accepted == MULTIPART:
        boundary = request.content_params.get("boundary") if given == MULTIPART else None
        if (has_body or given) and not boundary:
            return unsupported_media_type(MULTIPART)
        return None
    if not has_body:
        return None
    if given != JSON:
        return unsupported_media_type(JSON)
    if accepted == JSON:
        return None
    # A route without a body: `{}` is nothing, anything else is not understood.
    try:
        data = json.loads(request.body)
    except ValueError:
        return HttpError(400, "Cannot parse request body")
    if not isinstance(data, dict):
        return field_errors("body", [(None, "model_type")])
    if data:
        return field_errors("body", [(str(name), "extra_forbidden") for name in data])
    return None


def guard_requests(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an operation's run (a "view" decorator of NinjaAPI.add_decorator, applied to
    every route) with the refusals above. Authentication comes first: an anonymous
    client gets 401 whatever it sent."""
    operation: Operation = run.__self__  # type: ignore[attr-defined]
    accepted = accepted_content_type(operation)
    known = known_query_parameters(operation)

    @wraps(run)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = refuse_body(request, accepted) or refuse_unknown_query(request, known)
        if refusal is None:
            return run(request, *args, **kwargs)
        checks_failed = operation._run_checks(request)
        return checks_failed or operation.api.on_exception(request, refusal)

    return guarded
