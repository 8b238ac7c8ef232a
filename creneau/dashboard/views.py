"""/: the dashboard. Direction and accounting see the business's figures (every
customer), a sales rep its own customers' quotes to follow up and overdue invoices; the
other roles keep their home (core.views.home: the customers, or an intervenant's day).
`?month=YYYY-MM` shows a past month (its end, and the same dates a year before)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core import views as core_views
from creneau.dashboard.display import charts, figure_rows, period_titles
from creneau.dashboard.periods import periods_of
from creneau.dashboard.rules import user_sees_dashboard, user_sees_rep_dashboard
from creneau.dashboard.selectors import dashboard_figures, rep_dashboard


def home(request: HttpRequest) -> HttpResponse:
    if user_sees_dashboard(request.user):
        return dashboard(request)
    if user_sees_rep_dashboard(request.user):
        return render(request, "dashboard/rep.html", {"rep": rep_dashboard(user=request.user)})
    return core_views.home(request)


def dashboard(request: HttpRequest) -> HttpResponse:
    periods, refused = periods_of(request.GET.get("month"), timezone.localdate())
    if refused:
        messages.warning(
            request, _("Choisissez un mois passé ou le mois en cours (AAAA-MM) : voici ce mois-ci.")
        )
    board = dashboard_figures(user=request.user, periods=periods)
    context = {
        "board": board,
        "periods": periods,
        "month_value": periods.first.strftime("%Y-%m"),
        "max_month": periods.today.strftime("%Y-%m"),
        "rows": figure_rows(board),
        "titles": period_titles(board),
        "charts": charts(board),
    }
    return render(request, "dashboard/home.html", context)
