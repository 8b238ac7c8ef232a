"""Staff roles: one Django group per role, with the permissions the role needs.

The groups are created (and their permissions reset) after every migrate, so a new
permission given to a role below reaches every installation without a data migration.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DIRECTION = "direction", _("Direction")
    SALES = "sales", _("Commercial")
    PLANNER = "planner", _("Planning")
    ACCOUNTANT = "accountant", _("Comptabilité")
    # An employee who performs the visits: sees only its own day sheet and planning.
    EMPLOYEE = "intervenant", _("Intervenant")


# Roles that see every customer; a sales rep sees only its own portfolio.
ROLES_SEEING_ALL_CUSTOMERS = {Role.DIRECTION, Role.PLANNER, Role.ACCOUNTANT}

_CUSTOMER_DATA = ["customers.customer", "customers.site", "customers.contact"]


def _perms(models_: list[str], actions: list[str]) -> list[str]:
    return [
        f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
        for model in models_
        for action in actions
    ]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DIRECTION: ["*"],
    Role.SALES: [
        *_perms(_CUSTOMER_DATA, ["view", "add", "change", "delete"]),
        "customers.view_family",
    ],
    Role.PLANNER: [
        *_perms(_CUSTOMER_DATA, ["view"]),
        *_perms(["customers.site", "customers.contact"], ["add", "change"]),
        "customers.view_family",
    ],
    Role.ACCOUNTANT: [
        *_perms(_CUSTOMER_DATA, ["view"]),
        "customers.change_customer",
        "customers.view_family",
    ],
    Role.EMPLOYEE: [],
}


def roles_sync(**_kwargs: Any) -> None:
    """Create one group per role and give it exactly the permissions listed above."""
    every_permission = Permission.objects.filter(
        content_type__app_label__in=["core", "customers", "auth"]
    ).select_related("content_type")
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in every_permission}
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        if names == ["*"]:
            group.permissions.set(by_name.values())
        else:
            group.permissions.set([by_name[name] for name in names if name in by_name])


def user_role(user: AbstractBaseUser | AnonymousUser | None) -> Role | None:
    """The role of a staff user (superusers count as direction); cached on the user.
    None (a command or a system task acting) has no role."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not hasattr(user, "_creneau_role"):
        user._creneau_role = role_given(user)
    return user._creneau_role


def role_given(user: AbstractBaseUser) -> Role | None:
    """The role a staff user was given, whether the account is active or not (superusers
    count as direction). Uses `groups` prefetched by the caller, if any."""
    if user.is_superuser:
        return Role.DIRECTION
    names = {group.name for group in user.groups.all()}
    return next((role for role in Role if role.value in names), None)


def user_sees_all_customers(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_role(user) in ROLES_SEEING_ALL_CUSTOMERS


def user_is_direction(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_role(user) == Role.DIRECTION


def user_sees_outbox(user: AbstractBaseUser | AnonymousUser) -> bool:
    """The E-mails screen (every e-mail sent, with its errors): direction and accounting."""
    return user_role(user) in {Role.DIRECTION, Role.ACCOUNTANT}


def user_is_office_staff(user: AbstractBaseUser | AnonymousUser) -> bool:
    """The back office's roles: every staff role but the intervenant's."""
    role = user_role(user)
    return role is not None and role != Role.EMPLOYEE


def user_is_intervenant(user: AbstractBaseUser | AnonymousUser) -> bool:
    """An intervenant's login: its own day sheet and planning, nothing of the back office."""
    return user_role(user) == Role.EMPLOYEE


# What an intervenant's login may open, by URL name: its day sheet (and its PDF), its week,
# the reporting of its visits, its account, the language switch and logging out. Pages that
# need no login (the login page, the calendar feed) stay open. In the API, the interventions
# and employees routes only, which show it its own visits and its own record. Everything
# else answers 403 (core.middleware.IntervenantAllowlistMiddleware, core.api.BearerToken).
INTERVENANT_URL_NAMES = frozenset(
    {
        "home",
        "login",
        "logout",
        "account",
        "api_token_new",
        "api_token_revoke",
        "set_language",
        "planning:day_sheet",
        "planning:day_sheet_pdf",
        "planning:visit_report",
        "planning:my_week",
    }
)
INTERVENANT_API_PATHS = ("/api/v1/interventions", "/api/v1/employees")


def intervenant_may_open(request: HttpRequest) -> bool:
    """Whether an intervenant's login may open this (resolved) request: the one place that
    says what such a login reaches, for the pages and the API alike."""
    path = request.path_info
    if path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
        return True  # the stylesheets and scripts of every page, when Django serves them
    if path.startswith("/api/"):
        return any(path == api or path.startswith(f"{api}/") for api in INTERVENANT_API_PATHS)
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    if not getattr(match.func, "login_required", True):
        return True  # public anyway: the login page, the calendar feed
    return match.view_name in INTERVENANT_URL_NAMES
