"""Prévu / réalisé: a month's hours by status (planned, done, missed, cancelled), per
employee or per site, and its CSV. `?month=YYYY-MM&by=employee|site`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core.csv_export import csv_response, decimal_places
from creneau.planning.report import (
    BY_EMPLOYEE,
    BY_SITE,
    STATUSES,
    Report,
    ReportRow,
    parse_month,
    planned_vs_done,
)
from creneau.planning.rules import user_sees_planning_report

SITES_PAGE_SIZE = 100


@dataclass
class Asked:
    month: date
    by: str
    error: str = ""


def _asked(request: HttpRequest) -> Asked:
    if not user_sees_planning_report(request.user):
        raise PermissionDenied
    by = BY_SITE if request.GET.get("by") == BY_SITE else BY_EMPLOYEE
    typed = request.GET.get("month", "").strip()
    month = parse_month(typed)
    this_month = timezone.localdate().replace(day=1)
    if typed and month is None:
        error = _("Mois illisible : « %(value)s ». Écrivez-le AAAA-MM ; voici ce mois-ci.") % {
            "value": typed[:30]
        }
        return Asked(this_month, by, error)
    return Asked(month or this_month, by)


def report(request: HttpRequest) -> HttpResponse:
    asked = _asked(request)
    result = planned_vs_done(user=request.user, month=asked.month, by=asked.by)
    rows = Paginator(result.rows, SITES_PAGE_SIZE).get_page(request.GET.get("page"))
    previous = (asked.month - timedelta(days=1)).replace(day=1)
    following = (asked.month + timedelta(days=32)).replace(day=1)
    context = {
        "report": result,
        "page": rows,
        "by": asked.by,
        "error": asked.error,
        "month_value": f"{asked.month:%Y-%m}",
        "previous_month": f"{previous:%Y-%m}" if parse_month(f"{previous:%Y-%m}") else "",
        "next_month": f"{following:%Y-%m}" if parse_month(f"{following:%Y-%m}") else "",
        "statuses": [status.label for status in STATUSES],
    }
    return render(request, "planning/report.html", context)


def _csv_row(row: ReportRow, by: str) -> list:
    names = [row.customer, row.label] if by == BY_SITE else [row.label]
    hours = [decimal_places(value, 2) for value in [*row.cells, row.total]]
    return [*names, *hours, row.visits]


def report_export(request: HttpRequest) -> HttpResponse:
    """The report as shown (its month and its grouping) as CSV, with its total line."""
    asked = _asked(request)
    result: Report = planned_vs_done(user=request.user, month=asked.month, by=asked.by)
    names = [_("Client"), _("Site")] if asked.by == BY_SITE else [_("Intervenant")]
    hours = [_("%(status)s (h)") % {"status": status.label} for status in STATUSES]
    header = [*names, *hours, _("Total (h)"), _("Passages")]
    rows = [_csv_row(row, asked.by) for row in result.rows]
    total = _csv_row(result.totals, asked.by)
    rows.append([_("Total"), *[""] * (len(names) - 1), *total[len(names) :]])
    kind = "sites" if asked.by == BY_SITE else "intervenants"
    filename = f"prevu-realise-{kind}-{asked.month:%Y-%m}.csv"
    return csv_response(filename=filename, header=header, rows=rows)
