"""Middlewares of operations, first in settings.MIDDLEWARE: the request id, the request
log line, and /healthz answered before the rest of the stack (no session, no login, no
CSP, no HTTPS redirect, no host check: a load balancer probes the server by its address,
over plain HTTP)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse

from creneau.operations.health import health_report
from creneau.operations.request_id import REQUEST_ID_HEADER, current_request_id, request_id_from

request_logger = logging.getLogger("creneau.request")


class RequestIdMiddleware:
    """Gives each request an id: the X-Request-ID a proxy sent when it is sane (bounded,
    printable), a new one otherwise. Every log line written while the request is served
    carries it, the response echoes it, and with LOG_REQUESTS one line per request says
    method, path, status, duration and user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        # Kept until the response is closed (request_finished, see request_id.py): Django
        # logs a 4xx or 5xx answer after the middlewares have returned.
        current_request_id.set(request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        if settings.LOG_REQUESTS:
            log_request(request, response, duration=time.monotonic() - started)
        return response


def log_request(request: HttpRequest, response: HttpResponse, *, duration: float) -> None:
    """One INFO line on the creneau.request logger; the path without its query string."""
    # The API's bearer token sets request.auth; /healthz is answered before the auth.
    user = getattr(request, "auth", None)
    if not isinstance(user, AbstractBaseUser):
        user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    request_logger.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration * 1000, 1),
            "user_id": user_id,
        },
    )


class HealthzMiddleware:
    """GET or HEAD on settings.HEALTHZ_PATH: 200 with every check "ok", 503 naming the part
    that failed (creneau.operations.health). Never cached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.paths = {settings.HEALTHZ_PATH.rstrip("/"), settings.HEALTHZ_PATH.rstrip("/") + "/"}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in self.paths:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse({"detail": "Method not allowed"}, status=405)
            response["Allow"] = "GET, HEAD"
        else:
            healthy, report = health_report()
            response = JsonResponse(report, status=200 if healthy else 503)
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
