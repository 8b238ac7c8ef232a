"""Cheque deposits (remises de chèques): entering up to a hundred cheques on one screen,
the deposits' list, a deposit's page with its cheques, its slip as PDF and CSV, and the
customer suggestions of the entry screen. For the roles that record payments: a deposit
holds many customers' cheques."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from creneau.billing.views.common import errors_to_form
from creneau.core.csv_export import csv_response
from creneau.core.models import Company
from creneau.core.pdf import pdf_response, render_pdf
from creneau.core.templatetags.creneau import money
from creneau.customers.selectors import customers_filter
from creneau.payments.forms_deposits import (
    SUGGESTION_SEPARATOR,
    ChequeFormSet,
    DepositForm,
    resolve_rows,
    with_more_rows,
)
from creneau.payments.models import ChequeDeposit
from creneau.payments.once import once_remember, once_token, once_used
from creneau.payments.print.deposit_slip import deposit_slip_data
from creneau.payments.selectors_list import deposit_cheques, deposits_list, recent_cheque_banks
from creneau.payments.services import ChequeRowsError, cheque_deposit_create
from creneau.payments.views import require_reader, require_writer

PREFIX = "cheques"
DEPOSITS_PER_PAGE = 25
SUGGESTIONS = 8
SUGGESTION_MIN_LENGTH = 2


def _require(request: HttpRequest) -> None:
    require_reader(request)  # 404 for who sees no payment
    require_writer(request)  # 403 for a sales rep


def _save(request: HttpRequest, header: DepositForm, formset) -> ChequeDeposit | None:
    """Check every row (the customers and invoices for the whole deposit at once), then
    record the deposit; None when something is wrong, the errors at their fields."""
    header_valid = header.is_valid()
    formset_valid = formset.is_valid()
    rows = formset.filled_forms()
    resolve_rows(request.user, rows)
    if not (header_valid and formset_valid) or any(form.errors for form in rows):
        return None
    try:
        return cheque_deposit_create(
            by=request.user,
            date=header.cleaned_data["date"],
            reference=header.cleaned_data["reference"],
            cheques=[form.as_cheque() for form in rows],
        )
    except ChequeRowsError as error:
        for index, errors in error.rows.items():
            form = rows[index]
            for field, field_messages in errors.items():
                form.add_error(field if field in form.fields else None, field_messages)
    except ValidationError as error:
        errors_to_form(header, error)
    return None


def deposit_new(request: HttpRequest) -> HttpResponse:
    """Nouvelle remise de chèques: the deposit's date and slip number, then a row a cheque.
    All or nothing: one wrong row and nothing is saved, every wrong row says why."""
    _require(request)
    show_errors = True
    if request.method != "POST":
        header, formset = DepositForm(), ChequeFormSet(prefix=PREFIX)
    elif "save" not in request.POST:
        # "Ajouter des lignes" without JavaScript: the rows typed, ten more, no errors yet.
        header = DepositForm(request.POST)
        formset = ChequeFormSet(with_more_rows(request.POST, PREFIX), prefix=PREFIX)
        show_errors = False
    elif once_used(request):
        messages.info(request, _("Cette remise était déjà enregistrée : rien n'a été ajouté."))
        return redirect("payments:deposit_list")
    else:
        header, formset = DepositForm(request.POST), ChequeFormSet(request.POST, prefix=PREFIX)
        deposit = _save(request, header, formset)
        if deposit is not None:
            once_remember(request)
            count = deposit.payments.count()
            total = sum(deposit.payments.values_list("amount", flat=True), Decimal("0.00"))
            message = ngettext(
                "Remise enregistrée : %(count)s chèque, %(total)s.",
                "Remise enregistrée : %(count)s chèques, %(total)s.",
                count,
            ) % {"count": count, "total": money(total)}
            messages.success(request, message)
            return redirect("payments:deposit_detail", deposit.pk)
    failed = request.method == "POST" and show_errors
    context = {
        "header": header,
        "formset": formset,
        "show_errors": show_errors,
        # Said above the rows: the wrong ones may be far down a list of thirty.
        "wrong_rows": sum(1 for form in formset.forms if form.errors) if failed else 0,
        "banks": recent_cheque_banks(),
        "once": once_token(request),
    }
    return render(request, "payments/deposits/deposit_new.html", context)


def deposit_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    page = Paginator(deposits_list(), DEPOSITS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "payments/deposits/deposit_list.html", {"page": page})


def _deposit(request: HttpRequest, pk: int) -> tuple[ChequeDeposit, list, Decimal]:
    _require(request)
    deposit = get_object_or_404(ChequeDeposit.objects.select_related("created_by"), pk=pk)
    cheques = deposit_cheques(deposit)
    return deposit, cheques, sum((cheque.amount for cheque in cheques), Decimal("0.00"))


def deposit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A deposit: its cheques in the order typed, each with its allocations, and the total.
    A cheque that bounced later shows as cancelled; it stays on the slip."""
    deposit, cheques, total = _deposit(request, pk)
    context = {"deposit": deposit, "cheques": cheques, "total": total}
    return render(request, "payments/deposits/deposit_detail.html", context)


def _filename(deposit: ChequeDeposit, extension: str) -> str:
    reference = "".join(c for c in deposit.reference if c.isalnum() or c in "-_")[:40]
    suffix = f"-{reference}" if reference else ""
    return f"remise-{deposit.date:%Y-%m-%d}{suffix}.{extension}"


def deposit_slip_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The slip (bordereau de remise) to hand to the bank with the cheques."""
    deposit, cheques, _total = _deposit(request, pk)
    company = Company.load()
    data = deposit_slip_data(deposit=deposit, cheques=cheques, company=company)
    pdf = render_pdf(template="payments/deposit_slip.typ", data=data, company=company)
    return pdf_response(pdf, _filename(deposit, "pdf"))


def deposit_slip_csv(request: HttpRequest, pk: int) -> HttpResponse:
    deposit, cheques, total = _deposit(request, pk)
    rows = [
        [
            position,
            cheque.customer.code,
            cheque.customer.name,
            cheque.cheque_bank,
            cheque.cheque_number,
            cheque.amount,
            ", ".join(a.invoice.number or "" for a in cheque.allocations.all()),
            _("Annulé") if hasattr(cheque, "reversal") else "",
        ]
        for position, cheque in enumerate(cheques, start=1)
    ]
    rows.append(["", "", _("Total"), "", "", total, "", ""])
    header = [_("N°"), _("Code client"), _("Client"), _("Banque"), _("N° de chèque"),
              _("Montant"), _("Factures"), _("Statut")]  # fmt: skip
    return csv_response(filename=_filename(deposit, "csv"), header=header, rows=rows)


def customer_suggestions(request: HttpRequest) -> JsonResponse:
    """The customers matching what is typed in a cheque's Client field: a few, as
    {"value": "CODE · Name", "label": "postcode city"}; the code is what the form reads."""
    _require(request)
    query = request.GET.get("q", "").strip()
    if len(query) < SUGGESTION_MIN_LENGTH:
        return JsonResponse({"customers": []})
    customers = customers_filter(user=request.user, filters={"q": query, "active": "all"})
    found = customers.values("code", "name", "postcode", "city")[:SUGGESTIONS]
    return JsonResponse(
        {
            "customers": [
                {
                    "value": f"{customer['code']}{SUGGESTION_SEPARATOR}{customer['name']}",
                    "label": f"{customer['postcode']} {customer['city']}".strip(),
                }
                for customer in found
            ]
        }
    )
