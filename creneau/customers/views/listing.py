"""The customer list (filters in the URL, server-side paging and sorting), its CSV export,
and the top search box's suggestions."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from creneau.core.csv_export import Cell, csv_response
from creneau.core.lists import render_list
from creneau.core.validators import format_phone
from creneau.customers.forms import CustomerFilterForm, staff_label
from creneau.customers.models import Customer
from creneau.customers.selectors import customers_filter

QUICK_SEARCH_SIZE = 8
QUICK_SEARCH_MIN_LENGTH = 2
RESULTS_TARGET = "customer-results"


def _filter_form(request: HttpRequest) -> CustomerFilterForm:
    data = request.GET.copy()
    if not data.get("active"):
        data["active"] = "1"  # the list opens on active customers
    return CustomerFilterForm(data, user=request.user)


def customer_list(request: HttpRequest) -> HttpResponse:
    """The list; an htmx request from the filters gets only the results table."""
    form = _filter_form(request)
    filters = form.filters()
    customers = customers_filter(user=request.user, filters=filters)
    page = Paginator(customers, settings.CUSTOMERS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "sort": filters.get("sort", "name"),
        "shows_sales_rep": "sales_rep" in form.fields,
        # Beyond the limit a balance filter's count is a bound: "plus de 1 000 clients".
        "count_above": customers.count_above(),
    }
    return render_list(
        request,
        page="customers/customer_list.html",
        results="customers/_customer_results.html",
        results_id=RESULTS_TARGET,
        context=context,
    )


def _csv_row(customer: Customer) -> list[Cell]:
    return [
        customer.code,
        customer.name,
        customer.get_kind_display(),
        customer.street,
        customer.postcode,
        customer.city,
        customer.get_country_display(),
        format_phone(customer.phone),
        format_phone(customer.mobile),
        customer.email,
        customer.family.name if customer.family else "",
        staff_label(customer.sales_rep) if customer.sales_rep else "",
        customer.siret,
        customer.vat_number,
        customer.accounting_code,
        _("Oui") if customer.is_active else _("Non"),
        customer.created_at,
    ]


CSV_HEADERS = [
    _lazy("Code client"), _lazy("Nom"), _lazy("Type"), _lazy("Adresse"), _lazy("Code postal"),
    _lazy("Ville"), _lazy("Pays"), _lazy("Téléphone"), _lazy("Mobile"), _lazy("E-mail"),
    _lazy("Famille"), _lazy("Commercial"), _lazy("SIREN / SIRET"), _lazy("N° de TVA"),
    _lazy("Code comptable"), _lazy("Actif"), _lazy("Créé le"),
]  # fmt: skip


def customer_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The list's current filter (all pages) as CSV: UTF-8 with BOM, `;` separated, streamed."""
    customers = customers_filter(user=request.user, filters=_filter_form(request).filters())
    return csv_response(
        filename=f"clients-{timezone.localdate():%Y-%m-%d}.csv",
        header=[str(header) for header in CSV_HEADERS],
        rows=(_csv_row(customer) for customer in customers.iterator(chunk_size=2000)),
    )


def customer_quick_search(request: HttpRequest) -> HttpResponse:
    """Suggestions under the top search box: a few visible customers, inactive ones too."""
    query = request.GET.get("q", "").strip()
    if len(query) < QUICK_SEARCH_MIN_LENGTH:
        return HttpResponse("")  # an empty answer hides the dropdown (CSS :empty)
    customers = customers_filter(user=request.user, filters={"q": query, "active": "all"})
    return render(
        request,
        "customers/_quick_search.html",
        {"customers": list(customers[:QUICK_SEARCH_SIZE]), "query": query},
    )
