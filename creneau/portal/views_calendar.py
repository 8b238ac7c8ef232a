"""The portal's calendar feed: a secret URL that a phone's agenda reads without a login
(see portal.ical). Renewing or deleting the link from Mon compte makes it answer 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from creneau.portal.auth import portal_public
from creneau.portal.ical import portal_calendar, portal_user_by_ical_token

CONTENT_TYPE = "text/calendar; charset=utf-8"


@portal_public  # guarded by its secret token, which renewing or deleting it revokes
@require_safe
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = portal_user_by_ical_token(token)
    if user is None:
        raise Http404
    response = HttpResponse(portal_calendar(user), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="passages.ics"'
    # The URL is a secret: no shared cache keeps it, no search engine lists it.
    patch_cache_control(response, private=True, no_cache=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
