"""Who may do what with invoices. Pages, forms, the API and the services ask here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from creneau.core.roles import Role, user_role

AnyUser = AbstractBaseUser | AnonymousUser

INVOICE_WRITERS = {Role.DIRECTION, Role.ACCOUNTANT}
INVOICE_READERS = {Role.DIRECTION, Role.ACCOUNTANT, Role.SALES}


def user_sees_invoices(user: AnyUser) -> bool:
    """Direction and accounting read every invoice, a sales rep its customers' ones
    (404 for the others); planning and intervenants read none."""
    return user_role(user) in INVOICE_READERS


def user_may_issue_invoices(user: AnyUser) -> bool:
    """Drafts, issuing, credit notes, billing runs, sending: direction and accounting."""
    return user_role(user) in INVOICE_WRITERS


def user_sees_journal(user: AnyUser) -> bool:
    """The inalterable journal and its verifications: direction and accounting."""
    return user_role(user) in INVOICE_WRITERS
