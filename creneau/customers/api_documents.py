"""API routes of customers' documents (added in creneau.core.api.api_routers()).

POST /customers/{id}/documents (multipart: file, kind, site_id, note, portal_visible), GET
the same path to list them, GET/PATCH/DELETE /documents/{id}, GET /documents/{id}/download. The same
services and selectors as the pages: the same checks, visibility and history.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from creneau.core.api_params import MAX_DB_ID, BoundedLimitOffsetPagination, DbId
from creneau.core.api_text import text_of
from creneau.core.schemas import InputSchema, Message, ValidationErrors
from creneau.customers.documents.files import (
    ACCEPTED_TYPES,
    FileTooLarge,
    limit_upload_size,
    request_too_large,
    too_large_error,
)
from creneau.customers.documents.responses import document_file_response
from creneau.customers.documents.selectors import customer_documents, document_get
from creneau.customers.documents.services import (
    document_delete,
    document_update,
    document_upload,
)
from creneau.customers.models import Customer, Document, Site
from creneau.customers.selectors import customer_get

router = Router(tags=["documents"])


class DocumentOut(Schema):
    id: int
    customer_id: DbId
    name: str
    kind: str
    site_id: DbId | None
    note: str
    portal_visible: bool = Field(description="Visible sur le portail du client.")
    content_type: str
    size: int = Field(description="Taille en octets.")
    sha256: str
    uploaded_at: datetime
    uploaded_by: str | None = Field(None, description="Identifiant de qui l'a déposé.")
    download_url: str

    @staticmethod
    def resolve_uploaded_by(document: Document) -> str | None:
        return document.uploaded_by.username if document.uploaded_by else None

    @staticmethod
    def resolve_download_url(document: Document) -> str:
        return reverse("api:document_download", kwargs={"document_id": document.pk})


class DocumentPatch(InputSchema):
    name: text_of(Document, "name") | None = None
    kind: Document.Kind | None = None
    site_id: DbId | None = Field(None, description="null détache le document de son site.")
    note: text_of(Document, "note") | None = None
    portal_visible: bool | None = Field(None, description="Visible sur le portail du client.")


NOTE_MAX_LENGTH = Document._meta.get_field("note").max_length
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "kind"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "kind": {"type": "string", "enum": list(Document.Kind.values)},
                        "site_id": {"type": "integer", "minimum": 1, "maximum": MAX_DB_ID},
                        "note": {"type": "string", "maxLength": NOTE_MAX_LENGTH},
                        "portal_visible": {"type": "boolean", "default": False},
                    },
                    "additionalProperties": False,
                }
            }
        },
    }
}
UPLOAD_FIELDS = {"file", "kind", "site_id", "note", "portal_visible"}
# How a multipart form says yes or no (a checkbox sends "on").
TRUE_VALUES = {"true", "1", "on", "yes", "oui"}
FALSE_VALUES = {"false", "0", "off", "no", "non", ""}
# The bytes of a document, in the type judged at upload.
DOWNLOAD_BODY = {
    "responses": {
        200: {
            "description": "Le fichier.",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in ACCEPTED_TYPES
            },
        }
    }
}


def _errors(error: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": ["body", field], "field": field, "msg": message}
        for field, messages in error.message_dict.items()
        for message in messages
    ]


def _as_api_fields(error: ValidationError) -> ValidationError:
    """The service speaks of `site`; the API's field is `site_id`."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {
            ("site_id" if field == "site" else field): errors
            for field, errors in error.error_dict.items()
        }
    )


def _site(customer: Customer, site_id: Any) -> Site | None:
    if site_id in (None, ""):
        return None
    try:
        site_id = int(site_id)
    except (TypeError, ValueError):
        raise ValidationError({"site_id": _("Saisissez un nombre entier.")}) from None
    if not 1 <= site_id <= MAX_DB_ID:  # beyond a bigint: no such site (and no overflow)
        raise ValidationError({"site_id": _("Ce site n'appartient pas à ce client.")})
    site = customer.sites.filter(pk=site_id).first()
    if site is None:
        raise ValidationError({"site_id": _("Ce site n'appartient pas à ce client.")})
    return site


