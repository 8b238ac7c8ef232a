"""Paramètres > Comptabilité (direction and accounting; 404 for the other roles): the
accounts, the fiscal years, and the closing of a period or of a fiscal year."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.accounting import services
from creneau.accounting.forms import AccountsForm, BooksCloseForm, FiscalYearForm
from creneau.accounting.models import FiscalYear
from creneau.accounting.rules import user_may_set_accounting
from creneau.accounting.selectors import fiscal_years
from creneau.core.closing import books_closed_until


def _require_setter(request: HttpRequest) -> None:
    if not user_may_set_accounting(request.user):
        raise Http404


def _page(request: HttpRequest, status: int = 200, **forms) -> HttpResponse:
    context = {
        "form": forms.get("form") or AccountsForm(initial=AccountsForm.initial_data()),
        "year_form": forms.get("year_form") or FiscalYearForm(),
        "close_form": forms.get("close_form") or BooksCloseForm(),
        "fiscal_years": list(fiscal_years()),
        "closed_until": books_closed_until(),
    }
    return render(request, "accounting/settings.html", context, status=status)


def accounting_settings(request: HttpRequest) -> HttpResponse:
    _require_setter(request)
    if request.method != "POST":
        return _page(request)
    form = AccountsForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.accounting_settings_update(by=request.user, **form.settings_fields())
                services.vat_rate_accounts_set(by=request.user, accounts=form.vat_accounts())
                services.payment_method_accounts_set(
                    by=request.user, accounts=form.method_accounts()
                )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Comptes enregistrés."))
            return redirect("accounting:settings")
    return _page(request, status=422, form=form)


@require_POST
def fiscal_year_create(request: HttpRequest) -> HttpResponse:
    _require_setter(request)
    form = FiscalYearForm(request.POST)
    if form.is_valid():
        try:
            services.fiscal_year_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Exercice ajouté."))
            return redirect("accounting:settings")
    return _page(request, status=422, year_form=form)


@require_POST
def fiscal_year_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_setter(request)
    fiscal_year = get_object_or_404(FiscalYear, pk=pk)
    try:
        services.fiscal_year_delete(by=request.user, fiscal_year=fiscal_year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Exercice supprimé."))
    return redirect("accounting:settings")


@require_POST
def fiscal_year_close(request: HttpRequest, pk: int) -> HttpResponse:
    _require_setter(request)
    fiscal_year = get_object_or_404(FiscalYear, pk=pk)
    try:
        services.fiscal_year_close(by=request.user, fiscal_year=fiscal_year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Exercice %(year)s clôturé : son FEC est conservé tel quel.") % {"year": fiscal_year},
        )
    return redirect("accounting:settings")


@require_POST
def books_close(request: HttpRequest) -> HttpResponse:
    _require_setter(request)
    form = BooksCloseForm(request.POST)
    if form.is_valid():
        try:
            services.books_close(by=request.user, until=form.cleaned_data["until"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Période close jusqu'au %(date)s.")
                % {"date": date_format(form.cleaned_data["until"], "d/m/Y")},
            )
            return redirect("accounting:settings")
    return _page(request, status=422, close_form=form)
