"""The planner's views: the week by employee (/planning/), the week by site, the month.

Each filters as the other lists do (a GET form, htmx answering the results only, the
filter kept in the URL). The week by employee is where visits are dragged from day to day
and from employee to employee (views/visits.py answers the drop).
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from creneau.core.lists import render_list
from creneau.core.roles import user_sees_all_customers
from creneau.planning.models import Intervention
from creneau.planning.rules import user_may_edit_planning, user_sees_planning
from creneau.planning.views import month as month_grid
from creneau.planning.views.filters import (
    PlanningFilters,
    active_employees,
    month_of,
    planning_filters,
    service_choices,
    week_of,
)
from creneau.planning.views.grid import employee_grid, site_grid

RESULTS_ID = "planning-results"


def require_planning_reader(request: HttpRequest) -> None:
    if not user_sees_planning(request.user):
        raise PermissionDenied(_("Votre rôle ne donne pas accès au planning."))


def _url(name: str, filters: PlanningFilters, **params: str) -> str:
    return f"{reverse(name)}?{urlencode({**filters.query, **params})}"


def week_title(monday: date) -> str:
    """ "Semaine 10, du 2 au 8 mars 2026" (months and years said only where they change)."""
    sunday = monday + timedelta(days=6)
    if monday.year != sunday.year:
        first = date_format(monday, "j F Y")
    elif monday.month != sunday.month:
        first = date_format(monday, "j F")
    else:
        first = date_format(monday, "j")
    return _("Semaine %(number)s, du %(first)s au %(last)s") % {
        "number": monday.isocalendar().week,
        "first": first,
        "last": date_format(sunday, "j F Y"),
    }


def _page_context(request: HttpRequest, filters: PlanningFilters, view: str) -> dict:
    """What every planning view shows around its grid: the filters and the view switch."""
    employees = active_employees()
    return {
        "filters": filters,
        "employees": employees,
        "services": service_choices(filters.service_id),
        "statuses": Intervention.Status.choices,
        "view": view,
        "view_url": reverse(f"planning:{view}"),
        "can_edit": user_may_edit_planning(request.user),
        "results_id": RESULTS_ID,
    }


def _week_context(request: HttpRequest, filters: PlanningFilters, view: str) -> dict:
    monday = week_of(request.GET)
    today = timezone.localdate()
    week = monday.isoformat()
    context = _page_context(request, filters, view)
    context.update(
        monday=monday,
        today=today,
        title=week_title(monday),
        previous_url=_url(f"planning:{view}", filters, week=(monday - timedelta(7)).isoformat()),
        next_url=_url(f"planning:{view}", filters, week=(monday + timedelta(7)).isoformat()),
        today_url=_url(f"planning:{view}", filters),
        week_url=_url("planning:week", filters, week=week),
        sites_url=_url("planning:week_sites", filters, week=week),
        month_url=_url("planning:month", filters, month=monday.strftime("%Y-%m")),
        new_url=f"{reverse('planning:visit_new')}?day="
        + (today if monday <= today < monday + timedelta(7) else monday).isoformat(),
    )
    return context


def week(request: HttpRequest) -> HttpResponse:
    """The week by employee: "À pourvoir", then a row per employee, a column per day."""
    require_planning_reader(request)
    filters = planning_filters(request.user, request.GET)
    context = _week_context(request, filters, "week")
    context["results_template"] = "planning/partials/week_results.html"
    context["grid"] = employee_grid(
        request.user,
        filters,
        context["monday"],
        employees=context["employees"],
        sees_everyone=user_sees_all_customers(request.user),
    )
    return render_list(
        request,
        page="planning/planning.html",
        results=context["results_template"],
        results_id=RESULTS_ID,
        context=context,
    )


def week_sites(request: HttpRequest) -> HttpResponse:
    """The same week by site: a row per site having a visit, the employee on each card."""
    require_planning_reader(request)
    filters = planning_filters(request.user, request.GET)
    context = _week_context(request, filters, "week_sites")
    context["results_template"] = "planning/partials/sites_results.html"
    context["grid"] = site_grid(request.user, filters, context["monday"])
    return render_list(
        request,
        page="planning/planning.html",
        results=context["results_template"],
        results_id=RESULTS_ID,
        context=context,
    )


def month(request: HttpRequest) -> HttpResponse:
    """The month: each day its number of visits and the first few, linking to its week."""
    require_planning_reader(request)
    filters = planning_filters(request.user, request.GET)
    first = month_of(request.GET)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=31)).replace(day=1)
    context = _page_context(request, filters, "month")
    context["results_template"] = "planning/partials/month_results.html"
    context.update(
        first=first,
        title=date_format(first, "F Y").capitalize(),
        calendar=month_grid.month_calendar(request.user, filters, first),
        previous_url=_url("planning:month", filters, month=previous.strftime("%Y-%m")),
        next_url=_url("planning:month", filters, month=following.strftime("%Y-%m")),
        today_url=_url("planning:month", filters),
        week_url=_url("planning:week", filters, week=first.isoformat()),
        sites_url=_url("planning:week_sites", filters, week=first.isoformat()),
        month_url=_url("planning:month", filters, month=first.strftime("%Y-%m")),
        new_url=f"{reverse('planning:visit_new')}?day={first.isoformat()}",
    )
    return render_list(
        request,
        page="planning/planning.html",
        results=context["results_template"],
        results_id=RESULTS_ID,
        context=context,
    )
