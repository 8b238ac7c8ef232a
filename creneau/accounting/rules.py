"""Who may do what in accounting. Pages, forms, the API and the services ask here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from creneau.core.roles import Role, user_role

AnyUser = AbstractBaseUser | AnonymousUser

# Accounting exports, settings and closing (fec helper) ---------------------------------

ACCOUNTING_ROLES = {Role.DIRECTION, Role.ACCOUNTANT}


def user_may_export_accounting(user: AnyUser) -> bool:
    """The FEC and the CSV exports (Exports): direction and accounting; 404 for others."""
    return user_role(user) in ACCOUNTING_ROLES


def user_may_set_accounting(user: AnyUser) -> bool:
    """Paramètres > Comptabilité (accounts, fiscal years) and closing: direction and
    accounting."""
    return user_role(user) in ACCOUNTING_ROLES
