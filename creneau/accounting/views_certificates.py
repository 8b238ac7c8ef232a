"""Facturation > Attestations fiscales: a year's certificates (generate, send, print all,
each one's PDF, sending and regeneration), and the customers who get none, with why.
For direction and accounting; a 404 for every other role."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from creneau.accounting.forms_certificates import (
    CHANGED,
    TaxCertificateFilterForm,
    TaxCertificateYearForm,
)
from creneau.accounting.models import TaxCertificate
from creneau.accounting.print.tax_certificate import tax_certificate_filename
from creneau.accounting.rules import user_may_manage_tax_certificates
from creneau.accounting.tax_certificate_exclusions import tax_certificate_exclusions
from creneau.accounting.tax_certificate_sending import recipients_by_customer, tax_certificate_send
from creneau.accounting.tax_certificate_services import (
    tax_certificate_pdf,
    tax_certificate_regenerate,
    tax_certificates_generate,
)
from creneau.accounting.tax_certificate_tasks import (
    render_tax_certificate_pdfs,
    send_tax_certificates,
)
from creneau.core.models import Company
from creneau.core.pagination import NarrowPaginator
from creneau.core.pdf import pdf_response
from creneau.core.templatetags.creneau import number

ROWS_PER_PAGE = 50
# The one PDF of all a year's certificates is made of the stored PDFs; past this many,
# the page asks for a status filter (a print run of thousands is the command's job).
PRINT_ALL_MAX = 2000


def require_user(request: HttpRequest) -> None:
    if not user_may_manage_tax_certificates(request.user):
        raise Http404


def _list_url(year: int, **extra: str) -> str:
    return reverse("accounting:tax_certificates") + "?" + urlencode({"year": year, **extra})


def _filtered(year: int, status: str) -> QuerySet[TaxCertificate]:
    rows = TaxCertificate.objects.filter(year=year)
    if status == CHANGED:
        rows = rows.filter(status=TaxCertificate.Status.DRAFT, sent_at__isnull=False)
    elif status:
        rows = rows.filter(status=status)
    return rows


def _totals(year: int) -> dict:
    return TaxCertificate.objects.filter(year=year).aggregate(
        count=Count("pk"),
        amount=Sum("amount_paid"),
        cesu=Sum("cesu_prefinanced"),
        hours=Sum("hours"),
        to_send=Count("pk", filter=Q(status=TaxCertificate.Status.DRAFT)),
        pdf_pending=Count("pk", filter=Q(pdf="")),
    )


@require_GET
def tax_certificate_list(request: HttpRequest) -> HttpResponse:
    require_user(request)
    form = TaxCertificateFilterForm(request.GET)
    year, status = form.chosen_year(), form.chosen_status()
    if request.htmx and request.htmx.target == "certificates-progress":
        # The progress line polls while the task worker makes the PDFs: one query.
        context = {"year": year, "totals": _totals(year)}
        return render(request, "accounting/certificates_progress.html", context)
    rows = (
        _filtered(year, status)
        .select_related("customer")
        .only(
            "year", "status", "amount_paid", "cesu_prefinanced", "hours", "pdf", "sent_at",
            "sent_amount_paid", "customer__name", "customer__code", "customer__email",
        )
        .order_by("customer__name", "pk")
    )  # fmt: skip
    page = NarrowPaginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    recipients = recipients_by_customer([row.customer for row in page])
    for row in page:
        row.recipients = recipients[row.customer_id]
        row.changed_since_sent = row.status == TaxCertificate.Status.DRAFT and row.sent_at
    totals = _totals(year)
    company = Company.load()
    context = {
        "form": form,
        "year": year,
        "page": page,
        "totals": totals,
        "count": page.paginator.count,
        "sap_number_missing": not (company.sap_number or "").strip(),
        "year_form": TaxCertificateYearForm(initial={"year": year}),
    }
    return render(request, "accounting/certificates.html", context)


def _year_from_post(request: HttpRequest) -> int | None:
    form = TaxCertificateYearForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["year"]
    messages.error(request, form.errors["year"][0])
    return None


@require_POST
def tax_certificates_generate_view(request: HttpRequest) -> HttpResponse:
    """Générer les attestations: figures and rows now, PDFs in the task worker."""
    require_user(request)
    year = _year_from_post(request)
    if year is None:
        return redirect(reverse("accounting:tax_certificates"))
    try:
        summary = tax_certificates_generate(year=year, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_list_url(year))
    if summary.pending_pdf_ids:
        transaction.on_commit(lambda: render_tax_certificate_pdfs.enqueue(year))
    messages.success(
        request,
        _(
            "Attestations %(year)s : créées %(created)s, mises à jour %(updated)s, "
            "inchangées %(unchanged)s ; clients sans attestation : %(excluded)s."
        )
        % {
            "year": year,
            "created": number(summary.created, 0),
            "updated": number(summary.updated, 0),
            "unchanged": number(summary.unchanged, 0),
            "excluded": number(len(summary.excluded), 0),
        },
    )
    return redirect(_list_url(year))


@require_POST
def tax_certificates_send_view(request: HttpRequest) -> HttpResponse:
    """Envoyer les attestations à envoyer: in the task worker."""
    require_user(request)
    year = _year_from_post(request)
    if year is None:
        return redirect(reverse("accounting:tax_certificates"))
    to_send = TaxCertificate.objects.filter(year=year, status=TaxCertificate.Status.DRAFT).count()
    if to_send:
        user_id = request.user.pk
        transaction.on_commit(lambda: send_tax_certificates.enqueue(year, user_id))
        messages.success(
            request,
            _(
                "Envoi lancé (attestations à envoyer : %(count)s) : elles partent par la "
                "file des e-mails."
            )
            % {"count": number(to_send, 0)},
        )
    else:
        messages.info(request, _("Aucune attestation à envoyer pour %(year)s.") % {"year": year})
    return redirect(_list_url(year))


@require_GET
def tax_certificates_print_view(request: HttpRequest) -> HttpResponse:
    """All the year's certificates (of the status asked) in one PDF, to print and post."""
    require_user(request)
    form = TaxCertificateFilterForm(request.GET)
    year, status = form.chosen_year(), form.chosen_status()
    rows = _filtered(year, status).select_related("customer").order_by("customer__name", "pk")
    if rows.count() > PRINT_ALL_MAX:
        messages.error(
            request,
            _("Plus de %(max)s attestations : filtrez par statut, ou utilisez la commande.")
            % {"max": number(PRINT_ALL_MAX, 0)},
        )
        return redirect(_list_url(year))
    from pypdf import PdfWriter

    writer = PdfWriter()
    for certificate in rows.iterator(chunk_size=200):
        writer.append(io.BytesIO(tax_certificate_pdf(certificate)))
    if not len(writer.pages):
        messages.info(request, _("Aucune attestation à imprimer pour %(year)s.") % {"year": year})
        return redirect(_list_url(year))
    output = io.BytesIO()
    writer.write(output)
    return pdf_response(output.getvalue(), f"attestations-fiscales-{year}.pdf", False)


