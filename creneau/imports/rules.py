"""Who may import: direction only (an import writes customers by the thousand)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from creneau.core.roles import user_is_direction


def user_may_import(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_is_direction(user)
