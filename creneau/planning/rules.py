"""Who may do what in the planning. Pages, forms, the API and the services ask here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from creneau.core.roles import Role, user_role

AnyUser = AbstractBaseUser | AnonymousUser

PLANNING_WRITERS = {Role.DIRECTION, Role.PLANNER}


def user_may_edit_planning(user: AnyUser) -> bool:
    """Employees, schedules, visits and closures: direction and planning write."""
    return user_role(user) in PLANNING_WRITERS


def user_sees_employees(user: AnyUser) -> bool:
    """The employees' list: every office role reads it; an intervenant sees only itself."""
    role = user_role(user)
    return role is not None and role != Role.EMPLOYEE


def user_is_employee(user: AnyUser) -> bool:
    """An intervenant's login: its own day sheet and planning, nothing else."""
    return user_role(user) == Role.EMPLOYEE


def user_may_report_visit(user: AnyUser, intervention) -> bool:
    """Mark a visit done, missed, with its real times: the planners, or the intervenant
    the visit is assigned to."""
    if user_may_edit_planning(user):
        return True
    employee = intervention.employee
    return user_is_employee(user) and employee is not None and employee.user_id == user.pk


def user_sees_planning_report(user: AnyUser) -> bool:
    """Planned vs done: every office role (a sales rep: its customers' visits only)."""
    return user_sees_employees(user)


def user_sees_day_sheets(user: AnyUser) -> bool:
    """Day sheets: every staff role (each sees the visits it may see); an intervenant its own."""
    return user_role(user) is not None


def user_sees_planning(user: AnyUser) -> bool:
    """The week and month views of every employee: the office roles (a sales rep sees
    there only its own customers' visits); an intervenant has its own pages instead."""
    return user_sees_employees(user)
