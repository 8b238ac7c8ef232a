"""Visites: the customer's planned and done visits, as a month calendar or a list, and
one visit's page.

A visit shows its date, times, service, site, status and the employee's first name:
never the visit's internal notes, the site's access notes, prices, nor the employee's
last name or phone. The querysets load only the shown columns (`.only`), so that a
template cannot print what was never read.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from creneau.core.params import parse_id
from creneau.customers.models import Site
from creneau.planning.models import Intervention
from creneau.portal.models import PortalUser
from creneau.portal.pages import PAGE_SIZE, scoped_or_404
from creneau.portal.selectors import portal_shown_visits, portal_sites

MIN_YEAR, MAX_YEAR = 2000, 2100
DASH = "\N{EN DASH}"  # between two times
# Past visits shown by the list: the done ones and those the customer missed.
PAST_STATUSES = (Intervention.Status.DONE, Intervention.Status.MISSED)


def _hour(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _labelled(visits: list[Intervention]) -> list[Intervention]:
    """Sets on each visit what the calendar and the list print (its times, what it is, its
    page's URL), worked out once: the month shows each visit twice (table and phone list).
    A done visit shows its real times."""
    intervention = gettext("Intervention")
    for visit in visits:
        if visit.status == Intervention.Status.DONE and visit.actual_start:
            end = f"{DASH}{_hour(visit.actual_end)}" if visit.actual_end else ""
            visit.shown_times = f"{_hour(visit.actual_start)}{end}"
        else:
            visit.shown_times = f"{_hour(visit.start)}{DASH}{_hour(visit.end)}"
        visit.shown_label = visit.service.label if visit.service else intervention
        visit.shown_url = reverse("portal:visit", args=[visit.pk])
    return visits


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    visits: list[Intervention] = field(default_factory=list)


def parse_month(value: str | None, today: date) -> date:
    """The first day of ?mois=YYYY-MM, or of this month for anything else (2026-13...)."""
    text = (value or "").strip()
    year, month = text[:4], text[5:]
    if (
        len(text) == 7
        and text[4] == "-"
        and text.isascii()
        and year.isdigit()
        and month.isdigit()
        and 1 <= int(month) <= 12
        and MIN_YEAR <= int(year) <= MAX_YEAR
    ):
        return date(int(year), int(month), 1)
    return today.replace(day=1)


def _site_filter(request: HttpRequest, user: PortalUser) -> tuple[list[Site], Site | None]:
    """The user's sites (for the filter, when it has several) and the one picked with
    ?site=<id>; an id that is not one of its sites is ignored."""
    sites = list(portal_sites(user).only("pk", "name").order_by("name", "pk"))
    site_id = parse_id(request.GET.get("site"))
    picked = next((site for site in sites if site.pk == site_id), None)
    return sites, picked


def _month_context(visits: QuerySet[Intervention], month: date, today: date) -> dict:
    weeks_of_days = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks_of_days[0][0], weeks_of_days[-1][-1]
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), zone)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone)
    days = {
        day: CalendarDay(day, day.month == month.month, day == today)
        for week in weeks_of_days
        for day in week
    }
    for visit in _labelled(
        list(visits.filter(start__gte=start, start__lt=end).order_by("start", "pk"))
    ):
        local_day = timezone.localtime(visit.start).date()
        if local_day in days:
            days[local_day].visits.append(visit)
    weeks = [[days[day] for day in week] for week in weeks_of_days]
    previous_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return {
        "month": month,
        "weeks": weeks,
        "busy_days": [day for week in weeks for day in week if day.visits and day.in_month],
        "previous_month": previous_month if previous_month.year >= MIN_YEAR else None,
        "next_month": next_month if next_month.year <= MAX_YEAR else None,
        "this_month": today.replace(day=1),
    }


def _list_context(request: HttpRequest, visits: QuerySet[Intervention]) -> dict:
    past = request.GET.get("quand") == "passees"
    now = timezone.now()
    if past:
        rows = visits.filter(status__in=PAST_STATUSES, start__lt=now).order_by("-start", "-pk")
    else:
        rows = visits.filter(status=Intervention.Status.PLANNED, end__gte=now).order_by(
            "start", "pk"
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _labelled(list(page.object_list))
    return {"page": page, "past": past}


@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    user = request.portal_user
    today = timezone.localdate()
    sites, site = _site_filter(request, user)
    visits = portal_shown_visits(user)
    if site is not None:
        visits = visits.filter(site=site)
    as_list = request.GET.get("vue") == "liste"
    context = {
        "as_list": as_list,
        "sites": sites if len(sites) > 1 else [],
        "site": site,
        "today": today,
    }
    if as_list:
        context.update(_list_context(request, visits))
    else:
        context.update(_month_context(visits, parse_month(request.GET.get("mois"), today), today))
    return render(request, "portal/visits.html", context)


@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = scoped_or_404(portal_shown_visits(request.portal_user), pk)
    return render(request, "portal/visit_detail.html", {"visit": visit})
