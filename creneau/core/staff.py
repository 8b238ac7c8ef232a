"""Writes of staff accounts: direction creates them, gives each one role, resets a password
and deactivates whoever leaves. Callers (the settings pages) have checked that the acting
user is direction; the rules that keep the office able to run are checked here."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent
from creneau.core.roles import Role, role_given
from creneau.core.selectors import direction_users
from creneau.core.services import audit_record, model_changes, model_snapshot
from creneau.core.text import strip_invisible

STAFF_FIELDS = ["username", "first_name", "last_name", "email", "is_active"]
STAFF_EDITABLE_FIELDS = ["first_name", "last_name", "email", "role"]


def _snapshot(user: User) -> dict[str, Any]:
    role = role_given(user)
    return {**model_snapshot(user, STAFF_FIELDS), "role": role.value if role else None}


def _check_role(role: str) -> Role:
    if role not in Role.values:
        raise ValidationError({"role": _("Choisissez un rôle.")}, code="role")
    return Role(role)


def _clean_user(user: User, password: str | None = None) -> None:
    """Model validation, a case-insensitive unique username, and the password validators."""
    errors: dict[str, Any] = {}
    # Django's user model is not one of ours (core.models.CleanTextMixin): its names print
    # on quotes as the sender's, so they lose the invisible characters here.
    user.first_name, user.last_name = map(strip_invisible, (user.first_name, user.last_name))
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    taken = User.objects.filter(username__iexact=user.username).exclude(pk=user.pk)
    if "username" not in errors and taken.exists():
        errors["username"] = [_("Ce nom d'utilisateur est déjà pris.")]
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as error:
            errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)


def _set_role(user: User, role: Role) -> None:
    """Give the user exactly one role group; groups that are not roles are left alone."""
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get(name=role.value))
    user.__dict__.pop("_creneau_role", None)


def _keep_one_direction(user: User) -> None:
    """Refuse to leave the office without an active direction account.

    The direction accounts are locked until the transaction ends, so that two people
    removing each other at the same moment cannot both succeed."""
    remaining = set(direction_users().select_for_update().values_list("pk", flat=True))
    if remaining <= {user.pk}:
        raise ValidationError(
            _(
                "Il faut au moins un utilisateur actif de la direction : donnez d'abord ce "
                "rôle à quelqu'un d'autre."
            ),
            code="last_direction",
        )


def staff_create(
    *,
    by: User | None,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create an active staff account with one role and an initial password, which must
    pass the password validators (length, not common, not all digits, not like the name)."""
    user = User(
        username=User.normalize_username(username.strip()),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=User.objects.normalize_email(email.strip()),
    )
    errors: dict[str, Any] = {}
    try:
        _check_role(role)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        _clean_user(user, password)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        _set_role(user, Role(role))
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=user, changes=_created(user))
    return user


def _created(user: User) -> dict[str, list[Any]]:
    return {name: [None, value] for name, value in _snapshot(user).items() if value}


def staff_update(*, user: User, by: User | None, **fields: Any) -> User:
    """Change a staff account's names, e-mail or role. Direction cannot take its own
    direction role away, nor that of the last active direction account."""
    unknown = set(fields) - set(STAFF_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    before = _snapshot(user)
    try:
        role = _check_role(fields.pop("role")) if "role" in fields else role_given(user)
        for name, value in fields.items():
            setattr(user, name, value.strip())
        user.email = User.objects.normalize_email(user.email)
        _clean_user(user)
        losing_direction = before["role"] == Role.DIRECTION and role != Role.DIRECTION
        _check_direction_kept(user, by, losing_direction)
    except ValidationError:
        user.refresh_from_db()
        raise
    if model_changes(before, {**model_snapshot(user, STAFF_FIELDS), "role": role}) == {}:
        return user
    with transaction.atomic():
        if losing_direction and user.is_active:
            try:
                _keep_one_direction(user)
            except ValidationError as error:
                user.refresh_from_db()
                raise ValidationError({"role": error}) from error
        user.save()
        if role is not None and role != before["role"]:
            _set_role(user, role)
        changes = model_changes(before, _snapshot(user))
        audit_record(by=by, action=AuditEvent.Action.UPDATE, instance=user, changes=changes)
    return user


def _check_direction_kept(user: User, by: User | None, losing_direction: bool) -> None:
    if losing_direction and user.is_superuser:
        raise ValidationError({"role": _("Le rôle d'un super-utilisateur ne se change pas ici.")})
    if losing_direction and by is not None and user.pk == by.pk:
        raise ValidationError({"role": _("Vous ne pouvez pas retirer votre propre rôle.")})


def staff_set_password(*, user: User, by: User | None, password: str) -> User:
    """Give a staff account a new password (it must pass the password validators) and lift
    any login lockout on it, so that its owner can log in at once."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    with transaction.atomic():
        user.save(update_fields=["password"])
        axes_reset(username=user.username)
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=user,
            message=_("Mot de passe réinitialisé"),
        )
    return user


def staff_set_active(*, user: User, by: User | None, active: bool) -> User:
    """Deactivate a staff account (it can no longer log in nor use its API tokens; its
    customers and history stay) or reactivate it. Direction cannot deactivate itself, nor
    the last active direction account."""
    if user.is_active == active:
        return user
    if not active and by is not None and user.pk == by.pk:
        raise ValidationError(_("Vous ne pouvez pas désactiver votre propre compte."))
    with transaction.atomic():
        if not active and role_given(user) == Role.DIRECTION:
            _keep_one_direction(user)
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE if active else AuditEvent.Action.DEACTIVATE,
            instance=user,
            changes={"is_active": [not active, active]},
        )
    return user
