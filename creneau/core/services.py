"""Writes that every app uses: counters, the audit trail, API tokens."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from creneau.core.models import ApiToken, AuditEvent, Counter


def counter_next(*, name: str) -> int:
    """Take the next value of a named counter, locking its row until the transaction ends.

    Gapless as long as the caller's transaction commits: a rollback gives the value back.
    """
    with transaction.atomic():
        Counter.objects.get_or_create(name=name)
        counter = Counter.objects.select_for_update().get(name=name)
        counter.value += 1
        counter.save(update_fields=["value"])
        return counter.value


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value, for the audit trail."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, Decimal | date | datetime):
        return str(value)
    return value


def model_snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def model_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [old, new]}."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def audit_record(
    *,
    by: User | None,
    action: str,
    instance: models.Model,
    customer: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEvent:
    """Write one row of the audit trail for a change made by `by` to `instance`."""
    return AuditEvent.objects.create(
        actor=by if by is not None and by.is_authenticated else None,
        action=action,
        customer_id=customer.pk if customer is not None else None,
        object_type=instance._meta.model_name,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes or {},
        message=message[:255],
    )


def api_token_create(*, user: User) -> str:
    """Create an API token for `user` and return the key, which is shown once and not stored."""
    key = ApiToken.generate_key()
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash(key))
    return key
