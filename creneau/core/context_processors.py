"""The menu: the daily areas, then Paramètres apart, each shown only to roles that may use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creneau.core.roles import Role, user_is_direction, user_role, user_sees_outbox


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    icon: str
    allowed: Callable = user_role  # any staff role by default


def _office_role(user) -> bool:
    """Every staff role but the intervenant's, which has pages of its own."""
    return user_role(user) not in (None, Role.EMPLOYEE)


DAILY_MENU = [
    MenuItem(_("Clients"), "customers:list", "people"),
    MenuItem(_("Planning"), "planning:week", "calendar-week", allowed=_office_role),
    MenuItem(_("Devis"), "quotes:list", "file-earmark-text"),
]
SETTINGS_MENU: list[MenuItem] = [
    MenuItem(_("Société"), "company", "building", allowed=user_is_direction),
    MenuItem(_("Utilisateurs"), "staff_list", "person-badge", allowed=user_is_direction),
    MenuItem(_("Familles de clients"), "customers:family_list", "tags", allowed=user_is_direction),
    MenuItem(_("Catalogue"), "catalog:list", "box-seam"),
    MenuItem(_("Taux de TVA"), "catalog:vat_rates", "percent", allowed=user_is_direction),
    MenuItem(_("E-mails"), "email_list", "envelope", allowed=user_sees_outbox),
    MenuItem(_("Jetons d'API"), "api_token_list", "key", allowed=user_is_direction),
]


def _visible(items: list[MenuItem], request: HttpRequest) -> list[dict]:
    path = request.path
    entries = []
    for item in items:
        if not item.allowed(request.user):
            continue
        url = reverse(item.url_name)
        entries.append(
            {"label": item.label, "url": url, "icon": item.icon, "active": path.startswith(url)}
        )
    return entries


def _keep_closest_active(*menus: list[dict]) -> None:
    # /customers/families/ is under /customers/ too: only the closest entry stays active.
    active = [entry for menu in menus for entry in menu if entry["active"]]
    for entry in active:
        entry["active"] = entry is max(active, key=lambda item: len(item["url"]))


def navigation(request: HttpRequest) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    menu_daily, menu_settings = _visible(DAILY_MENU, request), _visible(SETTINGS_MENU, request)
    _keep_closest_active(menu_daily, menu_settings)
    return {
        "menu_daily": menu_daily,
        "menu_settings": menu_settings,
        "user_role_label": (role.label if (role := user_role(request.user)) else ""),
    }
