"""Writes of the planning. Each validates, writes in one transaction and records the change
in the customer's history (schedules, visits, closures) or the audit trail (employees)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent
from creneau.core.roles import Role, role_given
from creneau.core.services import audit_record, fields_apply, model_changes, model_snapshot
from creneau.core.staff import staff_create
from creneau.customers.models import Site
from creneau.planning.generation import planning_horizon, schedule_extend, schedule_sync
from creneau.planning.models import (
    MAX_DURATION_MINUTES,
    Absence,
    Availability,
    BillingMode,
    Employee,
    Intervention,
    Schedule,
    SiteClosure,
    new_ical_token,
)
from creneau.planning.recurrence import rrule_check

EMPLOYEE_FIELDS = ["first_name", "last_name", "phone", "mobile", "email", "color", "is_active"]
SCHEDULE_FIELDS = [
    "service",
    "employee",
    "rrule",
    "start_date",
    "end_date",
    "start_time",
    "duration_minutes",
    "skip_public_holidays",
    "skip_site_closures",
    "notes",
    "billing_mode",
    "flat_amount",
]
# A change to one of these makes the visit the user's: the generator leaves it alone.
OWNING_FIELDS = {"start", "end", "employee", "status", "actual_start", "actual_end"}
INTERVENTION_FIELDS = [
    "service",
    "employee",
    "start",
    "end",
    "status",
    "actual_start",
    "actual_end",
    "quantity",
    "notes",
]

Status = Intervention.Status
# The status changes that make sense; any other is refused. A cancelled or missed visit is
# reopened (back to planned) before it is marked done.
STATUS_CHANGES = {
    Status.PLANNED: {Status.DONE, Status.CANCELLED, Status.MISSED},
    Status.DONE: {Status.PLANNED},
    Status.CANCELLED: {Status.PLANNED},
    Status.MISSED: {Status.PLANNED},
}


def check_employee_may_go(employee: Employee | None, site: Site, *, field: str = "employee"):
    """An employee is never sent to one of their incompatible sites."""
    if employee is not None and employee.incompatible_sites.filter(pk=site.pk).exists():
        raise ValidationError(
            {
                field: _("%(employee)s ne doit pas être envoyé(e) sur le site « %(site)s ».")
                % {"employee": employee.full_name, "site": site.name}
            }
        )


# Employees ------------------------------------------------------------------------------


def employee_create(
    *, by: User | None, incompatible_sites: Iterable[Site] = (), **fields: Any
) -> Employee:
    employee = Employee()
    fields_apply(employee, fields, EMPLOYEE_FIELDS)
    employee.full_clean()
    with transaction.atomic():
        employee.save()
        employee.incompatible_sites.set(list(incompatible_sites))
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=employee)
    return employee


def employee_update(
    *,
    employee: Employee,
    by: User | None,
    incompatible_sites: Iterable[Site] | None = None,
    **fields: Any,
) -> Employee:
    before = model_snapshot(employee, EMPLOYEE_FIELDS)
    before_sites = sorted(employee.incompatible_sites.values_list("pk", flat=True))
    fields_apply(employee, fields, EMPLOYEE_FIELDS)
    employee.full_clean()
    changes = model_changes(before, model_snapshot(employee, EMPLOYEE_FIELDS))
    with transaction.atomic():
        employee.save()
        if incompatible_sites is not None:
            sites = sorted(site.pk for site in incompatible_sites)
            if sites != before_sites:
                employee.incompatible_sites.set(sites)
                changes["incompatible_sites"] = [before_sites, sites]
        if changes:
            audit_record(by=by, action=AuditEvent.Action.UPDATE, instance=employee, changes=changes)
    return employee


def employee_ical_renew(*, employee: Employee, by: User | None) -> Employee:
    """A new secret calendar URL; the old one answers 404 from now on."""
    employee.ical_token = new_ical_token()
    with transaction.atomic():
        employee.save(update_fields=["ical_token"])
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=employee,
            message=_("Nouvelle adresse du calendrier"),
        )
    return employee


def employee_login_link(*, employee: Employee, by: User | None, user: User | None) -> Employee:
    """Give the employee a staff login, or take it away (None: the account stays, unlinked).
    The account must have the intervenant role, which sees only its own visits, and belong
    to no other employee."""
    if user is not None and role_given(user) != Role.EMPLOYEE:
        raise ValidationError(
            {"user": _("Choisissez un compte dont le rôle est « Intervenant ».")}, code="role"
        )
    if user is not None:
        other = Employee.objects.filter(user=user).exclude(pk=employee.pk).first()
        if other is not None:
            raise ValidationError(
                {"user": _("Ce compte est déjà celui de %(name)s.") % {"name": other.full_name}},
                code="taken",
            )
    before = employee.user.username if employee.user_id else None
    after = user.username if user is not None else None
    if before == after:
        return employee
    employee.user = user
    with transaction.atomic():
        employee.save(update_fields=["user"])
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=employee,
            changes={"user": [before, after]},
        )
    return employee


def employee_login_create(
    *, employee: Employee, by: User | None, username: str, password: str
) -> User:
    """Create a staff account with the intervenant role for the employee (its names and
    e-mail), and link it. The password must pass the password validators."""
    if employee.user_id:
        raise ValidationError(
            _("Cet intervenant a déjà un identifiant : retirez-le d'abord."), code="linked"
        )
    with transaction.atomic():
        user = staff_create(
            by=by,
            username=username,
            password=password,
            role=Role.EMPLOYEE,
            first_name=employee.first_name,
            last_name=employee.last_name,
            email=employee.email,
        )
        employee_login_link(employee=employee, by=by, user=user)
    return user


def employee_availability_set(
    *, employee: Employee, by: User | None, slots: Iterable[tuple[int, time, time]]
) -> list[Availability]:
    """Replace the employee's weekly availability with these (weekday, from, to) slots."""
    rows = [
        Availability(employee=employee, weekday=day, start_time=start, end_time=end)
        for day, start, end in slots
    ]
    for row in rows:
        row.full_clean(exclude=["employee"])
    with transaction.atomic():
        employee.availabilities.all().delete()
        Availability.objects.bulk_create(rows)
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=employee,
            changes={"availability": [None, [str(row) for row in rows]]},
        )
    return rows


