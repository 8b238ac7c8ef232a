"""The sections of an employee's record page, each saved on its own: weekly availability,
absences, incompatible sites, staff login, calendar address.

A section's form posts with htmx and gets the section back (with the flash messages, out
of band); without JavaScript it posts as a plain form and gets a redirect to the record
(or the whole record with the errors at their fields).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.core.params import parse_id
from creneau.core.roles import user_is_direction
from creneau.customers.forms import add_service_error
from creneau.customers.selectors import sites_visible_to
from creneau.planning import services
from creneau.planning.forms_employees import (
    AbsenceForm,
    AvailabilityForm,
    LoginCreateForm,
    LoginLinkForm,
    SiteSearchForm,
)
from creneau.planning.models import Absence, Availability, Employee
from creneau.planning.rules import user_may_edit_planning
from creneau.planning.selectors import employee_get
from creneau.planning.selectors_employees import (
    employee_ical_url,
    incompatible_sites_of,
    logins_available,
    sites_search,
)
from creneau.planning.views.employee_common import employees_reader, require_planning_writer

SECTIONS = ("availability", "absences", "sites", "login", "calendar")
PAST_ABSENCES_SHOWN = 10


def _availability_context(employee: Employee, form: AvailabilityForm | None) -> dict[str, Any]:
    slots = list(employee.availabilities.all())
    days = [
        {"label": label, "slots": [slot for slot in slots if slot.weekday == day]}
        for day, label in Availability.Weekday.choices
    ]
    return {
        "availability_days": days,
        "has_availability": bool(slots),
        "availability_form": form or AvailabilityForm.for_employee(employee),
    }


def _absences_context(employee: Employee, form: AbsenceForm | None) -> dict[str, Any]:
    today = timezone.localdate()
    absences = employee.absences.all()
    return {
        "absences_current": list(absences.filter(end_date__gte=today).order_by("start_date")),
        "absences_past": list(
            absences.filter(end_date__lt=today).order_by("-start_date")[:PAST_ABSENCES_SHOWN]
        ),
        "absence_form": form or AbsenceForm(),
    }


def _sites_context(
    request: HttpRequest, employee: Employee, search: SiteSearchForm | None
) -> dict[str, Any]:
    chosen = incompatible_sites_of(employee=employee, user=request.user)
    results, query = None, ""
    if search is not None and search.is_valid() and search.cleaned_data["q"]:
        query = search.cleaned_data["q"]
        results = sites_search(user=request.user, query=query, exclude={site.pk for site in chosen})
    return {
        "incompatible_sites": chosen,
        "site_search": search or SiteSearchForm(),
        "site_query": query,
        "site_results": results,
    }


def _login_context(
    employee: Employee, link_form: LoginLinkForm | None, create_form: LoginCreateForm | None
) -> dict[str, Any]:
    available = logins_available(employee=employee)
    return {
        "login": employee.user,
        "link_form": link_form or LoginLinkForm(queryset=available),
        "has_logins_available": link_form is not None or available.exists(),
        "create_form": create_form or LoginCreateForm(),
    }


def detail_context(request: HttpRequest, employee: Employee, **forms: Any) -> dict[str, Any]:
    """Everything the record page shows; `forms` are bound forms to show with their errors
    (availability_form, absence_form, site_search, link_form, create_form)."""
    can_edit = user_may_edit_planning(request.user)
    context: dict[str, Any] = {
        "employee": employee,
        "can_edit": can_edit,
        "is_direction": user_is_direction(request.user),
        **_availability_context(employee, forms.get("availability_form")),
        **_absences_context(employee, forms.get("absence_form")),
        **_sites_context(request, employee, forms.get("site_search")),
    }
    if can_edit:
        # The login and the calendar's secret address are the planners' business: the
        # address shows the employee's visits, with the customers' addresses, to anyone.
        context.update(_login_context(employee, forms.get("link_form"), forms.get("create_form")))
        context["ical_url"] = employee_ical_url(request, employee)
    return context


def detail_url(employee: Employee, section: str = "") -> str:
    url = reverse("planning:employee_detail", kwargs={"pk": employee.pk})
    return f"{url}#employee-{section}" if section else url


def respond_section(
    request: HttpRequest, employee: Employee, section: str, **forms: Any
) -> HttpResponse:
    """The section alone (htmx), with the flash messages out of band; the whole record
    otherwise (a plain form post with errors, a search without JavaScript)."""
    context = detail_context(request, employee, **forms)
    if not request.htmx:
        return render(request, "planning/employees/detail.html", context)
    html = render_to_string(f"planning/employees/_{section}.html", context, request)
    html += render_to_string("components/htmx_messages.html", request=request)
    response = HttpResponse(html)
    patch_vary_headers(response, ["HX-Request"])
    return response


def respond_saved(
    request: HttpRequest, employee: Employee, section: str, message: str
) -> HttpResponse:
    """After a write: the section again with a short confirmation (htmx), or a redirect to
    the record, so that a reload does not post twice."""
    messages.success(request, message)
    if not request.htmx:
        return redirect(detail_url(employee, section))
    return respond_section(request, employee, section)


def _writable(request: HttpRequest, pk: int) -> Employee:
    employee = employee_get(user=request.user, pk=pk)
    require_planning_writer(request)
    return employee


# Availability -----------------------------------------------------------------------------


@employees_reader
@require_POST
def employee_availability(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _writable(request, pk)
    form = AvailabilityForm.for_employee(employee, request.POST)
    if form.is_valid():
        try:
            services.employee_availability_set(
                employee=employee, by=request.user, slots=form.slots()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            message = _("Disponibilités enregistrées.")
            return respond_saved(request, employee, "availability", message)
    return respond_section(request, employee, "availability", availability_form=form)


# Absences -------------------------------------------------------------------------------


@employees_reader
@require_POST
def employee_absence_add(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _writable(request, pk)
    form = AbsenceForm(request.POST)
    if form.is_valid():
        try:
            services.absence_add(employee=employee, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return respond_saved(request, employee, "absences", _("Absence ajoutée."))
    return respond_section(request, employee, "absences", absence_form=form)


@employees_reader
@require_POST
def employee_absence_delete(request: HttpRequest, pk: int, absence_pk: int) -> HttpResponse:
    employee = _writable(request, pk)
    absence = get_object_or_404(Absence, pk=absence_pk, employee=employee)
    services.absence_delete(absence=absence, by=request.user)
    return respond_saved(request, employee, "absences", _("Absence supprimée."))


# Incompatible sites ---------------------------------------------------------------------


@employees_reader
def employee_site_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The sites matching what is typed, to add as incompatible (htmx: the results only)."""
    employee = _writable(request, pk)
    search = SiteSearchForm(request.GET)
    if not request.htmx:
        return respond_section(request, employee, "sites", site_search=search)
    context = _sites_context(request, employee, search)
    context["employee"] = employee
    return render(request, "planning/employees/_site_results.html", context)


