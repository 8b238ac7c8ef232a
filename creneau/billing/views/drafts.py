"""Manual invoices: a new draft for a customer's billing group, then its editor: the header
(group, period, notes) and the lines, added, edited and deleted with HTMX. Without
JavaScript the same forms post and come back to the invoice's page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from creneau.billing import services
from creneau.billing.forms import InvoiceHeaderForm, InvoiceNewForm, LineForm
from creneau.billing.models import Invoice, InvoiceLine
from creneau.billing.selectors import invoice_get, invoices_visible_to
from creneau.billing.selectors_list import customer_billing_groups
from creneau.billing.views.common import (
    errors_to_form,
    flash_errors,
    require_reader,
    require_writer,
)
from creneau.billing.views.invoice import editor_context, invoice_detail
from creneau.core.params import parse_id
from creneau.customers.selectors import customer_get, customers_visible_to, search_terms


def invoice_new(request: HttpRequest) -> HttpResponse:
    """Nouvelle facture: pick the customer (searched as one types), then its billing group
    and the period billed; the draft's editor follows."""
    require_reader(request)
    require_writer(request)
    customer_id = parse_id(request.POST.get("customer") or request.GET.get("customer"))
    if customer_id is None:
        return render(request, "billing/invoice_new.html", {"customer": None})
    customer = customer_get(user=request.user, pk=customer_id)
    groups = customer_billing_groups(customer=customer)
    form = InvoiceNewForm(request.POST or None, groups=groups, initial={"billing_group": groups[0]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invoice = services.invoice_create(
                customer=customer,
                by=request.user,
                **data,
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            return redirect("billing:detail", pk=invoice.pk)
    status = 422 if form.errors else 200
    context = {"customer": customer, "form": form}
    return render(request, "billing/invoice_new.html", context, status=status)


def customer_search(request: HttpRequest) -> HttpResponse:
    """Visible active customers matching what is typed, to start an invoice for one."""
    require_reader(request)
    customers = customers_visible_to(request.user).filter(is_active=True)
    terms = search_terms(request.GET.get("q", ""))
    for term in terms:
        customers = customers.filter(search_text__contains=term)
    found = list(customers.order_by("name_key", "id")[:10]) if terms else []
    return render(request, "billing/partials/customer_results.html", {"customers": found})


@require_POST
def invoice_header(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a draft's billing group, period or notes (as they change)."""
    invoice = invoice_get(user=request.user, pk=pk)
    require_writer(request)
    form = InvoiceHeaderForm(
        request.POST, groups=customer_billing_groups(customer=invoice.customer)
    )
    saved = group_changed = False
    if form.is_valid():
        group = form.cleaned_data["billing_group"]
        group_changed = group != invoice.billing_group
        try:
            services.invoice_update(invoice=invoice, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            saved = True
    if not request.htmx:
        return redirect("billing:detail", pk=invoice.pk)
    context = {"invoice": invoice, "header_form": form, "saved": saved, "editable": True}
    response = render(request, "billing/partials/header_form.html", context)
    if saved and group_changed:
        response["HX-Refresh"] = "true"  # the summary shows the group's sites
    return response


def _line_get(request: HttpRequest, pk: int) -> InvoiceLine:
    return get_object_or_404(
        InvoiceLine.objects.filter(invoice__in=invoices_visible_to(request.user)).select_related(
            "invoice", "invoice__customer", "vat_rate", "service"
        ),
        pk=parse_id(pk) or 0,
    )


def _lines_answer(
    request: HttpRequest,
    invoice: Invoice,
    *,
    add_form: LineForm | None = None,
    edit_form: LineForm | None = None,
) -> HttpResponse:
    """The lines, their editor and the totals (htmx); the invoice's page otherwise."""
    if not request.htmx:
        return redirect("billing:detail", pk=invoice.pk)
    invoice.refresh_from_db()
    context = editor_context(request, invoice)
    if add_form is not None:
        context["add_form"] = add_form
    if edit_form is not None:
        context["edit_form"] = edit_form
        context["editing_id"] = edit_form.line.pk
    context["oob_messages"] = True
    return render(request, "billing/partials/lines.html", context)


def lines(request: HttpRequest, pk: int) -> HttpResponse:
    """The lines partial as stored (Annuler of a line being edited); the page without htmx."""
    if not request.htmx:
        return invoice_detail(request, pk)
    invoice = invoice_get(user=request.user, pk=pk)
    return _lines_answer(request, invoice)


@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_get(user=request.user, pk=pk)
    require_writer(request)
    form = LineForm(request.POST, prefix="add")
    if form.is_valid():
        fields = form.service_fields()
        sites = list(invoice.sites.all()[:2])
        if len(sites) == 1 and fields["line_type"] in InvoiceLine.AMOUNT_TYPES:
            # The invoice's one site: its own price of a service comes first.
            fields["site"] = sites[0]
        try:
            services.invoice_line_add(invoice=invoice, by=request.user, **fields)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            return _lines_answer(request, invoice)
    return _lines_answer(request, invoice, add_form=form)


def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A line of a draft in its form (GET), saved (POST); errors at its fields."""
    line = _line_get(request, pk)
    require_writer(request)
    invoice = line.invoice
    if request.method != "POST":
        if not invoice.is_draft:  # frozen: nothing to edit
            return _lines_answer(request, invoice)
        return _lines_answer(request, invoice, edit_form=LineForm(line=line, prefix="edit"))
    form = LineForm(request.POST, line=line, prefix="edit")
    if form.is_valid():
        try:
            services.invoice_line_update(line=line, by=request.user, **form.service_fields())
        except ValidationError as error:
            line.refresh_from_db()
            errors_to_form(form, error)
        else:
            return _lines_answer(request, invoice)
    return _lines_answer(request, invoice, edit_form=form)


@require_POST
def line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line_get(request, pk)
    require_writer(request)
    try:
        services.invoice_line_delete(line=line, by=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    return _lines_answer(request, line.invoice)
