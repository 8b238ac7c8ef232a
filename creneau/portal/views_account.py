"""Mon compte: the password, the contact details the office holds (read-only), "Nous
écrire" and the calendar feed's secret link. One page; its forms post back to it with an
`action`, and a success redirects (so that reloading posts nothing twice)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from creneau.portal import services
from creneau.portal.auth import portal_session_refresh
from creneau.portal.forms import PortalMessageForm, PortalPasswordChangeForm
from creneau.portal.models import PortalUser
from creneau.portal.selectors import portal_sites

ACTIONS = ("password", "message", "ical_renew", "ical_revoke")


def portal_ical_url(user: PortalUser) -> str:
    """The feed's absolute address (settings.PUBLIC_BASE_URL, never the request's Host)."""
    if not user.ical_token:
        return ""
    return settings.PUBLIC_BASE_URL + reverse("portal:ical", args=[user.ical_token])


def _redirect(anchor: str) -> HttpResponse:
    return redirect(reverse("portal:account") + "#" + anchor)


@never_cache
@sensitive_post_parameters("old_password", "password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user: PortalUser = request.portal_user
    sites = portal_sites(user).filter(is_active=True).order_by("name", "id")
    action = request.POST.get("action") if request.method == "POST" else None
    password_form = PortalPasswordChangeForm(request.POST if action == "password" else None)
    message_form = PortalMessageForm(request.POST if action == "message" else None, sites=sites)

    if action == "password" and password_form.is_valid():
        try:
            services.portal_password_change(
                user=user,
                old=password_form.cleaned_data["old_password"],
                new=password_form.cleaned_data["password1"],
            )
        except ValidationError as error:
            password_form.add_service_errors(error)
        else:
            portal_session_refresh(request, user)
            messages.success(
                request,
                _("Mot de passe changé. Vos autres sessions ouvertes sont fermées."),
            )
            return _redirect("password")
    elif action == "message" and message_form.is_valid():
        try:
            services.portal_message_create(
                user=user,
                subject=message_form.cleaned_data["subject"],
                body=message_form.cleaned_data["body"],
                site=message_form.cleaned_data.get("site"),
            )
        except ValidationError as error:
            message_form.add_service_errors(error)
        else:
            messages.success(request, _("Message envoyé. Nous vous répondrons par e-mail."))
            return _redirect("message")
    elif action == "ical_renew":
        had_feed = bool(user.ical_token)
        services.portal_ical_renew(user=user)
        messages.success(
            request,
            _("Nouveau lien d'agenda créé : l'ancien ne fonctionne plus.")
            if had_feed
            else _("Votre lien d'agenda est prêt."),
        )
        return _redirect("calendar")
    elif action == "ical_revoke":
        services.portal_ical_revoke(user=user)
        messages.success(request, _("Lien d'agenda supprimé."))
        return _redirect("calendar")

    customer = user.customer
    context = {
        "customer": customer,
        "site": user.site,
        "password_form": password_form,
        "message_form": message_form,
        "ical_url": portal_ical_url(user),
    }
    status = 400 if action and action not in ACTIONS else 200
    return render(request, "portal/account.html", context, status=status)
