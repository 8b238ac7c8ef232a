"""The portal's doors: the login (and, once logged in, the home page at the same address),
the logout, "mot de passe oublié" and the one-time links that set a password."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from creneau.portal import services
from creneau.portal.auth import (
    PORTAL_PREFIX,
    lockout_response,
    portal_authenticate,
    portal_is_locked,
    portal_login,
    portal_logout,
    portal_public,
)
from creneau.portal.forms import PortalForgotForm, PortalLoginForm, PortalSetPasswordForm
from creneau.portal.home import portal_home_summary
from creneau.portal.models import PortalToken

# "Mot de passe oublié" answers at most this many requests per address (IP) in
# FORGOT_WINDOW_SECONDS; past it, the same answer, and nothing is sent. The count is in
# the cache (a table of the database, shared by every server process); the real bound is
# the outbox's, per access (services.RESET_EMAILS_PER_HOUR).
FORGOT_PER_ADDRESS = 10
FORGOT_WINDOW_SECONDS = 15 * 60


def safe_next(request: HttpRequest, candidate: str) -> str | None:
    """`?next=` when it is a path of the portal on this site, else None."""
    if not candidate or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    if not candidate.startswith(PORTAL_PREFIX) or "\\" in candidate:
        return None
    # "/portail/../customers/" (or %2e%2e) is a staff page once the browser resolved it.
    segments = urlsplit(candidate).path.split("/")
    if any(unquote(segment) in (".", "..") for segment in segments):
        return None
    return candidate


@portal_public
@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """/portail/: the login form for a stranger, the home page for a portal user."""
    if request.portal_user is not None:
        user = request.portal_user
        return render(request, "portal/home.html", portal_home_summary(user))
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = PortalLoginForm(request.POST or None)
    error = False
    if request.method == "POST":
        if not form.is_valid():
            error = True
        else:
            email, password = form.cleaned_data["email"], form.cleaned_data["password"]
            if portal_is_locked(request, email):
                return lockout_response(request)
            user = portal_authenticate(request, email, password)
            if user is None:
                if getattr(request, "axes_locked_out", False) or portal_is_locked(request, email):
                    return lockout_response(request)
                error = True
            else:
                portal_login(request, user)
                return redirect(next_url or "portal:home")
    context = {"form": form, "error": error, "next": next_url or ""}
    return render(request, "portal/login.html", context, status=200)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    portal_logout(request)
    messages.success(request, _("Vous êtes déconnecté. À bientôt !"))
    return redirect("portal:home")


def _forgot_allowed(request: HttpRequest) -> bool:
    key = "portal-forgot:" + (get_client_ip_address(request) or "")
    count = cache.get(key, 0)
    if count >= FORGOT_PER_ADDRESS:
        return False
    if count == 0:
        cache.set(key, 1, FORGOT_WINDOW_SECONDS)
    else:
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.set(key, 1, FORGOT_WINDOW_SECONDS)
    return True


@portal_public
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def forgot(request: HttpRequest) -> HttpResponse:
    """Always the same answer, whether the e-mail has an access or not."""
    form = PortalForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _forgot_allowed(request):
            services.portal_reset_request(email=form.cleaned_data["email"])
        return render(request, "portal/forgot.html", {"sent": True})
    return render(request, "portal/forgot.html", {"form": form})


def _set_password(request: HttpRequest, token: str, purpose: str) -> HttpResponse:
    user = services.portal_token_user(token, purpose)
    if user is None:
        return render(request, "portal/link_invalid.html", status=410)
    form = PortalSetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.portal_password_set(
                raw_token=token, purpose=purpose, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            if services.portal_token_user(token, purpose) is None:
                # Spent by another tab in the meantime.
                return render(request, "portal/link_invalid.html", status=410)
            form.add_service_errors(error)
        else:
            portal_login(request, user)
            messages.success(
                request,
                _("Votre mot de passe est enregistré. Bienvenue dans votre espace client."),
            )
            return redirect("portal:home")
    context = {
        "form": form,
        "invitation": purpose == PortalToken.Purpose.INVITATION,
        "email": user.email,
        "action": request.path,
    }
    response = render(request, "portal/set_password.html", context)
    # The link's secret is in the address: no other site learns it from a Referer
    # ("no-referrer" would make the browser post the form with Origin: null, which
    # Django's CSRF check refuses).
    response["Referrer-Policy"] = "same-origin"
    return response


@portal_public
@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    return _set_password(request, token, PortalToken.Purpose.INVITATION)


@portal_public
@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def reset(request: HttpRequest, token: str) -> HttpResponse:
    return _set_password(request, token, PortalToken.Purpose.RESET)
