"""API of the annual tax certificates (attestations fiscales): generating a year's, listing
and reading them, their PDF, and sending one by e-mail. Direction and accounting only: a
404 for every other role. Bad input answers 422, in French."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from creneau.accounting.models import TaxCertificate
from creneau.accounting.print.tax_certificate import tax_certificate_filename
from creneau.accounting.rules import user_may_manage_tax_certificates
from creneau.accounting.tax_certificate_sending import tax_certificate_send
from creneau.accounting.tax_certificate_services import (
    tax_certificate_pdf,
    tax_certificate_year_check,
    tax_certificates_generate,
)
from creneau.accounting.tax_certificate_tasks import render_tax_certificate_pdfs
from creneau.core.api_params import BoundedLimitOffsetPagination, DbId
from creneau.core.pdf import pdf_response
from creneau.core.schemas import InputSchema, Message, decimal_out

router = Router(tags=["tax-certificates"])
Amount = decimal_out(places=2, signed=False)


class TaxCertificatesGenerateIn(InputSchema):
    year: int = Field(description="L'année des sommes versées : de 2000 à l'année en cours.")


class TaxCertificateExcludedOut(Schema):
    customer_id: int
    customer_name: str
    reason: str = Field(description="business ou nothing_paid")


class TaxCertificatesGenerateOut(Schema):
    year: int
    generated: int = Field(description="Attestations créées ou mises à jour.")
    created: int
    updated: int
    unchanged: int
    removed: int = Field(description="Retirées : jamais envoyées, plus rien de réglé.")
    excluded: list[TaxCertificateExcludedOut]


class TaxCertificateEmployeeOut(Schema):
    name: str
    hours: Amount


class TaxCertificateOut(Schema):
    id: int
    customer_id: int
    year: int
    amount_paid: Amount = Field(description="Montant déclarable, hors CESU préfinancés.")
    cesu_prefinanced: Amount
    hours: Amount
    employees: list[TaxCertificateEmployeeOut]
    status: str = Field(description="draft (à envoyer) ou sent (envoyée)")
    sent_at: str | None = None
    sent_amount_paid: Amount | None = None


class TaxCertificateFilters(InputSchema):
    year: int | None = Field(None, description="L'année (par défaut : toutes).")
    customer_id: DbId | None = None


class TaxCertificateSentOut(Schema):
    id: int
    to: list[str]


def _require_user(request: HttpRequest) -> None:
    if not user_may_manage_tax_certificates(request.user):
        raise Http404


def _out(certificate: TaxCertificate) -> dict:
    return {
        "id": certificate.pk,
        "customer_id": certificate.customer_id,
        "year": certificate.year,
        "amount_paid": f"{certificate.amount_paid:.2f}",
        "cesu_prefinanced": f"{certificate.cesu_prefinanced:.2f}",
        "hours": f"{certificate.hours:.2f}",
        "employees": certificate.employees,
        "status": certificate.status,
        "sent_at": certificate.sent_at.isoformat() if certificate.sent_at else None,
        "sent_amount_paid": (
            f"{certificate.sent_amount_paid:.2f}"
            if certificate.sent_amount_paid is not None
            else None
        ),
    }


@router.post(
    "/tax-certificates",
    response={201: TaxCertificatesGenerateOut, 404: Message},
    summary="Générer les attestations fiscales d'une année",
)
def tax_certificates_generate_api(request: HttpRequest, payload: TaxCertificatesGenerateIn):
    """Établit (ou met à jour) l'attestation de chaque particulier ayant réglé des services
    à la personne dans l'année ; les PDF sont faits ensuite par la file des tâches (un PDF
    demandé avant est fait aussitôt). Une année future ou avant 2000, ou le numéro SAP de
    la société manquant : 422."""
    _require_user(request)
    year = tax_certificate_year_check(payload.year)
    summary = tax_certificates_generate(year=year, by=request.user)
    if summary.pending_pdf_ids:
        transaction.on_commit(lambda: render_tax_certificate_pdfs.enqueue(year))
    excluded = [
        {
            "customer_id": row["customer_id"],
            "customer_name": row["customer"].name,
            "reason": row["reason"],
        }
        for row in summary.excluded
    ]
    return Status(
        201,
        {
            "year": year,
            "generated": summary.generated,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "removed": summary.removed,
            "excluded": excluded,
        },
    )


@router.get(
    "/tax-certificates",
    response={200: list[TaxCertificateOut], 404: Message},
    summary="Attestations fiscales",
)
@paginate(BoundedLimitOffsetPagination)
def tax_certificate_list_api(request: HttpRequest, filters: Query[TaxCertificateFilters]):
    _require_user(request)
    rows = TaxCertificate.objects.order_by("-year", "customer_id", "pk")
    if filters.year is not None:
        rows = rows.filter(year=tax_certificate_year_check(filters.year))
    if filters.customer_id is not None:
        rows = rows.filter(customer_id=filters.customer_id)
    return _Mapped(rows)


class _Mapped:
    """A queryset whose slices come out as answers (for the paginator)."""

    def __init__(self, rows) -> None:
        self.rows = rows

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict]:
        return [_out(row) for row in self.rows[index]]


def _get(request: HttpRequest, certificate_id: int) -> TaxCertificate:
    _require_user(request)
    return get_object_or_404(TaxCertificate.objects.select_related("customer"), pk=certificate_id)


@router.get(
    "/tax-certificates/{certificate_id}",
    response={200: TaxCertificateOut, 404: Message},
    summary="Lire une attestation fiscale",
)
def tax_certificate_detail_api(request: HttpRequest, certificate_id: DbId):
    return _out(_get(request, certificate_id))


@router.get(
    "/tax-certificates/{certificate_id}/pdf",
    response={200: None, 404: Message},
    summary="PDF d'une attestation fiscale",
    openapi_extra={
        "responses": {
            200: {
                "description": "L'attestation, PDF/A-3b.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def tax_certificate_pdf_api(request: HttpRequest, certificate_id: DbId):
    certificate = _get(request, certificate_id)
    filename = tax_certificate_filename(year=certificate.year, customer=certificate.customer)
    return pdf_response(tax_certificate_pdf(certificate), filename, False)


@router.post(
    "/tax-certificates/{certificate_id}/send",
    response={200: TaxCertificateSentOut, 404: Message},
    summary="Envoyer une attestation fiscale par e-mail",
)
def tax_certificate_send_api(request: HttpRequest, certificate_id: DbId):
    """Par la file des e-mails, PDF joint, à l'e-mail du client, sinon à ses destinataires
    de facturation ; sans adresse : 422."""
    certificate = _get(request, certificate_id)
    try:
        email = tax_certificate_send(certificate=certificate, by=request.user)
    except ValidationError as error:
        raise ValidationError({"customer": error.messages}) from None
    return {"id": certificate.pk, "to": email.to}
