"""API of imports: upload a file, set its mapping (or apply a saved template), run the
check, read the report, choose for duplicates, confirm, follow the progress, undo; and
the saved templates. Direction only (403 for the other roles)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from creneau.core.api_params import PageParams
from creneau.core.schemas import DbId, InputSchema
from creneau.imports.fields import FIELDS_BY_NAME
from creneau.imports.files import MAX_HEADER_LENGTH
from creneau.imports.models import ImportBatch, ImportIssue, ImportMapping
from creneau.imports.rules import user_may_import
from creneau.imports.selectors import batch_issues, batches_list, mappings_list
from creneau.imports.services import (
    MAPPING_NAME_MAX_LENGTH,
    batch_confirm,
    batch_set_columns,
    batch_start_check,
    batch_upload,
    issue_decide,
    mapping_apply,
    mapping_delete,
    mapping_save,
)
from creneau.imports.writer import batch_undo

router = Router(tags=["imports"])

FieldName = Annotated[str, Field(max_length=40)]
ColumnName = Annotated[str, Field(max_length=MAX_HEADER_LENGTH + 10)]
Columns = Annotated[dict[FieldName, ColumnName], Field(max_length=len(FIELDS_BY_NAME) + 5)]
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "additionalProperties": False,
                }
            }
        },
    }
}


class ProgressOut(Schema):
    done: int
    total: int


class ImportOut(Schema):
    id: int
    status: str
    original_name: str
    file_kind: str
    encoding: str
    delimiter: str
    headers: list[str]
    columns: dict[str, str]
    row_count: int
    customer_count: int
    site_count: int
    error_count: int
    duplicate_count: int
    progress: ProgressOut
    error: str
    created: dict[str, int] = Field(description="Nombre d'objets créés, par type.")
    created_at: datetime
    imported_at: datetime | None
    undone_at: datetime | None


class IssueOut(Schema):
    kind: str
    row: int
    column: str
    message: str
    existing_customer_id: int | None
    decision: str | None


class ReportOut(Schema):
    count: int
    items: list[IssueOut]


class MappingIn(InputSchema):
    columns: Columns | None = None
    template_id: DbId | None = None
    save_as: str = Field("", max_length=MAPPING_NAME_MAX_LENGTH)


class DecisionIn(InputSchema):
    row: int = Field(ge=1, le=10_000_000)
    decision: ImportIssue.Decision


class TemplateIn(InputSchema):
    name: str = Field(min_length=1, max_length=MAPPING_NAME_MAX_LENGTH)
    columns: Columns


class TemplateOut(Schema):
    id: int
    name: str
    columns: dict[str, str]


def _importer(request: HttpRequest) -> None:
    if not user_may_import(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas d'importer."))


def _batch(batch_id: int) -> ImportBatch:
    return get_object_or_404(ImportBatch, pk=batch_id)


def batch_out(batch: ImportBatch) -> dict[str, Any]:
    return {
        **{name: getattr(batch, name) for name in (
            "id", "status", "original_name", "file_kind", "encoding", "delimiter", "headers",
            "columns", "row_count", "customer_count", "site_count", "error_count",
            "duplicate_count", "error", "created_at", "imported_at", "undone_at")},
        "progress": {"done": batch.progress_done, "total": batch.progress_total},
        "created": {kind: len(ids) for kind, ids in (batch.created_ids or {}).items()},
    }  # fmt: skip


@router.post("/imports", response={201: ImportOut}, openapi_extra=UPLOAD_BODY,
             summary="Déposer un fichier à importer")  # fmt: skip
def import_upload(request: HttpRequest):
    """Un CSV (séparateur et encodage détectés) ou un classeur .xlsx ; la correspondance
    des colonnes est proposée d'après les en-têtes. Un classeur est lu ensuite par le
    traitement des tâches (statut `converting`, avec `progress`) ; la correspondance est
    proposée une fois le statut `uploaded`."""
    _importer(request)
    unknown = [name for name in (*request.FILES, *request.POST) if name != "file"]
    if unknown:
        raise ValidationError({name: _("Champ inconnu.") for name in unknown})
    files = request.FILES.getlist("file")
    if len(files) != 1:
        raise ValidationError({"file": _("Un fichier, et un seul.")})
    upload = files[0]
    try:
        batch = batch_upload(by=request.user, upload=upload, name=upload.name or "",
                             size=upload.size)  # fmt: skip
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    return Status(201, batch_out(batch))


@router.get("/imports", response=list[ImportOut], summary="Les imports")
def import_list(request: HttpRequest):
    _importer(request)
    return [batch_out(batch) for batch in batches_list()[:100]]


@router.get("/imports/{import_id}", response=ImportOut, summary="Un import")
def import_get(request: HttpRequest, import_id: DbId):
    """Statut (`converting` : le classeur Excel est lu par le traitement des tâches,
    `uploaded`, `checking`, `checked`, `importing`, `imported`, `failed`,
    `undone`), avancement et chiffres."""
    _importer(request)
    return batch_out(_batch(import_id))


@router.post("/imports/{import_id}/mapping", response=ImportOut, summary="Correspondance")
def import_mapping(request: HttpRequest, import_id: DbId, payload: MappingIn):
    """`columns` ({champ: colonne}) ou `template_id` (un modèle enregistré) ;
    `save_as` enregistre la correspondance comme modèle."""
    _importer(request)
    batch = _batch(import_id)
    if payload.template_id is not None:
        mapping = get_object_or_404(ImportMapping, pk=payload.template_id)
        batch = mapping_apply(batch=batch, mapping=mapping)
    if payload.columns is not None:
        batch = batch_set_columns(batch=batch, columns=payload.columns)
    if payload.save_as:
        mapping_save(by=request.user, name=payload.save_as, columns=batch.columns)
    return batch_out(batch)


@router.post("/imports/{import_id}/check", response={202: ImportOut}, summary="Vérifier")
def import_check(request: HttpRequest, import_id: DbId):
    """Lance la vérification (l'aperçu) dans le traitement des tâches ; rien n'est écrit."""
    _importer(request)
    return Status(202, batch_out(batch_start_check(batch=_batch(import_id))))


@router.get("/imports/{import_id}/report", response=ReportOut, summary="Rapport")
def import_report(request: HttpRequest, import_id: DbId, query: Query[PageParams]):
    """Les erreurs d'abord, puis les doublons probables, par ligne."""
    _importer(request)
    issues = batch_issues(batch=_batch(import_id))
    items = [
        {"kind": issue.kind, "row": issue.row, "column": issue.column, "message": issue.message,
         "existing_customer_id": issue.existing_customer_id,
         "decision": issue.decision if issue.kind == ImportIssue.Kind.DUPLICATE else None}
        for issue in issues[query.offset : query.offset + query.limit]
    ]  # fmt: skip
    return {"count": issues.count(), "items": items}


@router.post("/imports/{import_id}/decisions", response=IssueOut, summary="Choix d'un doublon")
def import_decide(request: HttpRequest, import_id: DbId, payload: DecisionIn):
    """`skip` (par défaut), `update` (met à jour le client existant) ou `create`."""
    _importer(request)
    issue = issue_decide(batch=_batch(import_id), row=payload.row, decision=payload.decision)
    return {"kind": issue.kind, "row": issue.row, "column": issue.column,
            "message": issue.message, "existing_customer_id": issue.existing_customer_id,
            "decision": issue.decision}  # fmt: skip


@router.post("/imports/{import_id}/confirm", response={202: ImportOut}, summary="Importer")
def import_confirm(request: HttpRequest, import_id: DbId):
    """Importe dans le traitement des tâches, en une transaction ; refusé tant qu'une erreur
    reste. `GET /imports/{id}` suit l'avancement."""
    _importer(request)
    return Status(202, batch_out(batch_confirm(batch=_batch(import_id), by=request.user)))


@router.post("/imports/{import_id}/undo", response=ImportOut, summary="Annuler l'import")
def import_undo(request: HttpRequest, import_id: DbId):
    """Retire ce que l'import a créé ; refusé si ses clients ont été modifiés depuis."""
    _importer(request)
    return batch_out(batch_undo(batch=_batch(import_id), by=request.user))


@router.get("/import-templates", response=list[TemplateOut], summary="Modèles d'import")
def template_list(request: HttpRequest):
    _importer(request)
    return list(mappings_list()[:500])


@router.post("/import-templates", response={201: TemplateOut}, summary="Enregistrer un modèle")
def template_save(request: HttpRequest, payload: TemplateIn):
    """Crée le modèle, ou remplace celui qui porte ce nom."""
    _importer(request)
    return Status(201, mapping_save(by=request.user, name=payload.name, columns=payload.columns))


@router.delete("/import-templates/{template_id}", response={204: None}, summary="Supprimer")
def template_delete(request: HttpRequest, template_id: DbId):
    _importer(request)
    mapping_delete(mapping=get_object_or_404(ImportMapping, pk=template_id))
    return Status(204, None)
