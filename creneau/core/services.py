"""Writes that every app uses: counters, the audit trail, API tokens; the company identity."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from creneau.core.models import ApiToken, AuditEvent, Company, Counter


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


COMPANY_FIELDS = [
    "legal_name", "legal_form", "capital", "siret", "vat_number", "street", "postcode", "city",
    "country", "phone", "email", "sap_number", "sepa_creditor_id", "iban", "bic", "logo",
]  # fmt: skip


def company_update(*, company: Company, by: User | None, **fields: Any) -> Company:
    """Change the company's identity (direction only: the caller checks the role).

    `logo` takes an uploaded image, or None to remove the logo. The replaced file is
    deleted from storage once the change is committed. Nothing is written if any field
    is refused; the history records each field's old and new value.
    """
    unknown = set(fields) - set(COMPANY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    before = model_snapshot(company, COMPANY_FIELDS)
    old_logo = company.logo.name
    for name, value in fields.items():
        setattr(company, name, value)
    try:
        company.full_clean()
    except ValidationError:
        company.refresh_from_db()
        raise
    changes = model_changes(before, model_snapshot(company, COMPANY_FIELDS))
    if not changes:
        return company
    with transaction.atomic():
        company.save()
        changes = model_changes(before, model_snapshot(company, COMPANY_FIELDS))
        audit_record(by=by, action=AuditEvent.Action.UPDATE, instance=company, changes=changes)
        if old_logo and old_logo != company.logo.name:
            storage = company.logo.storage
            transaction.on_commit(lambda: storage.delete(old_logo))
    return company
