"""Writing the annual tax certificates: generating a year's (all customers at once, or one
customer's again), their PDFs, and the exclusions (who gets none, and why).

Generation is in two steps so that a page stays responsive for thousands of customers:
the figures of every customer are computed in a few aggregate queries and the
certificates written in bulk (seconds), then their PDFs are made in the task worker (or
at once, by the command), a certificate without its PDF getting it when first asked for.

A certificate generated again with the same content is left as it is. One whose content
changed gets the new figures and a new PDF; if it had been sent, the sent PDF and amount
stay as they were sent, and it goes back to "À envoyer" (modifiée depuis l'envoi).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from creneau.accounting.models import TaxCertificate
from creneau.accounting.print.tax_certificate import (
    VOLATILE_KEYS,
    tax_certificate_filename,
    tax_certificate_pdf_from_data,
    tax_certificate_print_data,
)
from creneau.accounting.tax_certificates import (
    FIRST_YEAR,
    CustomerFigures,
    ExclusionReason,
    individual_ids,
    year_figures,
    year_sap_invoiced_customers,
)
from creneau.core.models import AuditEvent, Company
from creneau.core.services import audit_record
from creneau.customers.models import Customer

PDF_CHUNK = 200
PARALLEL_FROM = 200  # fewer PDFs than this: not worth starting processes
CUSTOMER_FIELDS = ("code", "name", "kind", "street", "postcode", "city", "country", "email")


@dataclass
class GenerationSummary:
    """What a generation did: certificates created, updated, left unchanged, removed
    (never sent, nothing paid any more), and the customers excluded with the reason."""

    year: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    excluded: list[dict[str, Any]] = field(default_factory=list)
    pending_pdf_ids: list[int] = field(default_factory=list)

    @property
    def generated(self) -> int:
        return self.created + self.updated


def tax_certificate_year_check(value: Any) -> int:
    """A year from 2000 to the current year, else a ValidationError in French."""
    current = timezone.localdate().year
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            {"year": _("Saisissez une année (par exemple %(year)s).") % {"year": current - 1}}
        ) from None
    if not FIRST_YEAR <= year <= current:
        raise ValidationError(
            {
                "year": _("Année hors limites : de %(first)s à %(last)s.")
                % {"first": FIRST_YEAR, "last": current}
            }
        )
    return year


def tax_certificates_company_check(company: Company) -> None:
    if not (company.sap_number or "").strip():
        raise ValidationError(
            _(
                "Le numéro de déclaration de services à la personne de la société manque : "
                "renseignez-le dans Paramètres › Société avant de générer les attestations."  # noqa: RUF001
            ),
            code="no_sap_number",
        )


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    """The content of a version (its data holds only strings, lists and dicts: as stored)."""
    return {key: value for key, value in data.items() if key not in VOLATILE_KEYS}


def _customers(ids: set[int]) -> dict[int, Customer]:
    customers: dict[int, Customer] = {}
    ordered = sorted(ids)
    for index in range(0, len(ordered), 900):
        for customer in Customer.objects.filter(pk__in=ordered[index : index + 900]).only(
            *CUSTOMER_FIELDS
        ):
            customers[customer.pk] = customer
    return customers


def _print_data(company: Company, customer: Customer, figures: CustomerFigures, year: int):
    with translation.override("fr"):
        return tax_certificate_print_data(
            company=company,
            customer=customer,
            year=year,
            amount_paid=figures.amount_paid,
            cesu_prefinanced=figures.cesu_prefinanced,
            hours=figures.hours,
            employees=figures.details or figures.employees,
            today=timezone.localdate(),
            prices=figures.prices,
        )


def _apply(certificate: TaxCertificate, figures: CustomerFigures, data: dict[str, Any]) -> None:
    certificate.amount_paid = figures.amount_paid
    certificate.cesu_prefinanced = figures.cesu_prefinanced
    certificate.hours = figures.hours
    certificate.employees = figures.employees
    certificate.data = data
    certificate.generated_at = timezone.now()
    certificate.status = TaxCertificate.Status.DRAFT
    certificate.pdf = ""


def exclusions_of(
    year: int, figures: dict[int, CustomerFigures], hours: dict, individuals: set[int]
) -> list[tuple[int, str]]:
    """(customer id, reason) of the customers who paid for home services but are not
    individuals, and of the individuals with SAP activity in the year but nothing paid."""
    excluded = [(pk, ExclusionReason.BUSINESS) for pk in figures if pk not in individuals]
    active = (set(hours) | year_sap_invoiced_customers(year)) - set(figures)
    excluded += [(pk, ExclusionReason.NOTHING_PAID) for pk in individual_ids(active)]
    return excluded


UPDATED_FIELDS = [
    "amount_paid", "cesu_prefinanced", "hours", "employees", "data", "generated_at",
    "status", "pdf",
]  # fmt: skip


def tax_certificates_generate(
    *, year: int, by: User | None, customer_id: int | None = None
) -> GenerationSummary:
    """Generate the certificates of `year` (checked by tax_certificate_year_check) for
    every individual customer who paid for home services in it, or for one customer. The
    PDFs are not made here: see tax_certificate_pdfs_render (summary.pending_pdf_ids)."""
    company = Company.load()
    tax_certificates_company_check(company)
    figures, hours = year_figures(year, customer_id)
    individuals = individual_ids(figures)
    excluded = exclusions_of(year, figures, hours, individuals) if customer_id is None else []
    customers = _customers(individuals | {pk for pk, _reason in excluded})
    summary = GenerationSummary(year=year)
    summary.excluded = [
        {"customer_id": pk, "customer": customers[pk], "reason": reason}
        for pk, reason in excluded
        if pk in customers
    ]
    with transaction.atomic():
        # One generation at a time: the lock on the company row queues a second one.
        Company.objects.select_for_update().filter(pk=company.pk).first()
        existing_rows = TaxCertificate.objects.filter(year=year).defer("employees")
        if customer_id is not None:
            existing_rows = existing_rows.filter(customer_id=customer_id)
        existing = {certificate.customer_id: certificate for certificate in existing_rows}
        _write(summary, company, figures, individuals, customers, existing)
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=company,
            message=_(
                "Attestations fiscales %(year)s générées : %(created)s nouvelles, "
                "%(updated)s mises à jour, %(removed)s retirées"
            )
            % {
                "year": year,
                "created": summary.created,
                "updated": summary.updated,
                "removed": summary.removed,
            },
        )
    return summary


def _write(
    summary: GenerationSummary,
    company: Company,
    figures: dict[int, CustomerFigures],
    individuals: set[int],
    customers: dict[int, Customer],
    existing: dict[int, TaxCertificate],
) -> None:
    year = summary.year
    created: list[TaxCertificate] = []
    updated: list[TaxCertificate] = []
    replaced: list[str] = []  # the PDFs of the versions replaced (the sent one is a copy)
    for customer_id in sorted(individuals):
        entry, customer = figures[customer_id], customers[customer_id]
        data = _print_data(company, customer, entry, year)
        certificate = existing.pop(customer_id, None)
        if certificate is None:
            certificate = TaxCertificate(customer_id=customer_id, year=year)
            _apply(certificate, entry, data)
            created.append(certificate)
        elif _comparable(certificate.data) == _comparable(data) and certificate.pdf:
            summary.unchanged += 1
        else:
            replaced.append(certificate.pdf.name if certificate.pdf else "")
            _apply(certificate, entry, data)
            updated.append(certificate)
    TaxCertificate.objects.bulk_create(created, batch_size=1000)
    TaxCertificate.objects.bulk_update(updated, UPDATED_FIELDS, batch_size=500)
    # Left over: nothing paid any more. Never sent: removed; sent: kept, emptied, to send.
    unsent = [c.pk for c in existing.values() if c.sent_at is None]
    replaced += [c.pdf.name for c in existing.values() if c.sent_at is None and c.pdf]
    TaxCertificate.objects.filter(pk__in=unsent).delete()
    emptied = [c for c in existing.values() if c.sent_at is not None]
    for certificate in emptied:
        replaced.append(certificate.pdf.name if certificate.pdf else "")
        customer = Customer.objects.only(*CUSTOMER_FIELDS).get(pk=certificate.customer_id)
        empty = CustomerFigures(certificate.customer_id)
        _apply(certificate, empty, _print_data(company, customer, empty, year))
    TaxCertificate.objects.bulk_update(emptied, UPDATED_FIELDS)
    if created and created[0].pk is None:  # SQLite before 3.35 returns no ids
        ids = TaxCertificate.objects.filter(year=year, pdf="").values_list("pk", flat=True)
        summary.pending_pdf_ids = list(ids)
    else:
        summary.pending_pdf_ids = [c.pk for c in (*created, *updated, *emptied)]
    summary.created, summary.updated = len(created), len(updated) + len(emptied)
    summary.removed = len(unsent)
    names = [name for name in replaced if name]
    if names:
        storage = TaxCertificate._meta.get_field("pdf").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


def _store_pdf(certificate: TaxCertificate, pdf: bytes, customer: Customer) -> None:
    old = certificate.pdf.name if certificate.pdf else ""
    name = tax_certificate_filename(year=certificate.year, customer=customer)
    certificate.pdf.save(name, ContentFile(pdf), save=False)
    if old and old != certificate.pdf.name and old != certificate.sent_pdf.name:
        certificate.pdf.storage.delete(old)


def tax_certificate_pdfs_render(*, year: int, ids: list[int] | None = None, jobs: int = 1) -> int:
    """Make the PDFs of the year's certificates that have none (or of `ids`), in chunks,
    each chunk saved in one write; with `jobs` > 1, in that many processes (the command
    and the bench: Typst uses one CPU a document). Returns how many were made."""
    company = Company.load()
    if ids is None:
        rows = TaxCertificate.objects.filter(year=year, pdf="").order_by("pk")
        pending = list(rows.values_list("pk", flat=True))
    else:
        pending = sorted(set(ids))
    if jobs > 1 and len(pending) >= PARALLEL_FROM:
        from creneau.accounting.tax_certificate_workers import render_in_processes

        return render_in_processes(year, pending, jobs)
    done = 0
    for index in range(0, len(pending), PDF_CHUNK):
        chunk = list(
            TaxCertificate.objects.filter(
                pk__in=pending[index : index + PDF_CHUNK], year=year, pdf=""
            )
            .select_related("customer")
            .only("year", "data", "pdf", "sent_pdf", "customer__code", "customer__name")
        )
        for certificate in chunk:
            pdf = tax_certificate_pdf_from_data(certificate.data, company)
            _store_pdf(certificate, pdf, certificate.customer)
        TaxCertificate.objects.bulk_update(chunk, ["pdf"])
        done += len(chunk)
    return done


def tax_certificate_pdf(certificate: TaxCertificate) -> bytes:
    """The certificate's current PDF: the stored one, else made now and stored."""
    if certificate.pdf:
        with certificate.pdf.open("rb") as stored:
            return stored.read()
    pdf = tax_certificate_pdf_from_data(certificate.data)
    _store_pdf(certificate, pdf, certificate.customer)
    TaxCertificate.objects.filter(pk=certificate.pk, pdf="").update(pdf=certificate.pdf.name)
    return pdf


def tax_certificate_regenerate(
    *, certificate: TaxCertificate, by: User | None
) -> TaxCertificate | None:
    """Generate one customer's certificate again (its PDF made at once)."""
    summary = tax_certificates_generate(
        year=certificate.year, by=by, customer_id=certificate.customer_id
    )
    if summary.pending_pdf_ids:
        tax_certificate_pdfs_render(year=certificate.year, ids=summary.pending_pdf_ids)
    # Nothing paid any more and never sent: the certificate is gone (None).
    return TaxCertificate.objects.filter(pk=certificate.pk).select_related("customer").first()


def tax_certificate_changed_since_sent(certificate: TaxCertificate) -> bool:
    return certificate.status == TaxCertificate.Status.DRAFT and certificate.sent_at is not None


def default_year(today: date | None = None) -> int:
    """Last year: the certificates are sent before 31 March of the next year."""
    return (today or timezone.localdate()).year - 1
