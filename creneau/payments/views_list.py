"""Facturation > Règlements: every payment the user sees, filtered in the URL, with the
filter's totals, and its CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core.csv_export import csv_response
from creneau.core.lists import render_list
from creneau.core.pagination import NarrowPaginator
from creneau.core.params import parse_id
from creneau.customers.selectors import customers_visible_to
from creneau.payments.forms_list import PaymentFilterForm
from creneau.payments.models import ChequeDeposit
from creneau.payments.rules import user_may_record_payments
from creneau.payments.selectors_list import DEFAULT_SORT, payments_filter, payments_totals
from creneau.payments.views import require_reader

PAGE_SIZE = 25


def payment_list(request: HttpRequest) -> HttpResponse:
    """The payments of the filter, a page at a time, with their count and total. An htmx
    request from the filters, the sort links or the pages gets the results only."""
    require_reader(request)
    filters = request.GET.dict()
    payments = payments_filter(user=request.user, filters=filters)
    totals = payments_totals(payments)
    paginator = NarrowPaginator(payments, PAGE_SIZE)
    paginator.count = totals.count  # the aggregate counted them already: one query less
    page = paginator.get_page(request.GET.get("page"))
    customer = deposit = None
    if customer_id := parse_id(request.GET.get("customer_id")):
        customer = customers_visible_to(request.user).filter(pk=customer_id).first()
    can_record = user_may_record_payments(request.user)
    if can_record and (deposit_id := parse_id(request.GET.get("deposit"))):
        deposit = ChequeDeposit.objects.filter(pk=deposit_id).first()
    context = {
        "filters": PaymentFilterForm(request.GET or None),
        "page": page,
        "totals": totals,
        "sort": request.GET.get("sort") or DEFAULT_SORT,
        "customer": customer,
        "deposit": deposit,
        "can_record": can_record,
    }
    return render_list(
        request,
        page="payments/payment_list.html",
        results="payments/partials/list_results.html",
        results_id="payment-results",
        context=context,
    )


def payment_export(request: HttpRequest) -> HttpResponse:
    """The list's current filter as CSV (semicolons, decimal commas, BOM: French Excel)."""
    require_reader(request)
    payments = payments_filter(user=request.user, filters=request.GET.dict())

    def status(payment) -> str:
        if payment.reversal_of_id:
            return _("Annulation")
        return _("Annulé") if hasattr(payment, "reversal") else _("Actif")

    rows = (
        [
            payment.date,
            payment.customer.code,
            payment.customer.name,
            payment.get_method_display(),
            payment.reference,
            payment.cheque_bank,
            payment.cheque_number,
            payment.deposit.reference if payment.deposit else "",
            -payment.amount if payment.reversal_of_id else payment.amount,
            payment.credit,
            status(payment),
            payment.reversal.reason if hasattr(payment, "reversal") else payment.reason,
        ]
        for payment in payments.iterator(2000)
    )
    header = [_("Date"), _("Code client"), _("Client"), _("Mode"), _("Référence"),
              _("Banque"), _("N° de chèque"), _("Remise"), _("Montant"), _("Non affecté"),
              _("Statut"), _("Motif d'annulation")]  # fmt: skip
    return csv_response(
        filename=f"reglements-{timezone.localdate():%Y-%m-%d}.csv", header=header, rows=rows
    )