def absence_add(
    *, employee: Employee, by: User | None, start_date: date, end_date: date, reason: str = ""
) -> Absence:
    absence = Absence(employee=employee, start_date=start_date, end_date=end_date, reason=reason)
    absence.full_clean()
    with transaction.atomic():
        absence.save()
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=absence)
    return absence


def absence_delete(*, absence: Absence, by: User | None) -> None:
    with transaction.atomic():
        audit_record(by=by, action=AuditEvent.Action.DELETE, instance=absence)
        absence.delete()


# Site closures --------------------------------------------------------------------------


def site_closure_add(
    *, site: Site, by: User | None, start_date: date, end_date: date, reason: str = ""
) -> SiteClosure:
    """Close a site for a period: the schedules that skip closures cancel their untouched
    visits then; the other visits are flagged."""
    closure = SiteClosure(site=site, start_date=start_date, end_date=end_date, reason=reason)
    closure.full_clean()
    with transaction.atomic():
        closure.save()
        audit_record(
            by=by, action=AuditEvent.Action.CREATE, instance=closure, customer=site.customer
        )
        _sync_site(site)
    return closure


def site_closure_delete(*, closure: SiteClosure, by: User | None) -> None:
    site = closure.site
    with transaction.atomic():
        audit_record(
            by=by, action=AuditEvent.Action.DELETE, instance=closure, customer=site.customer
        )
        closure.delete()
        _sync_site(site)


def _sync_site(site: Site) -> None:
    for schedule in site.schedules.filter(skip_site_closures=True):
        schedule_sync(schedule)


# Schedules ------------------------------------------------------------------------------


# How far back a schedule's first date may go: its past visits are made too (to enter a
# running contract), and a first date centuries ago would make them by the million.
MAX_PAST_START = timedelta(days=366)


def _schedule_check(schedule: Schedule, *, new_start: bool = True) -> None:
    if schedule.billing_mode != BillingMode.MONTHLY_FLAT:
        schedule.flat_amount = None  # only a monthly flat fee has an amount
    errors: dict[str, list] = {}
    earliest = timezone.localdate() - MAX_PAST_START
    if new_start and schedule.start_date and schedule.start_date < earliest:
        errors["start_date"] = [
            _("La première date ne peut remonter à plus d'un an (au plus tôt le %(date)s).")
            % {"date": date_format(earliest, "SHORT_DATE_FORMAT")}
        ]
    try:
        schedule.rrule = rrule_check(schedule.rrule or "")
    except ValidationError as error:
        errors["rrule"] = error.messages
    try:
        schedule.full_clean(exclude=["rrule"] if "rrule" in errors else None)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    check_employee_may_go(schedule.employee, schedule.site)


def schedule_create(*, site: Site, by: User | None, **fields: Any) -> Schedule:
    """A recurring visit on a site; its occurrences are made at once up to the horizon."""
    schedule = Schedule(site=site)
    fields_apply(schedule, fields, SCHEDULE_FIELDS)
    _schedule_check(schedule)
    with transaction.atomic():
        schedule.save()
        until = planning_horizon()
        Intervention.objects.bulk_create(schedule_extend(schedule, until=until))
        Schedule.objects.filter(pk=schedule.pk).update(generated_until=until)
        schedule.generated_until = until
        audit_record(
            by=by, action=AuditEvent.Action.CREATE, instance=schedule, customer=site.customer
        )
    return schedule


def schedule_update(*, schedule: Schedule, by: User | None, **fields: Any) -> Schedule:
    """Change a schedule: its future untouched visits follow; past and user-owned ones stay."""
    before = model_snapshot(schedule, SCHEDULE_FIELDS)
    old_start = schedule.start_date
    fields_apply(schedule, fields, SCHEDULE_FIELDS)
    _schedule_check(schedule, new_start=schedule.start_date != old_start)
    changes = model_changes(before, model_snapshot(schedule, SCHEDULE_FIELDS))
    if not changes:
        return schedule
    with transaction.atomic():
        schedule.save()
        schedule_sync(schedule)
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=schedule,
            customer=schedule.site.customer,
            changes=changes,
        )
    return schedule