def _upload_fields(data: QueryDict, customer: Customer) -> dict[str, Any]:
    """kind, site and note of a multipart upload, or a 422 naming the bad fields."""
    errors: dict[str, str] = {
        name: _("Champ inconnu.") for name in data if name not in UPLOAD_FIELDS
    }
    kind = data.get("kind", "")
    if not kind:
        errors["kind"] = _("Ce champ est obligatoire.")
    elif kind not in Document.Kind.values:
        errors["kind"] = _("Valeur non autorisée. Valeurs possibles : %(values)s.") % {
            "values": ", ".join(Document.Kind.values)
        }
    portal_visible = (data.get("portal_visible") or "").strip().lower()
    if portal_visible not in TRUE_VALUES | FALSE_VALUES:
        errors["portal_visible"] = _("Saisissez vrai ou faux.")
    site = None
    try:
        site = _site(customer, data.get("site_id"))
    except ValidationError as error:
        errors.update({field: msgs[0] for field, msgs in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "site": site,
        "note": data.get("note", ""),
        "portal_visible": portal_visible in TRUE_VALUES,
    }


@router.post(
    "/customers/{customer_id}/documents",
    response={201: DocumentOut, 413: ValidationErrors | Message, 422: ValidationErrors},
    openapi_extra=UPLOAD_BODY,
    summary="Déposer un document",
)
def document_create(request: HttpRequest, customer_id: DbId):
    """Attach a file to a customer. Refused: over DOCUMENT_MAX_UPLOAD_SIZE (413), a type
    other than PDF, JPEG, PNG, WebP, HEIC, docx, xlsx, odt, ods judged by content, or an
    empty file (422)."""
    customer = customer_get(user=request.auth, pk=customer_id)  # 404 before reading the body
    if request_too_large(request):
        return Status(413, {"detail": _errors(too_large_error())})
    limiter = limit_upload_size(request)
    files = request.FILES.getlist("file")
    if limiter.skipped:
        return Status(413, {"detail": _errors(too_large_error())})
    unknown_files = [name for name in request.FILES if name != "file"]
    if unknown_files:
        raise ValidationError({name: _("Champ inconnu.") for name in unknown_files})
    if len(files) != 1:
        message = _("Ce champ est obligatoire.") if not files else _("Un seul fichier par requête.")
        raise ValidationError({"file": message})
    fields = _upload_fields(request.POST, customer)
    try:
        document = document_upload(customer=customer, by=request.auth, file=files[0], **fields)
    except FileTooLarge as error:
        return Status(413, {"detail": _errors(error)})
    except ValidationError as error:
        raise _as_api_fields(error) from None
    return Status(201, document)


@router.get("/customers/{customer_id}/documents", response=list[DocumentOut])
@paginate(BoundedLimitOffsetPagination)
def document_list(
    request: HttpRequest,
    customer_id: DbId,
    kind: Document.Kind | None = None,
    site_id: DbId | None = None,
):
    """A customer's documents, newest first; filter by `kind` and `site_id`."""
    customer = customer_get(user=request.auth, pk=customer_id)
    filters = {"kind": kind or "", "site": site_id or ""}
    return customer_documents(customer=customer, filters=filters)


@router.get("/documents/{document_id}", response=DocumentOut)
def document_read(request: HttpRequest, document_id: DbId):
    return document_get(user=request.auth, pk=document_id)


@router.patch("/documents/{document_id}", response=DocumentOut)
def document_change(request: HttpRequest, document_id: DbId, payload: DocumentPatch):
    """Rename a document, change its kind, site (`site_id`, null for none), note, or
    `portal_visible` (shared with the customer on the portal)."""
    document = document_get(user=request.auth, pk=document_id)
    fields = payload.dict(exclude_unset=True)
    if "site_id" in fields:
        fields["site"] = _site(document.customer, fields.pop("site_id"))
    # null means "unchanged", except for the site, where it detaches the document.
    fields = {key: value for key, value in fields.items() if value is not None or key == "site"}
    try:
        return document_update(document=document, by=request.auth, **fields)
    except ValidationError as error:
        raise _as_api_fields(error) from None


@router.get(
    "/documents/{document_id}/download",
    response={200: None},
    url_name="document_download",
    openapi_extra=DOWNLOAD_BODY,
    summary="Télécharger un document",
)
def document_download(request: HttpRequest, document_id: DbId) -> FileResponse:
    """The document's bytes, with its content type and original name (attachment)."""
    return document_file_response(document_get(user=request.auth, pk=document_id))


@router.delete("/documents/{document_id}", response={204: None})
def document_remove(request: HttpRequest, document_id: DbId):
    """Delete a document; the customer's history keeps who deleted what."""
    document_delete(document=document_get(user=request.auth, pk=document_id), by=request.auth)
    return Status(204, None)
