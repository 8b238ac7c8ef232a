"""The employee's calendar feed: a secret URL, no login (see planning.ical)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from creneau.planning.ical import employee_by_ical_token, employee_calendar

CONTENT_TYPE = "text/calendar; charset=utf-8"


@login_not_required  # guarded by its secret token, which renewing it revokes
@require_safe
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    employee = employee_by_ical_token(token)
    if employee is None:
        raise Http404
    response = HttpResponse(employee_calendar(employee), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="planning.ics"'
    # The URL is a secret: no shared cache keeps it, no search engine lists it.
    patch_cache_control(response, private=True, no_cache=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