def _set_sites(request: HttpRequest, employee: Employee, sites: list, message: str) -> HttpResponse:
    services.employee_update(employee=employee, by=request.user, incompatible_sites=sites)
    return respond_saved(request, employee, "sites", message)


@employees_reader
@require_POST
def employee_site_add(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _writable(request, pk)
    site = get_object_or_404(
        sites_visible_to(request.user).select_related("customer"),
        pk=parse_id(request.POST.get("site")) or 0,
    )
    sites = [*employee.incompatible_sites.all(), site]
    message = _("« %(site)s » ajouté aux sites incompatibles.") % {"site": site.name}
    return _set_sites(request, employee, sites, message)


@employees_reader
@require_POST
def employee_site_remove(request: HttpRequest, pk: int, site_pk: int) -> HttpResponse:
    employee = _writable(request, pk)
    site = get_object_or_404(employee.incompatible_sites.all(), pk=site_pk)
    sites = [other for other in employee.incompatible_sites.all() if other.pk != site.pk]
    message = _("« %(site)s » retiré des sites incompatibles.") % {"site": site.name}
    return _set_sites(request, employee, sites, message)


# Staff login ----------------------------------------------------------------------------


@employees_reader
@require_POST
def employee_login_link(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _writable(request, pk)
    form = LoginLinkForm(request.POST, queryset=logins_available(employee=employee))
    if form.is_valid():
        try:
            services.employee_login_link(
                employee=employee, by=request.user, user=form.cleaned_data["user"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return respond_saved(request, employee, "login", _("Identifiant associé."))
    return respond_section(request, employee, "login", link_form=form)


@employees_reader
@require_POST
def employee_login_create(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _writable(request, pk)
    form = LoginCreateForm(request.POST)
    if form.is_valid():
        try:
            services.employee_login_create(
                employee=employee,
                by=request.user,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return respond_saved(request, employee, "login", _("Identifiant créé."))
    return respond_section(request, employee, "login", create_form=form)


@employees_reader
@require_POST
def employee_login_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _writable(request, pk)
    services.employee_login_link(employee=employee, by=request.user, user=None)
    return respond_saved(request, employee, "login", _("Identifiant retiré de cet intervenant."))


# Calendar -------------------------------------------------------------------------------


@employees_reader
@require_POST
def employee_ical_renew(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _writable(request, pk)
    services.employee_ical_renew(employee=employee, by=request.user)
    return respond_saved(
        request,
        employee,
        "calendar",
        _("Nouvelle adresse du calendrier : l'ancienne ne fonctionne plus."),
    )
