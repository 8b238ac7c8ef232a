"""Planning > Intervenants: the list (search, active filter, CSV), the identity form, and
the record page. Its sections (availability, absences, incompatible sites, login, calendar)
save on their own: see employee_sections.py.

Every office role reads; direction and planning write (403 for the others); an
intervenant's login gets 403 here: it sees only its own day sheet and planning.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from creneau.core.csv_export import Cell, csv_response
from creneau.core.lists import render_list
from creneau.core.pagination import NarrowPaginator
from creneau.core.validators import format_phone
from creneau.customers.forms import add_service_error
from creneau.planning import services
from creneau.planning.forms_employees import EmployeeFilterForm, EmployeeForm
from creneau.planning.models import Employee
from creneau.planning.rules import user_may_edit_planning
from creneau.planning.selectors import employee_get
from creneau.planning.selectors_employees import employees_filter
from creneau.planning.views.employee_common import employees_reader, require_planning_writer
from creneau.planning.views.employee_sections import detail_context

PAGE_SIZE = 50
RESULTS_TARGET = "employee-results"


def _filter_form(request: HttpRequest) -> EmployeeFilterForm:
    data = request.GET.copy()
    if not data.get("active"):
        data["active"] = "1"  # the list opens on active employees
    return EmployeeFilterForm(data)


@employees_reader
def employee_list(request: HttpRequest) -> HttpResponse:
    """The list; an htmx request from its filters gets only the results."""
    form = _filter_form(request)
    employees = employees_filter(user=request.user, filters=form.filters())
    page = NarrowPaginator(employees, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_edit": user_may_edit_planning(request.user)}
    return render_list(
        request,
        page="planning/employees/list.html",
        results="planning/employees/_results.html",
        results_id=RESULTS_TARGET,
        context=context,
    )


CSV_HEADERS = [
    _lazy("Nom"), _lazy("Prénom"), _lazy("Téléphone"), _lazy("Portable"), _lazy("E-mail"),
    _lazy("Couleur"), _lazy("Actif"), _lazy("Identifiant de connexion"),
]  # fmt: skip


def _csv_row(employee: Employee) -> list[Cell]:
    return [
        employee.last_name,
        employee.first_name,
        format_phone(employee.phone),
        format_phone(employee.mobile),
        employee.email,
        employee.color,
        _("Oui") if employee.is_active else _("Non"),
        employee.user.username if employee.user_id else "",
    ]


@employees_reader
def employee_export(request: HttpRequest) -> StreamingHttpResponse:
    """The list's current filter (all pages) as CSV."""
    employees = employees_filter(user=request.user, filters=_filter_form(request).filters())
    return csv_response(
        filename=f"intervenants-{timezone.localdate():%Y-%m-%d}.csv",
        header=[str(header) for header in CSV_HEADERS],
        rows=(_csv_row(employee) for employee in employees.iterator(chunk_size=500)),
    )


@employees_reader
def employee_create(request: HttpRequest) -> HttpResponse:
    require_planning_writer(request)
    form = EmployeeForm(request.POST or None, instance=Employee())
    if request.method == "POST" and form.is_valid():
        try:
            employee = services.employee_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Intervenant « %(name)s » créé.") % {"name": employee.full_name}
            )
            return redirect("planning:employee_detail", pk=employee.pk)
    return render(request, "planning/employees/form.html", {"form": form, "employee": None})


@employees_reader
def employee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    employee = employee_get(user=request.user, pk=pk)
    require_planning_writer(request)
    # The form works on a copy: the service compares the employee before and after.
    form = EmployeeForm(request.POST or None, instance=copy.copy(employee))
    if request.method == "POST" and form.is_valid():
        try:
            services.employee_update(employee=employee, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Enregistré."))
            return redirect("planning:employee_detail", pk=employee.pk)
    return render(request, "planning/employees/form.html", {"form": form, "employee": employee})


@employees_reader
def employee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employee = employee_get(user=request.user, pk=pk)
    return render(request, "planning/employees/detail.html", detail_context(request, employee))
