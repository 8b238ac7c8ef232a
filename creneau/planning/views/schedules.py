"""Pages of the schedules (programmations) and of the site closures.

A site's schedules page lists its schedules and closures; the schedule form is opened
from it (the site fixed), from the customer record's Planning tab, or from "Nouvelle
programmation", which first asks for the site. Direction and planning write; the other
roles that see the customer read; another rep's site answers 404.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import islice

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.core.collation import french_collate
from creneau.core.params import parse_date_or_none, parse_id
from creneau.customers.models import Site
from creneau.customers.selectors import customer_get, search_terms, sites_visible_to
from creneau.customers.views.common import respond_tab
from creneau.planning import services
from creneau.planning.forms_schedules import (
    RecurrenceForm,
    ScheduleEndForm,
    ScheduleForm,
    SiteClosureForm,
)
from creneau.planning.models import Intervention, Schedule, SiteClosure
from creneau.planning.recurrence import rrule_describe, rule_dates, skip_dates
from creneau.planning.rules import user_may_edit_planning
from creneau.planning.selectors import (
    interventions_visible_to,
    schedule_get,
    schedules_visible_to,
    upcoming_and_recent,
)

PREVIEW_DATES = 4


def _require_writer(request: HttpRequest) -> None:
    if not user_may_edit_planning(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de modifier le planning."))


def _site_get(request: HttpRequest, pk: int) -> Site:
    return get_object_or_404(sites_visible_to(request.user).select_related("customer"), pk=pk)


def _site_schedules(site: Site) -> QuerySet[Schedule]:
    return site.schedules.select_related("service", "employee").order_by(
        "start_time", "start_date", "id"
    )


def _site_page(
    request: HttpRequest, site: Site, *, closure_form: SiteClosureForm | None = None
) -> HttpResponse:
    today = timezone.localdate()
    schedules = list(_site_schedules(site))
    running = [s for s in schedules if s.end_date is None or s.end_date >= today]
    can_edit = user_may_edit_planning(request.user)
    if can_edit and closure_form is None:
        closure_form = SiteClosureForm()
    return render(
        request,
        "planning/schedules/site.html",
        {
            "site": site,
            "customer": site.customer,
            "running": running,
            "ended": [s for s in schedules if s not in running],
            "closures": list(site.closures.all()),
            "closure_form": closure_form,
            "can_edit": can_edit,
            "today": today,
        },
    )


def site_schedules(request: HttpRequest, site_pk: int) -> HttpResponse:
    """A site's schedules (running first, then ended) and its closures."""
    return _site_page(request, _site_get(request, site_pk))


def _created_message(schedule: Schedule) -> str:
    count = schedule.interventions.filter(status=Intervention.Status.PLANNED).count()
    return _(
        "Programmation enregistrée : %(count)s intervention(s) planifiée(s) jusqu'au %(date)s."
    ) % {
        "count": count,
        "date": date_format(schedule.generated_until, "SHORT_DATE_FORMAT"),
    }


def schedule_create(request: HttpRequest, site_pk: int) -> HttpResponse:
    """The schedule form for a new schedule of this site."""
    site = _site_get(request, site_pk)
    _require_writer(request)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            schedule = services.schedule_create(site=site, by=request.user, **form.service_fields())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _created_message(schedule))
            return redirect("planning:site_schedules", site_pk=site.pk)
    return render(
        request,
        "planning/schedules/form.html",
        {
            "site": site,
            "customer": site.customer,
            "form": form,
            "can_edit": True,
            "summary": summary_context(_form_values(form)),
        },
    )