def schedule_end(*, schedule: Schedule, by: User | None, last_date: date | None = None) -> Schedule:
    """End a schedule (its last date becomes `last_date`, today by default): its untouched
    future visits are cancelled, the past ones and those the user changed are kept."""
    today = timezone.localdate()
    last_date = last_date or today
    if schedule.end_date is not None and schedule.end_date <= last_date:
        last_date = schedule.end_date
    with transaction.atomic():
        schedule = schedule_update(
            schedule=schedule, by=by, end_date=max(last_date, schedule.start_date)
        )
        if last_date < schedule.start_date:
            # Ended before it began: the last date cannot precede the first (a constraint),
            # so the first date's visit is cancelled here, as the user's (never revived).
            schedule.interventions.filter(
                occurrence_date__gt=last_date, user_owned=False, status=Status.PLANNED
            ).update(
                status=Status.CANCELLED,
                user_owned=True,
                sequence=F("sequence") + 1,
                updated_at=timezone.now(),
            )
    return schedule


# Interventions --------------------------------------------------------------------------


def _check_status_change(old: str, new: str) -> None:
    if old != new and new not in STATUS_CHANGES[Status(old)]:
        raise ValidationError(
            {
                "status": _(
                    "Une intervention « %(old)s » ne peut passer à « %(new)s » : "
                    "rouvrez-la d'abord (statut « Planifiée »)."
                )
                % {"old": Status(old).label, "new": Status(new).label}
            }
        )


def _times_errors(visit: Intervention) -> dict[str, list[str]]:
    """An end after its start, and a visit of 24 hours at most (planned and real times),
    said at the end's field rather than as the constraint's error about the whole visit."""
    errors: dict[str, list[str]] = {}
    longest = timedelta(minutes=MAX_DURATION_MINUTES)
    pairs = (
        ("start", "end", _("La fin doit suivre le début.")),
        ("actual_start", "actual_end", _("La fin réelle doit suivre le début réel.")),
    )
    for start_name, end_name, message in pairs:
        start, end = getattr(visit, start_name), getattr(visit, end_name)
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            continue
        if end <= start:
            errors[end_name] = [message]
        elif end - start > longest:
            errors[end_name] = [_("Une intervention dure 24 heures au plus.")]
    return errors


def _intervention_check(visit: Intervention) -> None:
    errors = _times_errors(visit)
    try:
        # The constraints would say again, about the whole visit, what errors say above.
        visit.full_clean(exclude=["schedule"], validate_constraints=not errors)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    check_employee_may_go(visit.employee, visit.site)


def intervention_create(*, site: Site, by: User | None, **fields: Any) -> Intervention:
    """A one-off visit (not from a schedule). It belongs to the user from the start."""
    visit = Intervention(site=site, user_owned=True)
    fields_apply(visit, fields, INTERVENTION_FIELDS)
    if visit.status not in (Status.PLANNED, ""):
        _check_status_change(Status.PLANNED, visit.status)
    _intervention_check(visit)
    with transaction.atomic():
        visit.save()
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=visit, customer=site.customer)
    return visit


def intervention_update(
    *, intervention: Intervention, by: User | None, **fields: Any
) -> Intervention:
    """Move, reassign, mark done/missed/cancelled, or note a visit. A change of its time,
    employee or status makes it the user's: its schedule's later edits leave it alone.
    Marking it done without real times takes the planned ones."""
    visit = intervention
    old_status = visit.status
    before = model_snapshot(visit, INTERVENTION_FIELDS)
    fields_apply(visit, fields, INTERVENTION_FIELDS)
    _check_status_change(old_status, visit.status)
    if visit.status == Status.DONE and old_status != Status.DONE:
        visit.actual_start = visit.actual_start or visit.start
        visit.actual_end = visit.actual_end or visit.end
    if visit.status == Status.PLANNED and old_status != Status.PLANNED:
        visit.actual_start = visit.actual_end = None
    _intervention_check(visit)
    changes = model_changes(before, model_snapshot(visit, INTERVENTION_FIELDS))
    if not changes:
        return visit
    if OWNING_FIELDS & set(changes):
        visit.user_owned = True
    visit.sequence += 1
    with transaction.atomic():
        visit.save()
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=visit,
            customer=visit.site.customer,
            changes=changes,
        )
    return visit


def intervention_move(
    *,
    intervention: Intervention,
    by: User | None,
    day: date,
    employee: Employee | None,
) -> Intervention:
    """Drag and drop: the visit keeps its local time and length, on another day or for
    another employee (None: to staff)."""
    local_start = timezone.localtime(intervention.start)
    start = datetime.combine(day, local_start.time(), tzinfo=timezone.get_current_timezone())
    length: timedelta = intervention.end - intervention.start
    return intervention_update(
        intervention=intervention, by=by, start=start, end=start + length, employee=employee
    )
