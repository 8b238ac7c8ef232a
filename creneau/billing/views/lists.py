"""The Facturation list, its CSV export, and the customer record's "Factures" tab."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.billing.forms import InvoiceFilterForm
from creneau.billing.models import Invoice
from creneau.billing.rules import user_may_issue_invoices
from creneau.billing.selectors_list import (
    DEFAULT_SORT,
    customer_billed_totals,
    invoices_filter,
    invoices_of_customer,
    invoices_totals,
)
from creneau.billing.views.common import require_reader
from creneau.core.csv_export import csv_response
from creneau.core.lists import render_list
from creneau.core.pagination import NarrowPaginator
from creneau.core.params import parse_id
from creneau.customers.selectors import customer_get, customers_visible_to
from creneau.customers.views.common import respond_tab

PAGE_SIZE = 25
TAB_ROWS = 50


def invoice_list(request: HttpRequest) -> HttpResponse:
    """Facturation: invoices and credit notes, filtered in the URL, with the filter's totals.
    An htmx request from the filters, the sort links or the pages gets the results only."""
    require_reader(request)
    filters = request.GET.dict()
    invoices = invoices_filter(user=request.user, filters=filters)
    totals = invoices_totals(invoices)
    paginator = NarrowPaginator(invoices, PAGE_SIZE)
    paginator.count = totals.count  # the aggregate counted them already: one query less
    page = paginator.get_page(request.GET.get("page"))
    customer = None
    if customer_id := parse_id(request.GET.get("customer_id")):
        customer = customers_visible_to(request.user).filter(pk=customer_id).first()
    context = {
        "filters": InvoiceFilterForm(request.GET or None),
        "page": page,
        "totals": totals,
        "sort": request.GET.get("sort") or DEFAULT_SORT,
        "customer": customer,
        "today": timezone.localdate(),
        "can_issue": user_may_issue_invoices(request.user),
    }
    return render_list(
        request,
        page="billing/invoice_list.html",
        results="billing/partials/list_results.html",
        results_id="invoice-results",
        context=context,
    )


def invoice_export(request: HttpRequest) -> HttpResponse:
    """The list's current filter as CSV (semicolons, decimal commas, BOM: French Excel)."""
    require_reader(request)
    invoices = invoices_filter(user=request.user, filters=request.GET.dict())
    rows = (
        [
            invoice.number or _("brouillon"),
            invoice.get_kind_display(),
            _("En retard") if invoice.is_overdue else invoice.get_status_display(),
            invoice.issue_date,
            invoice.due_date,
            invoice.customer_code or invoice.customer.code,
            invoice.customer_name or invoice.customer.name,
            invoice.billing_group,
            invoice.period_start,
            invoice.period_end,
            invoice.total_net,
            invoice.total_vat,
            invoice.total_gross,
            invoice.amount_due,
        ]
        for invoice in invoices.iterator(2000)
    )
    header = [_("Numéro"), _("Type"), _("Statut"), _("Date"), _("Échéance"), _("Code client"),
              _("Client"), _("Groupe"), _("Période du"), _("Période au"), _("Total HT"),
              _("TVA"), _("Total TTC"), _("Reste dû")]  # fmt: skip
    return csv_response(
        filename=f"factures-{timezone.localdate():%Y-%m-%d}.csv", header=header, rows=rows
    )


def tab_customer(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's "Factures" tab: the customer's invoices and credit notes, what was billed
    and what is still due (an HTMX partial; the record page when opened directly)."""
    customer = customer_get(user=request.user, pk=pk)
    require_reader(request)
    invoices = list(invoices_of_customer(customer=customer)[: TAB_ROWS + 1])
    return respond_tab(
        request,
        customer,
        tab="invoices",
        template="billing/tab_customer.html",
        context={
            "invoices": invoices[:TAB_ROWS],
            "more": len(invoices) > TAB_ROWS,
            "totals": customer_billed_totals(customer=customer),
            "drafts": sum(1 for invoice in invoices if invoice.status == Invoice.Status.DRAFT),
            "can_issue": user_may_issue_invoices(request.user),
        },
    )
