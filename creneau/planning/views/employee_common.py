"""Who reaches the Intervenants pages: the office roles read, direction and planning write."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from creneau.planning.rules import user_may_edit_planning, user_sees_employees


def employees_reader(view: Callable) -> Callable:
    """The office roles read the employees; an intervenant (or no role) gets 403: its
    login sees only its own day sheet and planning."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_sees_employees(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def require_planning_writer(request: HttpRequest) -> None:
    """403 for a role that reads the employees but may not change them."""
    if not user_may_edit_planning(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de modifier les intervenants."))
