"""Exports comptables (direction and accounting; 404 for the other roles): the FEC of a
fiscal year, and the CSV of the invoices or payments of a period."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.accounting.downloads import (
    fec_response,
    invoices_csv_response,
    payments_csv_response,
)
from creneau.accounting.forms import ExportPeriodForm, FecForm
from creneau.accounting.rules import user_may_export_accounting
from creneau.accounting.selectors import fiscal_year_for, fiscal_years


def _require_exporter(request: HttpRequest) -> None:
    if not user_may_export_accounting(request.user):
        raise Http404


def _page(request: HttpRequest, status: int = 200, **forms) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "fec_form": forms.get("fec_form") or FecForm(),
        "period_form": forms.get("period_form")
        or ExportPeriodForm(initial={"start": today.replace(month=1, day=1), "end": today}),
        "fiscal_years": list(fiscal_years()),
        "fec_errors": forms.get("fec_errors") or [],
    }
    return render(request, "accounting/exports.html", context, status=status)


def exports(request: HttpRequest) -> HttpResponse:
    _require_exporter(request)
    return _page(request)


def fec_download(request: HttpRequest) -> HttpResponse:
    """?fiscal_year=<id> (the page's choice) or ?year=2026 (the year of its closing date)."""
    _require_exporter(request)
    if "year" in request.GET:
        try:
            fiscal_year = fiscal_year_for(parse_year(request.GET["year"]))
        except ValidationError as error:
            return _page(request, status=422, fec_errors=error.messages)
        return fec_response(fiscal_year)
    form = FecForm(request.GET)
    if not form.is_valid():
        return _page(request, status=422, fec_form=form)
    return fec_response(form.cleaned_data["fiscal_year"])


def parse_year(value: str) -> int:
    try:
        return int(value)
    except ValueError as error:
        raise ValidationError(_("Saisissez une année (ex. 2026).")) from error


def _csv(request: HttpRequest, respond) -> HttpResponse:
    _require_exporter(request)
    form = ExportPeriodForm(request.GET)
    if form.is_valid():
        try:
            return respond(form.cleaned_data["start"], form.cleaned_data["end"])
        except ValidationError as error:
            form.add_service_errors(error)
    return _page(request, status=422, period_form=form)


def invoices_csv(request: HttpRequest) -> HttpResponse:
    return _csv(request, invoices_csv_response)


def payments_csv(request: HttpRequest) -> HttpResponse:
    return _csv(request, payments_csv_response)
