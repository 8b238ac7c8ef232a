"""Writes of documents: upload, change, delete. Each validates, writes in one transaction,
records who did it in the customer's history, and never leaves a stored file without its
row (a refused or failed upload deletes what it stored; a deletion removes the bytes
once the transaction has committed).

Callers have already checked, through the selectors, that `by` may see the customer.
Call these outside any longer transaction: if an enclosing transaction rolled back after
an upload, the stored bytes would stay behind without a row.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.translation import gettext as _

from creneau.core.file_sizes import file_size
from creneau.core.models import AuditEvent
from creneau.core.services import audit_record, model_changes, model_snapshot
from creneau.customers.documents.files import (
    clean_name,
    detect_content_type,
    empty_file_error,
    max_upload_size,
    name_with_extension,
    too_large_error,
)
from creneau.customers.documents.thumbnails import thumbnail_name
from creneau.customers.models import Customer, Document, Site, document_storage_path

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = ["name", "kind", "site", "note", "portal_visible"]
# What the history keeps of a document that was added or deleted.
TRAIL_FIELDS = [
    "name",
    "kind",
    "site",
    "note",
    "portal_visible",
    "content_type",
    "size",
    "sha256",
]


def document_storage() -> Storage:
    return Document._meta.get_field("file").storage


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():  # chunks() starts from the beginning and streams
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _store(document: Document, file: File) -> str:
    """Write the bytes under a fresh random path; a failed write leaves nothing behind."""
    storage = document_storage()
    path = document_storage_path(document, document.name)
    try:
        return storage.save(path, file, max_length=255)
    except BaseException:
        if storage.exists(path):
            storage.delete(path)
        raise


def _trail(document: Document, *, added: bool) -> dict[str, list[Any]]:
    snapshot = model_snapshot(document, TRAIL_FIELDS)
    if not snapshot.get("portal_visible"):
        del snapshot["portal_visible"]  # a private document: nothing worth reading
    return {field: [None, value] if added else [value, None] for field, value in snapshot.items()}


def document_upload(
    *,
    customer: Customer,
    by: User | None,
    file: File,
    kind: str,
    site: Site | None = None,
    note: str = "",
    name: str | None = None,
    portal_visible: bool = False,
) -> Document:
    """Attach a file to a customer (optionally to one of its sites).

    Refused, with a French message on `file` and nothing stored: an empty file, a file
    over settings.DOCUMENT_MAX_UPLOAD_SIZE (FileTooLarge), a type other than PDF, JPEG,
    PNG, WebP, HEIC, docx, xlsx, odt or ods judged from the bytes. `portal_visible`
    shares it with the customer on the portal. The name is cleaned
    and gets the extension of its real type; the stored path never depends on it, so two
    files of the same name are both kept.
    """
    size = file.size or 0
    display_name = clean_name(name or file.name or "")
    if size == 0:
        raise empty_file_error()
    if size > max_upload_size():
        raise too_large_error()
    content_type = detect_content_type(file)
    document = Document(
        customer=customer,
        site=site,
        kind=kind,
        name=name_with_extension(display_name, content_type),
        content_type=content_type,
        size=size,
        sha256=_sha256(file),
        note=(note or "").strip(),
        portal_visible=bool(portal_visible),
        uploaded_by=by if by is not None and by.is_authenticated else None,
    )
    document.full_clean(exclude=["file"])
    document.file.name = _store(document, file)
    try:
        with transaction.atomic():
            document.save()
            audit_record(
                by=by,
                action=AuditEvent.Action.CREATE,
                instance=document,
                customer=customer,
                changes=_trail(document, added=True),
                message=_("Document ajouté : %(name)s (%(kind)s, %(size)s)")
                % {
                    "name": document.name,
                    "kind": document.get_kind_display(),
                    "size": file_size(size),
                },
            )
    except BaseException:
        document_storage().delete(document.file.name)
        raise
    return document


def document_update(*, document: Document, by: User | None, **fields: Any) -> Document:
    """Rename a document, change its kind, its site, its note or whether the portal shows
    it; the history records each field's old and new value. A new name is cleaned like an
    uploaded one."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    if "name" in fields:
        if not str(fields["name"] or "").strip():
            raise ValidationError({"name": _("Ce champ est obligatoire.")})
        fields["name"] = name_with_extension(clean_name(fields["name"]), document.content_type)
    if "note" in fields:
        fields["note"] = (fields["note"] or "").strip()
    before = model_snapshot(document, EDITABLE_FIELDS)
    for field, value in fields.items():
        setattr(document, field, value)
    document.full_clean()
    changes = model_changes(before, model_snapshot(document, EDITABLE_FIELDS))
    if not changes:
        return document
    with transaction.atomic():
        document.save(update_fields=list(fields))
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=document,
            customer=document.customer,
            changes=changes,
        )
    return document


def _delete_stored(names: list[str]) -> None:
    storage = document_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # the row is gone: a leftover file must not turn into an error page
            logger.exception("Could not delete stored document file %s", name)


def document_delete(*, document: Document, by: User | None) -> None:
    """Delete a document. The history keeps who deleted what (name, kind, size, SHA-256);
    the stored bytes and thumbnail go once the deletion has committed."""
    names = [document.file.name, thumbnail_name(document)]
    with transaction.atomic():
        audit_record(
            by=by,
            action=AuditEvent.Action.DELETE,
            instance=document,
            customer=document.customer,
            changes=_trail(document, added=False),
            message=_("Document supprimé : %(name)s (%(kind)s)")
            % {"name": document.name, "kind": document.get_kind_display()},
        )
        document.delete()
        transaction.on_commit(lambda: _delete_stored(names))
