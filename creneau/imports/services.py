"""Writes of imports: the upload, the mapping and its templates, the check (preview),
the choices for duplicates, the import itself (all or nothing) and its undo.

The check and the import run in the task worker (tasks.py); the command runs them in its
own process. Both read the stored CSV row by row and keep one chunk of customers at a
time, so that memory stays bounded whatever the file's length.
"""

from __future__ import annotations

import hashlib
import json
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent
from creneau.core.services import audit_record
from creneau.customers.models import Family
from creneau.customers.selectors import CustomerDuplicateFinder
from creneau.imports.checks import Checker, Group
from creneau.imports.fields import FIELDS_BY_NAME, mapping_errors, mapping_propose
from creneau.imports.files import (
    file_delete,
    file_store,
    rows_read,
    xlsx_convert,
    xlsx_rows_estimate,
)
from creneau.imports.models import ImportBatch, ImportIssue, ImportMapping
from creneau.payments.models import Mandate

# How many customers are checked or written together (one bulk_create each).
CHUNK = 1000
# The report keeps at most this many errors: past them, the file needs fixing anyway.
MAX_ISSUES = 10_000
MAPPING_NAME_MAX_LENGTH = 100


def batch_upload(
    *, by: User | None, upload: IO[bytes], name: str, size: int, enqueue: bool = True
) -> ImportBatch:
    """Store the file and answer at once. A CSV is turned into UTF-8 here and a mapping
    proposed from its headers; a workbook is only stored (status "converting") and read by
    the task worker (batch_convert), as its reading takes minutes for a large file. Without
    enqueue, the caller runs batch_convert itself (the command)."""
    stored = file_store(upload=upload, name=name, size=size)
    columns = mapping_propose(stored.headers)
    converting = stored.kind == "xlsx" and not stored.headers
    batch = ImportBatch(
        status=ImportBatch.Status.CONVERTING if converting else ImportBatch.Status.UPLOADED,
        original_name=name[:255] or "import.csv",
        file_kind=stored.kind,
        encoding=stored.encoding,
        delimiter=stored.delimiter,
        csv_path=stored.path,
        headers=stored.headers,
        columns=columns,
        row_count=stored.row_count,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    batch.full_clean(exclude=["headers", "columns"] if converting else None)
    batch.save()
    if converting and enqueue:
        from creneau.imports.tasks import convert_import

        transaction.on_commit(lambda: convert_import.enqueue(batch.pk))
    return batch


def batch_convert(*, batch_id: int) -> ImportBatch:
    """Read the stored workbook into the CSV every later pass reads, with the progress
    bar; then propose the mapping. A workbook that cannot be read leaves the import
    failed, the reason in its error and in its report."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportBatch.Status.CONVERTING:
        raise ValidationError(_("Ce classeur a déjà été lu."))
    total = xlsx_rows_estimate(batch.csv_path)
    progress_write(batch.pk, 0, total)

    def progress(row: int) -> None:  # a sheet without its dimension: rows read, no total
        progress_write(batch.pk, row, max(total, row) if total else 0)

    try:
        stored = xlsx_convert(batch.csv_path, progress)
    except ValidationError as error:
        message = " ".join(error.messages)[:500]
        ImportIssue.objects.create(batch=batch, kind=ImportIssue.Kind.ERROR, row=0, message=message)
        file_delete(batch.csv_path)
        batch.status, batch.error, batch.error_count = ImportBatch.Status.FAILED, message, 1
        batch.save(update_fields=["status", "error", "error_count"])
        return batch
    batch.csv_path, batch.headers, batch.row_count = stored.path, stored.headers, stored.row_count
    batch.columns = mapping_propose(stored.headers)
    batch.progress_done = batch.progress_total = stored.row_count
    batch.status = ImportBatch.Status.UPLOADED
    batch.save()
    return batch


def _editable(batch: ImportBatch) -> None:
    if batch.status == ImportBatch.Status.FAILED and not batch.headers:
        raise ValidationError(_("Ce classeur n'a pu être lu : déposez un autre fichier."))
    if batch.status not in (
        ImportBatch.Status.UPLOADED,
        ImportBatch.Status.CHECKED,
        ImportBatch.Status.FAILED,
    ):
        raise ValidationError(
            _("Cet import n'est plus modifiable (%(status)s).")
            % {"status": batch.get_status_display().lower()}
        )


def batch_set_columns(*, batch: ImportBatch, columns: dict[str, str]) -> ImportBatch:
    """Set the mapping ({field: column}); the check must then be run again."""
    _editable(batch)
    columns = {name: column for name, column in columns.items() if column}
    if errors := mapping_errors(columns, batch.headers):
        raise ValidationError(errors)
    batch.columns = columns
    batch.status = ImportBatch.Status.UPLOADED
    batch.save(update_fields=["columns", "status"])
    return batch


def mapping_save(*, by: User | None, name: str, columns: dict[str, str]) -> ImportMapping:
    """Save (or replace) a named template of columns."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Donnez un nom au modèle.")})
    unknown = set(columns) - set(FIELDS_BY_NAME)
    if unknown:
        raise ValidationError(_("Champs inconnus : %(names)s.") % {"names": ", ".join(unknown)})
    mapping = ImportMapping.objects.filter(name__iexact=name).first() or ImportMapping(name=name)
    mapping.columns = {key: value for key, value in columns.items() if value}
    mapping.created_by = mapping.created_by or (by if by and by.is_authenticated else None)
    mapping.full_clean(validate_unique=False)
    mapping.save()
    return mapping


