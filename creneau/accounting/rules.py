"""Who may do what in accounting. Pages, forms, the API and the services ask here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from creneau.core.roles import Role, user_role

AnyUser = AbstractBaseUser | AnonymousUser

ACCOUNTING_ROLES = {Role.DIRECTION, Role.ACCOUNTANT}


def user_may_export_accounting(user: AnyUser) -> bool:
    """The FEC and the CSV exports (Exports): direction and accounting; 404 for others."""
    return user_role(user) in ACCOUNTING_ROLES


def user_may_set_accounting(user: AnyUser) -> bool:
    """Paramètres > Comptabilité (accounts, fiscal years) and closing: direction and
    accounting."""
    return user_role(user) in ACCOUNTING_ROLES


def user_may_manage_tax_certificates(user: AnyUser) -> bool:
    """The annual tax certificates (generate, read, send, print): direction and
    accounting; the other roles get a 404 on every page and API of them."""
    return user_role(user) in ACCOUNTING_ROLES
