"""Factures and attestations fiscales: the customer's issued invoices and credit notes
with what is left to pay, their stored Factur-X PDFs, and its annual tax certificates
(an account-level access only)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from creneau.accounting.print.tax_certificate import tax_certificate_filename
from creneau.accounting.tax_certificate_services import tax_certificate_pdf
from creneau.core.pdf import pdf_response
from creneau.portal.models import PortalUser
from creneau.portal.pages import PAGE_SIZE, scoped_or_404
from creneau.portal.selectors import (
    portal_balance,
    portal_certificates,
    portal_invoices,
    portal_sees_invoices,
)

INVOICE_FIELDS = (
    "kind", "status", "number", "issue_date", "due_date", "total_gross", "amount_due",
)  # fmt: skip


@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    user = request.portal_user
    if not portal_sees_invoices(user):
        return render(request, "portal/invoices.html", {"sees_invoices": False})
    invoices = portal_invoices(user).only(*INVOICE_FIELDS).order_by("-issue_date", "-number", "-pk")
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/invoices.html",
        {
            "sees_invoices": True,
            "page": page,
            "balance": portal_balance(user),
            "today": timezone.localdate(),
        },
    )


@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = scoped_or_404(portal_invoices(request.portal_user), pk)
    # Imported here, as the staff's page does: the Factur-X rendering and its print
    # template load only when a PDF is asked for.
    from creneau.billing.documents import invoice_pdf_document, invoice_pdf_filename

    return pdf_response(
        invoice_pdf_document(invoice=invoice), invoice_pdf_filename(invoice), inline=False
    )


def _account_level(user: PortalUser) -> None:
    """Tax certificates are the customer's own: a site-level access has no such page."""
    if user.site_id is not None:
        raise Http404


@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    user = request.portal_user
    _account_level(user)
    certificates = (
        portal_certificates(user)
        .only("year", "amount_paid", "cesu_prefinanced", "hours", "generated_at", "sent_at")
        .order_by("-year", "-pk")
    )
    page = Paginator(certificates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/certificates.html", {"page": page})


@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.portal_user
    _account_level(user)
    certificate = scoped_or_404(portal_certificates(user).select_related("customer"), pk)
    filename = tax_certificate_filename(year=certificate.year, customer=certificate.customer)
    return pdf_response(tax_certificate_pdf(certificate), filename, inline=False)