def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A schedule: its form for the planners, the same read-only for the other roles."""
    schedule = schedule_get(user=request.user, pk=pk)
    can_edit = user_may_edit_planning(request.user)
    if request.method == "POST":
        _require_writer(request)
    form = ScheduleForm(request.POST or None, schedule=schedule)
    if not can_edit:
        form.disable()
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_update(schedule=schedule, by=request.user, **form.service_fields())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _created_message(schedule))
            return redirect("planning:site_schedules", site_pk=schedule.site_id)
    return render(
        request,
        "planning/schedules/form.html",
        {
            "site": schedule.site,
            "customer": schedule.site.customer,
            "schedule": schedule,
            "form": form,
            "end_form": ScheduleEndForm() if can_edit else None,
            "can_edit": can_edit,
            "summary": summary_context(_form_values(form)),
            "ended": schedule.end_date is not None and schedule.end_date < timezone.localdate(),
        },
    )


@require_POST
def schedule_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Terminer: the schedule's last date becomes the one given (today by default); its
    untouched visits after it are cancelled, the others stay."""
    schedule = schedule_get(user=request.user, pk=pk)
    _require_writer(request)
    form = ScheduleEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect("planning:schedule_edit", pk=schedule.pk)
    try:
        services.schedule_end(
            schedule=schedule, by=request.user, last_date=form.cleaned_data["last_date"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("planning:schedule_edit", pk=schedule.pk)
    messages.success(
        request,
        _(
            "Programmation terminée au %(date)s : ses interventions non modifiées après "
            "cette date sont annulées."
        )
        % {"date": date_format(schedule.end_date, "SHORT_DATE_FORMAT")},
    )
    return redirect("planning:site_schedules", site_pk=schedule.site_id)


def summary_context(data) -> dict:
    """What the live summary shows for the form's values (a QueryDict or a dict): the rule
    in words and its next dates, or what is missing."""
    form = RecurrenceForm(data)
    if not form.is_valid():
        return {"errors": [m for messages_ in form.errors.values() for m in messages_]}
    rule = form.rrule
    return {
        "description": rrule_describe(rule),
        "dates": _next_dates(
            rule,
            start=parse_date_or_none(data.get("start_date")),
            end=parse_date_or_none(data.get("end_date")),
            skip_holidays=bool(data.get("skip_public_holidays")),
        ),
    }


def _form_values(form: ScheduleForm) -> dict:
    """The values the form shows (posted or initial), as the summary reads them."""
    names = [*RecurrenceForm.base_fields, "start_date", "end_date", "skip_public_holidays"]
    return {name: form[name].value() for name in names}


def schedule_describe(request: HttpRequest) -> HttpResponse:
    """The live summary of the form's recurrence (htmx, as the user ticks and types)."""
    return render(request, "planning/schedules/summary.html", summary_context(request.GET))


def _next_dates(
    rule: str, *, start: date | None, end: date | None, skip_holidays: bool
) -> list[date]:
    """The first dates the rule gives from the first date (or today), up to two years on."""
    today = timezone.localdate()
    anchor = start or today
    first = max(anchor, today)
    last = first + timedelta(days=731)
    if end is not None:
        last = min(last, end)
    try:
        days = rule_dates(rule, first=first, last=last, anchor=anchor)
        return list(islice(skip_dates(days, holidays_=skip_holidays, closures=[]), PREVIEW_DATES))
    except (ValueError, OverflowError):  # a date near the calendar's end: no preview
        return []


def schedule_new(request: HttpRequest) -> HttpResponse:
    """Nouvelle programmation: pick the site (search a customer, or ?customer= its sites)."""
    _require_writer(request)
    customer = None
    sites: list[Site] = []
    if customer_id := parse_id(request.GET.get("customer")):
        customer = customer_get(user=request.user, pk=customer_id)
        sites = list(customer.sites.filter(is_active=True).order_by(french_collate("name"), "id"))
        if len(sites) == 1:
            return redirect("planning:schedule_create", site_pk=sites[0].pk)
    return render(request, "planning/schedules/new.html", {"customer": customer, "sites": sites})


def schedule_site_search(request: HttpRequest) -> HttpResponse:
    """Active sites of the visible customers matching what is typed (name, code, city...)."""
    terms = search_terms(request.GET.get("q", ""))
    sites = sites_visible_to(request.user).filter(is_active=True, customer__is_active=True)
    for term in terms:
        sites = sites.filter(Q(customer__search_text__contains=term) | Q(name__icontains=term))
    found = (
        list(sites.select_related("customer").order_by("customer__name_key", "name", "id")[:15])
        if terms
        else []
    )
    return render(request, "planning/schedules/site_results.html", {"sites": found})


# Site closures ----------------------------------------------------------------------------


@require_POST
def site_closure_add(request: HttpRequest, site_pk: int) -> HttpResponse:
    site = _site_get(request, site_pk)
    _require_writer(request)
    form = SiteClosureForm(request.POST)
    if form.is_valid():
        try:
            services.site_closure_add(site=site, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Fermeture du site enregistrée."))
            return redirect("planning:site_schedules", site_pk=site.pk)
    return _site_page(request, site, closure_form=form)


@require_POST
def site_closure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    closure = get_object_or_404(
        SiteClosure.objects.filter(site__in=sites_visible_to(request.user)).select_related(
            "site__customer"
        ),
        pk=pk,
    )
    _require_writer(request)
    services.site_closure_delete(closure=closure, by=request.user)
    messages.success(request, _("Fermeture du site supprimée."))
    return redirect("planning:site_schedules", site_pk=closure.site_id)


# The customer record's Planning tab -------------------------------------------------------


def tab_customer(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's "Planning" tab: its sites' schedules, the next and the last visits."""
    customer = customer_get(user=request.user, pk=pk)
    schedules = (
        schedules_visible_to(request.user)
        .filter(site__customer=customer)
        .select_related("site", "service", "employee")
        .order_by(french_collate("site__name"), "site_id", "start_time", "id")
    )
    upcoming, recent = upcoming_and_recent(
        interventions_visible_to(request.user).filter(site__customer=customer)
    )
    sites = list(
        customer.sites.filter(is_active=True)
        .annotate(schedule_count=Count("schedules"))
        .order_by(french_collate("name"), "id")
    )
    return respond_tab(
        request,
        customer,
        tab="planning",
        template="planning/schedules/tab_customer.html",
        context={
            "schedules": list(schedules),
            "upcoming": upcoming,
            "recent": recent,
            "sites": sites,
            "can_edit": user_may_edit_planning(request.user),
            "today": timezone.localdate(),
        },
    )
