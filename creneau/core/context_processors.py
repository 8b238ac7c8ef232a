"""The menu: the daily areas, then Paramètres apart, each shown only to roles that may use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from creneau.core.roles import (
    user_is_direction,
    user_is_intervenant,
    user_is_office_staff,
    user_role,
    user_sees_outbox,
)


def app_rule(app: str, name: str) -> Callable:
    """A rule of an app below core (its rules.py), read when the menu is drawn: core does
    not import the apps it lists."""
    return lambda user: import_string(f"creneau.{app}.rules.{name}")(user)


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    icon: str
    allowed: Callable = user_is_office_staff  # every back-office role by default


DAILY_MENU = [
    MenuItem(
        _("Tableau de bord"),
        "home",
        "speedometer2",
        allowed=app_rule("dashboard", "user_sees_any_dashboard"),
    ),
    MenuItem(_("Clients"), "customers:list", "people"),
    MenuItem(_("Planning"), "planning:week", "calendar-week"),
    MenuItem(_("Intervenants"), "planning:employee_list", "person-vcard"),
    MenuItem(_("Devis"), "quotes:list", "file-earmark-text"),
    MenuItem(
        _("Factures"), "billing:list", "receipt", allowed=app_rule("billing", "user_sees_invoices")
    ),
    MenuItem(
        _("Règlements"),
        "payments:list",
        "cash-coin",
        allowed=app_rule("payments", "user_sees_payments"),
    ),
    MenuItem(
        _("Relances"),
        "payments:dunning_list",
        "bell",
        allowed=app_rule("payments", "user_may_run_dunning"),
    ),
    MenuItem(
        _("Prélèvements"),
        "payments:sepa_batch_list",
        "bank",
        allowed=app_rule("payments", "user_may_run_sepa_batches"),
    ),
    MenuItem(
        _("Balance âgée"),
        "payments:aged_balance",
        "hourglass-split",
        allowed=app_rule("payments", "user_sees_aged_balance"),
    ),
    MenuItem(
        _("Exports"),
        "accounting:exports",
        "download",
        allowed=app_rule("accounting", "user_may_export_accounting"),
    ),
    MenuItem(
        _("Attestations fiscales"),
        "accounting:tax_certificates",
        "file-earmark-check",
        allowed=app_rule("accounting", "user_may_manage_tax_certificates"),
    ),
    # An intervenant's whole menu: its day and its week (planning.views.day_sheet).
    MenuItem(_("Ma journée"), "planning:day_sheet", "calendar-day", allowed=user_is_intervenant),
    MenuItem(_("Mon planning"), "planning:my_week", "calendar-week", allowed=user_is_intervenant),
    MenuItem(_("Prévu / réalisé"), "planning:report", "bar-chart-line"),
]
SETTINGS_MENU: list[MenuItem] = [
    MenuItem(_("Société"), "company", "building", allowed=user_is_direction),
    MenuItem(_("Utilisateurs"), "staff_list", "person-badge", allowed=user_is_direction),
    MenuItem(_("Familles de clients"), "customers:family_list", "tags", allowed=user_is_direction),
    MenuItem(_("Catalogue"), "catalog:list", "box-seam"),
    MenuItem(_("Taux de TVA"), "catalog:vat_rates", "percent", allowed=user_is_direction),
    MenuItem(_("E-mails"), "email_list", "envelope", allowed=user_sees_outbox),
    MenuItem(
        _("Journal des factures"),
        "billing:journal",
        "shield-check",
        allowed=app_rule("billing", "user_sees_journal"),
    ),
    MenuItem(_("Relances"), "payments:levels", "bell", allowed=user_is_direction),
    MenuItem(
        _("Comptabilité"),
        "accounting:settings",
        "journal-bookmark",
        allowed=app_rule("accounting", "user_may_set_accounting"),
    ),
    MenuItem(_("Jetons d'API"), "api_token_list", "key", allowed=user_is_direction),
    MenuItem(_("Import"), "imports:list", "upload", allowed=user_is_direction),
]


def _visible(items: list[MenuItem], request: HttpRequest) -> list[dict]:
    path = request.path
    entries = []
    for item in items:
        if not item.allowed(request.user):
            continue
        url = reverse(item.url_name)
        # "/" (the dashboard) is the start of every path: active on itself only.
        active = path == url if url == "/" else path.startswith(url)
        entries.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
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
        # The customer search of the top bar: not for an intervenant, who sees no customer.
        "show_customer_search": user_is_office_staff(request.user),
    }
