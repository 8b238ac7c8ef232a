"""How the history tab shows the audit trail: the object in French, each changed field with
its French label, and values as people read them (Oui/Non, choice labels, phones)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent
from creneau.core.validators import format_phone
from creneau.customers.display import mask_iban

PHONE_FIELDS = {"phone", "mobile"}
BANK_FIELDS = {"iban"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    event: AuditEvent
    object_label: str
    changes: list[FieldChange]


@cache
def _models_by_name() -> dict[str, type[models.Model]]:
    # AuditEvent.object_type is a model_name; later modules' models are found the same way.
    return {model._meta.model_name: model for model in apps.get_models()}


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def display_value(field: models.Field | None, name: str, value: Any, *, reveal_bank: bool) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if name in PHONE_FIELDS:
        return format_phone(str(value))
    if name in BANK_FIELDS and not reveal_bank:
        return mask_iban(str(value))
    return str(value)


def history_entries(events: Iterable[AuditEvent], *, reveal_bank: bool) -> list[HistoryEntry]:
    entries = []
    for event in events:
        model = _models_by_name().get(event.object_type)
        kind = capfirst(model._meta.verbose_name) if model else event.object_type
        changes = []
        for name, (old, new) in (event.changes or {}).items():
            field = _field(model, name)
            changes.append(
                FieldChange(
                    label=capfirst(field.verbose_name) if field is not None else name,
                    old=display_value(field, name, old, reveal_bank=reveal_bank),
                    new=display_value(field, name, new, reveal_bank=reveal_bank),
                )
            )
        entries.append(
            HistoryEntry(
                event=event, object_label=f"{kind} « {event.object_repr} »", changes=changes
            )
        )
    return entries
