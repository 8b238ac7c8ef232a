"""The error pages that need more than Django's default views (templates/4xx.html, 500.html)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400, split in two: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many
    fields or files) answers 413 "Requête trop volumineuse", which says what to do about it;
    anything else (a forged host, a malformed request) stays a 400 "Requête incorrecte"."""
    too_large = isinstance(exception, TOO_LARGE)
    return render(request, "400.html", {"too_large": too_large}, status=413 if too_large else 400)