def mapping_apply(*, batch: ImportBatch, mapping: ImportMapping) -> ImportBatch:
    """Use a saved template: its columns that the file has."""
    columns = {
        k: v for k, v in mapping.columns.items() if v in batch.headers and k in FIELDS_BY_NAME
    }
    return batch_set_columns(batch=batch, columns=columns)


def mapping_delete(*, mapping: ImportMapping) -> None:
    mapping.delete()


# The check (preview) ---------------------------------------------------------------------


def _checker(columns: dict[str, str], *, trusted: bool = False) -> Checker:
    families = {family.name.lower(): family for family in Family.objects.all()}
    rums = set(Mandate.objects.values_list("rum", flat=True))
    return Checker(columns=columns, families=families, taken_rums=rums, trusted=trusted)


def check_digest(batch: ImportBatch) -> str:
    """A hash of what the check's verdict depends on besides the code: the stored file,
    the mapping and the families (the RUMs are checked again at import anyway)."""
    digest = hashlib.sha256()
    with default_storage.open(batch.csv_path, "rb") as stored:
        while chunk := stored.read(1024 * 1024):
            digest.update(chunk)
    digest.update(json.dumps(batch.columns, sort_keys=True).encode())
    families = sorted(Family.objects.values_list("pk", "name"))
    digest.update(json.dumps(families).encode())
    return digest.hexdigest()


def _duplicate_of(finder: CustomerDuplicateFinder, group: Group) -> int | None:
    customer = group.customer
    return finder.match(
        name=customer.name,
        postcode=customer.postcode,
        email=customer.email,
        phones=[customer.phone, customer.mobile],
    )


def progress_write(batch_id: int, done: int, total: int) -> None:
    """The progress bar's figures, seen by the pages at once: on PostgreSQL, written on a
    connection of its own, outside the import's long transaction."""
    if not (connection.in_atomic_block and connection.vendor == "postgresql"):
        ImportBatch.objects.filter(pk=batch_id).update(progress_done=done, progress_total=total)
        return
    side = connections.create_connection("default")
    try:
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportBatch._meta.db_table} SET progress_done = %s, "
                "progress_total = %s WHERE id = %s",
                [done, total, batch_id],
            )
    finally:
        side.close()


def batch_start_check(*, batch: ImportBatch, enqueue: bool = True) -> ImportBatch:
    """Ask the task worker to check the file (the preview)."""
    _editable(batch)
    if errors := mapping_errors(batch.columns, batch.headers):
        raise ValidationError(errors)
    batch.status = ImportBatch.Status.CHECKING
    batch.progress_done, batch.progress_total = 0, batch.row_count
    batch.save(update_fields=["status", "progress_done", "progress_total"])
    if enqueue:
        from creneau.imports.tasks import check_import

        transaction.on_commit(lambda: check_import.enqueue(batch.pk))
    return batch


