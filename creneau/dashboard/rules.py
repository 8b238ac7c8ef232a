"""Who sees which dashboard."""

from __future__ import annotations

from creneau.core.roles import Role, user_role
from creneau.customers.selectors import AnyUser

DASHBOARD_READERS = {Role.DIRECTION, Role.ACCOUNTANT}


def user_sees_dashboard(user: AnyUser) -> bool:
    """The business's figures (every customer): direction and accounting."""
    return user_role(user) in DASHBOARD_READERS


def user_sees_rep_dashboard(user: AnyUser) -> bool:
    """A sales rep's own dashboard: its customers' quotes and overdue invoices."""
    return user_role(user) == Role.SALES


def user_sees_any_dashboard(user: AnyUser) -> bool:
    return user_sees_dashboard(user) or user_sees_rep_dashboard(user)
