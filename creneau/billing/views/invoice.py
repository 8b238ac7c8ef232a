"""An invoice's page and its actions: the PDF, issuing and deleting a draft, credit notes,
and "Facturer" on an accepted quote."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.billing import services
from creneau.billing.credit_notes import credit_note_create
from creneau.billing.forms import CreditNoteForm, InvoiceHeaderForm, LineForm
from creneau.billing.models import ZERO, Invoice
from creneau.billing.rules import user_may_issue_invoices
from creneau.billing.selectors import invoice_get
from creneau.billing.selectors_list import (
    credit_left,
    credited_quantities,
    customer_billing_groups,
    invoice_lines_shown,
)
from creneau.billing.views.common import errors_to_form, flash_errors, require_writer
from creneau.core.pdf import pdf_response
from creneau.core.selectors import emails_for
from creneau.quotes.selectors import quote_get


def breakdown_rows(invoice: Invoice, lines: list) -> list[dict]:
    """The VAT breakdown: as stored once issued (frozen), as computed on a draft."""
    if not invoice.is_draft:
        return [
            {
                "rate": Decimal(row["rate"]),
                "exemption": row.get("exemption", ""),
                "base": Decimal(row["base"]),
                "vat": Decimal(row["vat"]),
            }
            for row in invoice.vat_breakdown
        ]
    return [
        {"rate": row.rate, "exemption": row.key[1], "base": row.base, "vat": row.vat}
        for row in invoice.totals(lines).breakdown
    ]


def editor_context(request: HttpRequest, invoice: Invoice) -> dict:
    """The lines and totals of an invoice, and on a draft what its editor needs."""
    lines = invoice_lines_shown(invoice=invoice)
    editable = invoice.is_draft and user_may_issue_invoices(request.user)
    return {
        "invoice": invoice,
        "lines": lines,
        "breakdown": breakdown_rows(invoice, lines),
        "editable": editable,
        "add_form": LineForm(prefix="add") if editable else None,
    }


def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice (or credit note): who, what, totals, what is due, its credit notes and
    e-mails; on a draft, its editor."""
    invoice = invoice_get(user=request.user, pk=pk)
    context = editor_context(request, invoice)
    can_issue = user_may_issue_invoices(request.user)
    context.update(
        can_issue=can_issue,
        credit_notes=list(invoice.credit_notes.order_by("issue_date", "id")),
        emails=list(emails_for(invoice)[:20]),
        sites=list(invoice.sites.order_by("name", "id")),
        may_credit=can_issue
        and invoice.kind == Invoice.Kind.INVOICE
        and not invoice.is_draft
        and invoice.status != Invoice.Status.CANCELLED,
    )
    if context["editable"]:
        context["header_form"] = InvoiceHeaderForm(
            groups=customer_billing_groups(customer=invoice.customer),
            initial={
                "billing_group": invoice.billing_group,
                "period_start": invoice.period_start,
                "period_end": invoice.period_end,
                "notes": invoice.notes,
            },
        )
    return render(request, "billing/invoice_detail.html", context)


def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice's Factur-X PDF (the stored one once issued), shown or downloaded."""
    invoice = invoice_get(user=request.user, pk=pk)
    # Imported here: the Factur-X rendering lives in documents.py with the print template.
    from creneau.billing.documents import invoice_pdf_document, invoice_pdf_filename

    inline = request.GET.get("download") != "1"
    return pdf_response(
        invoice_pdf_document(invoice=invoice), invoice_pdf_filename(invoice), inline=inline
    )


@require_POST
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Émettre: the draft gets its number and is frozen."""
    invoice = invoice_get(user=request.user, pk=pk)
    require_writer(request)
    try:
        services.invoice_issue(invoice=invoice, by=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(
            request, _("Facture émise : numéro %(number)s.") % {"number": invoice.number}
        )
    return redirect("billing:detail", pk=invoice.pk)


@require_POST
def invoice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_get(user=request.user, pk=pk)
    require_writer(request)
    try:
        services.invoice_delete(invoice=invoice, by=request.user)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("billing:detail", pk=invoice.pk)
    messages.success(request, _("Brouillon supprimé."))
    return redirect(f"{reverse('billing:list')}?customer_id={invoice.customer_id}")


def credit_note_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Faire un avoir: total, by lines, or by an amount incl. VAT, never more than is left."""
    invoice = invoice_get(user=request.user, pk=pk)
    require_writer(request)
    lines = invoice_lines_shown(invoice=invoice)
    already = credited_quantities(invoice=invoice)
    left = {line.pk: line.quantity - already.get(line.pk, ZERO) for line in lines}
    left_gross = credit_left(invoice=invoice) if not invoice.is_draft else ZERO
    form = CreditNoteForm(request.POST or None, lines=lines, left=left, left_gross=left_gross)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                credit_note = credit_note_create(
                    invoice=invoice, by=request.user, **form.service_fields()
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("Avoir %(number)s émis sur la facture %(invoice)s.")
                    % {"number": credit_note.number, "invoice": invoice.number},
                )
                return redirect("billing:detail", pk=credit_note.pk)
        status = 422
    context = {
        "invoice": invoice,
        "form": form,
        "left_gross": left_gross,
    }
    return render(request, "billing/credit_note_form.html", context, status=status)


@require_POST
def invoice_from_quote(request: HttpRequest, quote_pk: int) -> HttpResponse:
    """Facturer: a draft with the accepted quote's lines, once; then its page."""
    quote = quote_get(user=request.user, pk=quote_pk)
    require_writer(request)
    existing = Invoice.objects.filter(quote=quote).first()
    if existing is not None:
        return redirect("billing:detail", pk=existing.pk)
    try:
        invoice = services.invoice_from_quote(quote=quote, by=request.user)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("quotes:detail", pk=quote.pk)
    messages.success(
        request,
        _("Brouillon de facture créé d'après le devis %(number)s : vérifiez-le, puis émettez-le.")
        % {"number": quote.number},
    )
    return redirect("billing:detail", pk=invoice.pk)