def _certificate(request: HttpRequest, pk: int) -> TaxCertificate:
    require_user(request)
    return get_object_or_404(TaxCertificate.objects.select_related("customer"), pk=pk)


@require_GET
def tax_certificate_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    filename = tax_certificate_filename(year=certificate.year, customer=certificate.customer)
    if request.GET.get("version") == "sent" and certificate.sent_pdf:
        with certificate.sent_pdf.open("rb") as stored:
            return pdf_response(stored.read(), filename.replace(".pdf", "-envoyee.pdf"))
    return pdf_response(tax_certificate_pdf(certificate), filename)


@require_POST
def tax_certificate_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    try:
        email = tax_certificate_send(certificate=certificate, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Attestation de %(customer)s envoyée à %(to)s.")
            % {"customer": certificate.customer.name, "to": ", ".join(email.to)},
        )
    return redirect(_list_url(certificate.year))


@require_POST
def tax_certificate_regenerate_view(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    year, name = certificate.year, certificate.customer.name
    try:
        regenerated = tax_certificate_regenerate(certificate=certificate, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_list_url(year))
    if regenerated is None:
        messages.info(
            request,
            _("%(customer)s n'a plus rien réglé en %(year)s : son attestation est retirée.")
            % {"customer": name, "year": year},
        )
    else:
        messages.success(request, _("Attestation de %(customer)s régénérée.") % {"customer": name})
    return redirect(_list_url(year))


@require_GET
def tax_certificate_exclusions_view(request: HttpRequest) -> HttpResponse:
    """The customers who get no certificate for the year (or cannot get it by e-mail)."""
    require_user(request)
    form = TaxCertificateFilterForm(request.GET)
    year = form.chosen_year()
    exclusions = tax_certificate_exclusions(year=year)
    context = {"form": form, "year": year, **exclusions}
    return render(request, "accounting/certificates_exclusions.html", context)
