"""How the history tab shows the audit trail: the object in French, each changed field with
its French label, and values as people read them (Oui/Non, choice labels, phones, sizes).

The trail keeps more than a reader needs (a document's digest and content type, for the
record); the tab shows only what means something to a person."""

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

from creneau.core.file_sizes import file_size
from creneau.core.models import AuditEvent
from creneau.core.validators import format_phone
from creneau.customers.display import mask_iban

PHONE_FIELDS = {"phone", "mobile"}
BANK_FIELDS = {"iban"}
# Kept in the trail, not shown: digests and MIME types (the document's type says it in
# words), identifiers, and timestamps (the entry has its own date).
HIDDEN_FIELDS = {"sha256", "content_type", "search_text"}
# (model name, field) whose stored value is a raw number a reader needs in words.
SIZE_FIELDS = {("document", "size")}


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


def _is_shown(field: models.Field | None, name: str) -> bool:
    """False for what only a machine reads: ids, digests, storage paths, timestamps."""
    if name in HIDDEN_FIELDS or name == "id" or name.endswith("_id"):
        return False
    if field is None:
        return True
    if field.primary_key or isinstance(field, models.FileField):
        return False
    auto_date = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    return not auto_date


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def display_value(field: models.Field | None, name: str, value: Any, *, reveal_bank: bool) -> str:
    if _is_empty(value):
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


def _change(
    event: AuditEvent,
    model: type[models.Model] | None,
    name: str,
    old: Any,
    new: Any,
    *,
    reveal_bank: bool,
) -> FieldChange:
    field = _field(model, name)
    label = capfirst(field.verbose_name) if field is not None else name
    if (event.object_type, name) in SIZE_FIELDS:
        return FieldChange(
            label=_("Taille"),
            old=file_size(old) if isinstance(old, int) else "—",
            new=file_size(new) if isinstance(new, int) else "—",
        )
    return FieldChange(
        label=label,
        old=display_value(field, name, old, reveal_bank=reveal_bank),
        new=display_value(field, name, new, reveal_bank=reveal_bank),
    )


def _field_rank(order: dict[str, int], name: str) -> tuple[bool, int, str]:
    """The object's name first, then the model's order of fields."""
    base = name.removesuffix("_id")
    return (name != "name", order.get(name, order.get(base, len(order))), name)


def _changes(
    event: AuditEvent, model: type[models.Model] | None, *, reveal_bank: bool
) -> list[FieldChange]:
    """The changes a person reads: on a creation (or deletion), the fields that had a
    value; on an update, every shown field that changed."""
    changes = []
    # In a fixed order: PostgreSQL's jsonb keeps a dict's keys in its own order.
    order = {field.name: index for index, field in enumerate(model._meta.fields)} if model else {}
    items = sorted((event.changes or {}).items(), key=lambda item: _field_rank(order, item[0]))
    for name, (old, new) in items:
        if not _is_shown(_field(model, name), name):
            continue
        if event.action == AuditEvent.Action.CREATE and _is_empty(new):
            continue
        if event.action == AuditEvent.Action.DELETE and _is_empty(old):
            continue
        changes.append(_change(event, model, name, old, new, reveal_bank=reveal_bank))
    return changes


def history_entries(events: Iterable[AuditEvent], *, reveal_bank: bool) -> list[HistoryEntry]:
    entries = []
    for event in events:
        model = _models_by_name().get(event.object_type)
        kind = capfirst(model._meta.verbose_name) if model else event.object_type
        changes = _changes(event, model, reveal_bank=reveal_bank)
        entries.append(
            HistoryEntry(
                event=event, object_label=f"{kind} « {event.object_repr} »", changes=changes
            )
        )
    return entries
