import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from creneau.core.roles import intervenant_may_open, user_is_intervenant


class StaffLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a staff login, except the API (bearer tokens, answers 401 itself)
    and the client portal (its own login: creneau.portal.auth.PortalMiddleware)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(("/api/", "/portail/")) or request.path == "/portail":
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class IntervenantAllowlistMiddleware:
    """An intervenant's login opens only what core.roles.intervenant_may_open allows (its
    own day sheet and planning, its account); every other page or API route answers 403,
    whatever its view checks. One list in one place, so that a new screen is closed to
    intervenants until it is named there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if request.path.startswith("/portail/") or request.path == "/portail":
            return None  # the client portal: another door, which a staff login does not open
        if not user_is_intervenant(request.user) or intervenant_may_open(request):
            return None
        message = _(
            "Votre identifiant d'intervenant ouvre seulement votre journée et votre planning."
        )
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        raise PermissionDenied(message)


class ChosenLanguageMiddleware:
    """French first: the interface speaks settings.LANGUAGE_CODE unless the user picked
    another language with the switch of the user menu (Django's language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language instead, and an
    office PC set up in English would then show the back office in English.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


# A JSON "\u0000" escape, unless its backslash is itself escaped ("\\u0000" is plain text).
JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


def _query_dict_has_nul(data: QueryDict) -> bool:
    return _has_nul(data.keys()) or _has_nul(item for _key, items in data.lists() for item in items)


class RejectNulMiddleware:
    """Answer 400 to a request whose path, query string or body holds a NUL character.

    PostgreSQL refuses NUL in text, so such a value would end as a 500 deep in a search or
    a save. Multipart bodies (file uploads) are not read here, to keep them out of memory:
    Django's form fields already refuse NUL in their text fields.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.has_nul(request):
            return self.refusal(request)
        return self.get_response(request)

    @staticmethod
    def has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path or _query_dict_has_nul(request.GET):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type.startswith("multipart/"):
            return False
        if content_type == "application/x-www-form-urlencoded":
            return _query_dict_has_nul(request.POST)
        body = request.body
        return b"\x00" in body or JSON_NUL_ESCAPE.search(body) is not None

    @staticmethod
    def refusal(request: HttpRequest) -> HttpResponse:
        message = _("La requête contient un caractère nul (\\x00), qui n'est pas accepté.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class PdfErrorMiddleware:
    """A page whose PDF could not be laid out (core.pdf.PdfRenderError, a bug that core.pdf
    has logged) sends the user back where they were, with a French message, instead of a
    server error page. The write that needed the PDF has been rolled back by then."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from creneau.core.pdf import PdfRenderError

        if not isinstance(exception, PdfRenderError) or request.path.startswith("/api/"):
            return None
        messages.error(request, exception.user_message)
        referer = request.headers.get("Referer", "")
        back = (
            referer
            if url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            else "/"
        )
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = back
            return response
        return redirect(back)