def batch_check(*, batch_id: int, by: User | None = None) -> ImportBatch:
    """Read the whole file, record every error and likely duplicate, count customers and
    sites. Writes nothing but the report."""
    batch = ImportBatch.objects.get(pk=batch_id)
    by = by or batch.created_by
    ImportIssue.objects.filter(batch=batch).delete()
    digest = check_digest(batch)
    checker, finder = _checker(batch.columns), CustomerDuplicateFinder(user=by)
    errors = duplicates = customers = sites = 0
    pending: list[ImportIssue] = []
    for group in checker.groups(rows_read(batch.csv_path)):
        customers += 1
        sites += len(group.sites)
        for issue in group.issues:
            errors += 1
            if errors <= MAX_ISSUES:
                pending.append(
                    ImportIssue(
                        batch=batch,
                        kind=ImportIssue.Kind.ERROR,
                        row=issue.row,
                        column=issue.column[:255],
                        message=issue.message[:500],
                    )
                )
        existing = _duplicate_of(finder, group) if not group.issues else None
        if existing is not None:
            duplicates += 1
            pending.append(
                ImportIssue(
                    batch=batch,
                    kind=ImportIssue.Kind.DUPLICATE,
                    row=group.row,
                    existing_customer_id=existing,
                    message=_("Client existant probable."),
                )
            )
        if len(pending) >= CHUNK:
            ImportIssue.objects.bulk_create(pending)
            pending = []
            progress_write(batch.pk, customers, batch.row_count)
    ImportIssue.objects.bulk_create(pending)
    batch.error_count, batch.duplicate_count = errors, duplicates
    batch.customer_count, batch.site_count = customers, sites
    batch.checked_digest = digest
    batch.progress_done = batch.progress_total = batch.row_count
    batch.status = ImportBatch.Status.CHECKED
    batch.save()
    return batch


def issue_decide(*, batch: ImportBatch, row: int, decision: str) -> ImportIssue:
    """The choice for a likely duplicate: skip (default), update the existing customer,
    or create a new one all the same."""
    if batch.status != ImportBatch.Status.CHECKED:
        raise ValidationError(_("Choisissez une fois la vérification terminée."))
    if decision not in ImportIssue.Decision.values:
        raise ValidationError(_("Choix inconnu."))
    issue = ImportIssue.objects.filter(
        batch=batch, kind=ImportIssue.Kind.DUPLICATE, row=row
    ).first()
    if issue is None:
        raise ValidationError(_("Aucun doublon probable à la ligne %(row)s.") % {"row": row})
    issue.decision = decision
    issue.save(update_fields=["decision"])
    return issue


def issues_decide_all(*, batch: ImportBatch, decision: str) -> int:
    if batch.status != ImportBatch.Status.CHECKED:
        raise ValidationError(_("Choisissez une fois la vérification terminée."))
    if decision not in ImportIssue.Decision.values:
        raise ValidationError(_("Choix inconnu."))
    return batch.issues.filter(kind=ImportIssue.Kind.DUPLICATE).update(decision=decision)


def batch_confirm(*, batch: ImportBatch, by: User | None, enqueue: bool = True) -> ImportBatch:
    """Start the import: refused while the check has not run or an error remains."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.CHECKED:
            raise ValidationError(_("Lancez d'abord la vérification du fichier."))
        if locked.error_count:
            raise ValidationError(
                _(
                    "Corrigez les %(count)s erreurs du fichier avant d'importer : rien n'est "
                    "écrit tant qu'il en reste."
                )
                % {"count": locked.error_count}
            )
        locked.status = ImportBatch.Status.IMPORTING
        locked.progress_done, locked.progress_total = 0, locked.customer_count
        locked.error = ""
        locked.save(update_fields=["status", "progress_done", "progress_total", "error"])
        if enqueue:
            from creneau.imports.tasks import execute_import

            transaction.on_commit(lambda: execute_import.enqueue(locked.pk))
    return locked


def batch_fail(*, batch_id: int, error: str) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(
        status=ImportBatch.Status.FAILED, error=error[:500]
    )


def batch_forget(*, batch: ImportBatch) -> None:
    """Delete an import that wrote nothing (or was undone), with its stored file."""
    if batch.status in (
        ImportBatch.Status.IMPORTING,
        ImportBatch.Status.IMPORTED,
        ImportBatch.Status.CHECKING,
        ImportBatch.Status.CONVERTING,
    ):
        raise ValidationError(_("Un import en cours ou importé ne se supprime pas."))
    file_delete(batch.csv_path)
    batch.delete()


def audit_batch(*, batch: ImportBatch, by: User | None, message: str) -> AuditEvent:
    return audit_record(by=by, action=AuditEvent.Action.OTHER, instance=batch, message=message)


def decisions_of(batch: ImportBatch) -> dict[int, tuple[str, int]]:
    rows = batch.issues.filter(kind=ImportIssue.Kind.DUPLICATE).values_list(
        "row", "decision", "existing_customer_id"
    )
    return {row: (decision, existing) for row, decision, existing in rows}


def now() -> Any:
    return timezone.now()
