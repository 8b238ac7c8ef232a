"""Reads of core data: the staff users."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from creneau.core.roles import Role


def staff_list() -> QuerySet[User]:
    """Every staff account, active ones first, by name, with their role groups loaded."""
    return User.objects.prefetch_related("groups").order_by(
        "-is_active", "last_name", "first_name", "username"
    )


def direction_users() -> QuerySet[User]:
    """The active accounts with the direction role (superusers included)."""
    direction_members = User.groups.through.objects.filter(group__name=Role.DIRECTION)
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=direction_members.values("user_id"))
    )
