"""The portal's own login: its session keys, its lockout, and the middleware that closes
every portal page to strangers.

A portal user is kept in the session under keys of its own, never Django's auth keys, so
`request.user` stays anonymous: every staff page and the staff API answer a portal user
as they answer a stranger (the staff login, or 401). `request.portal_user` is the portal
user of a portal page, or None.

Failed logins go through django-axes, as the staff's do, under the name
"portail:<e-mail>" so that a portal e-mail never shares a counter with a staff login.
On the portal, 5 failures on one e-mail lock that e-mail, and 5 failures from one address
lock that address; the office unlocks an access from the customer record.
"""

from __future__ import annotations

import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessBase
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.http import urlencode

from creneau.portal.models import PortalUser

SESSION_USER_KEY = "_portal_user_id"
SESSION_HASH_KEY = "_portal_user_hash"
SESSION_SEEN_KEY = "_portal_seen"
PORTAL_PREFIX = "/portail/"
AXES_PREFIX = "portail:"
# Set on the request while a successful portal login clears its failures (portal_login):
# axes then forgets the failures of that e-mail only. With the address as a parameter too,
# it would also forget every failure from that address, on other e-mails: someone with an
# access of their own could then guess another access's password without end, logging in
# to their own account every fourth try.
RESET_USERNAME_ONLY = "portal_axes_reset_username_only"


def portal_path(path: str) -> bool:
    return path == PORTAL_PREFIX.rstrip("/") or path.startswith(PORTAL_PREFIX)


def axes_username(email: str) -> str:
    """What PortalUser.get_username() gives for this e-mail."""
    return AXES_PREFIX + email.strip().lower()


def lockout_parameters(
    request_or_attempt: HttpRequest | AccessBase, credentials: dict | None = None
) -> list[Any]:
    """AXES_LOCKOUT_PARAMETERS: on the portal, the e-mail and the address are each
    locked on their own; staff logins keep the pair (an office behind one address must
    not be locked out by one colleague's typos)."""
    if isinstance(request_or_attempt, AccessBase):
        portal = (request_or_attempt.username or "").startswith(AXES_PREFIX)
    else:
        if getattr(request_or_attempt, RESET_USERNAME_ONLY, False):
            return ["username"]
        username = (credentials or {}).get("username") or ""
        portal = username.startswith(AXES_PREFIX) or portal_path(request_or_attempt.path)
    if portal:
        return ["username", "ip_address"]
    return [["username", "ip_address"]]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the portal's login page with its French message on the
    portal, the staff's lockout page elsewhere (429 both)."""
    if portal_path(request.path):
        minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
        context = {"locked": True, "cooloff_minutes": minutes}
        return render(request, "portal/login.html", context, status=429)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {}, status=429)


def portal_is_locked(request: HttpRequest, email: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": axes_username(email)})


def portal_unlock(user: PortalUser) -> None:
    """The office's "Débloquer": forget the failed logins of this access's e-mail."""
    axes_reset(username=axes_username(user.email))


def portal_authenticate(request: HttpRequest, email: str, password: str) -> PortalUser | None:
    """The active portal user with this e-mail and password, or None after recording a
    failure with axes. The caller checks portal_is_locked first, and again after a None.

    An unknown e-mail costs one Argon2 hash too, so that the time taken does not tell
    which e-mails have an access."""
    email = (email or "").strip()
    user = PortalUser.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if user is not None and user.check_password(password):
        return user
    if user is None or not user.has_usable_password():
        # An invited access without a password yet answers as fast as a stranger would.
        make_password(password)
    user_login_failed.send(
        sender=PortalUser, credentials={"username": axes_username(email)}, request=request
    )
    return None


def portal_login(request: HttpRequest, user: PortalUser) -> None:
    """Open a portal session: a new session key (no fixation), the user's id and the hash
    of its password (a password changed elsewhere ends this session), and the idle
    expiry. `user_logged_in` updates last_login and clears axes' failures."""
    request.session.cycle_key()
    request.session[SESSION_USER_KEY] = user.pk
    request.session[SESSION_HASH_KEY] = user.get_session_auth_hash()
    request.session[SESSION_SEEN_KEY] = int(time.time() // 60)
    request.session.set_expiry(settings.PORTAL_SESSION_IDLE_MINUTES * 60)
    setattr(request, RESET_USERNAME_ONLY, True)
    try:
        user_logged_in.send(sender=PortalUser, request=request, user=user)
    finally:
        delattr(request, RESET_USERNAME_ONLY)
    request.portal_user = user


def portal_logout(request: HttpRequest) -> None:
    for key in (SESSION_USER_KEY, SESSION_HASH_KEY, SESSION_SEEN_KEY):
        request.session.pop(key, None)
    request.session.cycle_key()
    request.portal_user = None


def portal_session_refresh(request: HttpRequest, user: PortalUser) -> None:
    """After the user changed its own password: keep this session, end the others."""
    request.session[SESSION_HASH_KEY] = user.get_session_auth_hash()


def session_portal_user(request: HttpRequest) -> PortalUser | None:
    user_id = request.session.get(SESSION_USER_KEY)
    if user_id is None:
        return None
    user = (
        PortalUser.objects.select_related("customer", "site")
        .filter(pk=user_id, is_active=True, customer__is_active=True)
        .first()
    )
    stored_hash = request.session.get(SESSION_HASH_KEY, "")
    if user is None or not constant_time_compare(stored_hash, user.get_session_auth_hash()):
        portal_logout(request)
        return None
    return user


def portal_public(view):
    """Marks a portal view that opens without a portal login (login, links, calendar)."""
    view.portal_public = True
    return view


class PortalMiddleware:
    """On /portail/ only: sets request.portal_user, keeps the session alive while pages
    are opened (its expiry counts from the last write, made at most once a minute), and
    sends a stranger to the portal's login for every view not marked portal_public."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.portal_user = None
        if portal_path(request.path_info):
            request.portal_user = session_portal_user(request)
            if request.portal_user is not None:
                minute = int(time.time() // 60)
                if request.session.get(SESSION_SEEN_KEY) != minute:
                    request.session[SESSION_SEEN_KEY] = minute
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not portal_path(request.path_info):
            return None
        if request.portal_user is not None or getattr(view_func, "portal_public", False):
            return None
        login_url = "/portail/"
        if request.method == "GET" and request.path_info != login_url:
            login_url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(login_url)
