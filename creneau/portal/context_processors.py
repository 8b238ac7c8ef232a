"""The portal's menu, for the pages of /portail/ (empty elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from creneau.portal.auth import portal_path
from creneau.portal.company import portal_company


@dataclass(frozen=True)
class PortalMenuItem:
    label: str
    url: str
    icon: str
    active: bool


# (label, url name, icon, shown to a site-level access)
PORTAL_MENU = [
    (_("Visites"), "portal:visits", "calendar-week", True),
    (_("Factures"), "portal:invoices", "receipt", True),
    (_("Devis"), "portal:quotes", "file-earmark-text", True),
    (_("Attestations"), "portal:certificates", "file-earmark-check", False),
    (_("Documents"), "portal:documents", "folder2-open", True),
    (_("Mon compte"), "portal:account", "person", True),
]


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "portal_user", None)
    if user is None:
        # The login, link and lockout pages show whose portal this is, and how to call.
        if portal_path(request.path):
            return {"portal_company": SimpleLazyObject(portal_company)}
        return {}
    items = []
    for label, url_name, icon, site_level in PORTAL_MENU:
        if user.site_id is not None and not site_level:
            continue
        url = reverse(url_name)
        items.append(PortalMenuItem(label, url, icon, request.path.startswith(url)))
    # Read only if the template shows it, and then from the process's cache (portal.company).
    return {"portal_menu": items, "portal_company": SimpleLazyObject(portal_company)}
