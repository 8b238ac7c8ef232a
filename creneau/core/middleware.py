from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class StaffLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a staff login, except the API (bearer tokens, answers 401 itself)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


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
