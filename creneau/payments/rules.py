"""Who may do what with payments. Pages, forms, the API and the services ask here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from creneau.core.roles import Role, user_role

AnyUser = AbstractBaseUser | AnonymousUser

PAYMENT_WRITERS = {Role.DIRECTION, Role.ACCOUNTANT}
PAYMENT_READERS = {Role.DIRECTION, Role.ACCOUNTANT, Role.SALES}


def user_sees_payments(user: AnyUser) -> bool:
    """Direction and accounting read every payment and balance, a sales rep its customers'
    ones (404 for the others); planning and intervenants read none."""
    return user_role(user) in PAYMENT_READERS


def user_may_record_payments(user: AnyUser) -> bool:
    """Recording and reversing payments: direction and accounting."""
    return user_role(user) in PAYMENT_WRITERS


def user_may_set_dunning_levels(user: AnyUser) -> bool:
    """Paramètres > Relances (the levels, their texts and fees): direction."""
    return user_role(user) == Role.DIRECTION


def user_may_hold_dunning(user: AnyUser) -> bool:
    """Suspending and resuming the reminders of an invoice or a customer: those who record
    payments (direction and accounting), who know of a dispute or a payment plan."""
    return user_may_record_payments(user)


def user_may_run_dunning(user: AnyUser) -> bool:
    """The dunning runs (Relances: preview, untick, send): direction and accounting, who
    see every customer."""
    return user_role(user) in PAYMENT_WRITERS


AGED_BALANCE_READERS = {Role.DIRECTION, Role.ACCOUNTANT}


def user_sees_aged_balance(user: AnyUser) -> bool:
    """The aged balance (balance âgée), a report for accounting and direction: other roles
    get 403 on its page and its API, and no menu entry."""
    return user_role(user) in AGED_BALANCE_READERS


MANDATE_WRITERS = {Role.DIRECTION, Role.ACCOUNTANT}
MANDATE_READERS = {Role.DIRECTION, Role.ACCOUNTANT, Role.SALES}


def user_sees_mandates(user: AnyUser) -> bool:
    """SEPA mandates: direction and accounting read every customer's, a sales rep its own
    customers' (404 for the others); planning and intervenants none."""
    return user_role(user) in MANDATE_READERS


def user_may_manage_mandates(user: AnyUser) -> bool:
    """Creating, editing and revoking a mandate: direction and accounting, who collect."""
    return user_role(user) in MANDATE_WRITERS


def user_may_run_sepa_batches(user: AnyUser) -> bool:
    """SEPA collection batches (Prélèvements: prepare, download, transmit, reject):
    direction and accounting; the other roles get 404 on their pages and API."""
    return user_role(user) in PAYMENT_WRITERS
