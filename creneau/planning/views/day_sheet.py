"""The day sheet (feuille de route): an employee's visits of one day, in order, with where
to go, how to get in and whom to call; read on a phone, printed as a PDF. The intervenant
marks its own visits done (with their real times) or missed from here.

`?employee=<id>&date=YYYY-MM-DD`; today by default, and an intervenant's own sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.core.models import Company
from creneau.core.params import parse_date_or_none, parse_id
from creneau.core.pdf import pdf_response, render_pdf
from creneau.planning import services
from creneau.planning.forms_day_sheet import VisitReportForm
from creneau.planning.models import Employee, Intervention
from creneau.planning.print.day_sheet import day_sheet_print_data
from creneau.planning.rules import (
    user_is_employee,
    user_may_report_visit,
    user_sees_day_sheets,
)
from creneau.planning.selectors import (
    day_sheet_queryset,
    day_sheet_visits,
    employee_get,
    employee_of,
    employees_visible_to,
    intervention_get,
    visit_contact,
)

Status = Intervention.Status
# Days a sheet may show: the day before and after must exist too.
FIRST_DAY, LAST_DAY = date(1900, 1, 2), date(9998, 12, 30)
REPORTED = (Status.PLANNED, Status.DONE)  # the visits that get the report form


@dataclass
class Target:
    """The sheet asked for: whose (None: an office user has not chosen yet) and which day."""

    employee: Employee | None
    day: date
    error: str = ""


def _target(request: HttpRequest) -> Target:
    if not user_sees_day_sheets(request.user):
        raise PermissionDenied
    typed = request.GET.get("date", "").strip()
    day, error = parse_date_or_none(typed), ""
    if typed and (day is None or not FIRST_DAY <= day <= LAST_DAY):
        error = _("Date illisible : « %(value)s ». Écrivez-la AAAA-MM-JJ ; voici aujourd'hui.") % {
            "value": typed[:30]
        }
        day = None
    day = day or timezone.localdate()
    if request.GET.get("employee", "").strip():
        # An intervenant asking for another's sheet gets 404, as for any invisible object.
        pk = parse_id(request.GET["employee"])
        if pk is None:
            raise Http404
        return Target(employee_get(user=request.user, pk=pk), day, error)
    if user_is_employee(request.user):
        return Target(employee_of(request.user), day, error)
    return Target(None, day, error)


def day_sheet_url(employee: Employee | None, day: date, *, pdf: bool = False) -> str:
    query = {"employee": employee.pk} if employee else {}
    path = reverse("planning:day_sheet_pdf" if pdf else "planning:day_sheet")
    return f"{path}?{urlencode({**query, 'date': day.isoformat()})}"


def _visit_items(request: HttpRequest, visits, forms: dict) -> list[dict]:
    """Each visit with whom to call and, if the user may report it, its form."""
    items = []
    for visit in visits:
        may_report = visit.status in REPORTED and user_may_report_visit(request.user, visit)
        items.append(
            {
                "visit": visit,
                "contact": visit_contact(visit),
                "form": forms.get(visit.pk)
                or (VisitReportForm(visit=visit) if may_report else None),
            }
        )
    return items


def _picker_employees(request: HttpRequest, chosen: Employee | None) -> list[Employee]:
    if user_is_employee(request.user):
        return []
    employees = list(employees_visible_to(request.user).filter(is_active=True))
    if chosen is not None and chosen not in employees:
        employees.append(chosen)  # an inactive employee's old sheets stay readable
    return employees


def render_day_sheet(request: HttpRequest, target: Target, forms: dict | None = None):
    employee, day = target.employee, target.day
    visits = day_sheet_visits(user=request.user, employee=employee, day=day) if employee else []
    due = [visit for visit in visits if visit.status != Status.CANCELLED]
    context = {
        "employee": employee,
        "day": day,
        "today": timezone.localdate(),
        "previous_url": day_sheet_url(employee, day - timedelta(days=1)),
        "next_url": day_sheet_url(employee, day + timedelta(days=1)),
        "today_url": day_sheet_url(employee, timezone.localdate()),
        "pdf_url": day_sheet_url(employee, day, pdf=True),
        "items": _visit_items(request, visits, forms or {}),
        "due_count": len(due),
        "planned_time": sum((visit.end - visit.start for visit in due), timedelta()),
        "employees": _picker_employees(request, employee),
        "is_intervenant": user_is_employee(request.user),
        "error": target.error,
    }
    return render(request, "planning/day_sheet.html", context)


def day_sheet(request: HttpRequest) -> HttpResponse:
    return render_day_sheet(request, _target(request))


def day_sheet_pdf(request: HttpRequest) -> HttpResponse:
    """The same sheet as a PDF (A4, PDF/A-3b), to print or keep on the phone."""
    target = _target(request)
    if target.employee is None or target.error:
        raise Http404
    visits = day_sheet_visits(user=request.user, employee=target.employee, day=target.day)
    company = Company.load()
    data = day_sheet_print_data(
        employee=target.employee, day=target.day, visits=visits, company_name=company.legal_name
    )
    pdf = render_pdf(template="planning/day_sheet.typ", data=data, company=company)
    name = f"Feuille de route {target.day:%Y-%m-%d} {target.employee.full_name}.pdf"
    return pdf_response(pdf, name)


@require_POST
def visit_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one visit done (with its real start and end) or missed, from the day sheet.

    Only the visit's own intervenant (or a planner) may; another's visit answers 404.
    Nothing but the status and the real times changes."""
    visit = intervention_get(user=request.user, pk=pk)
    if not user_may_report_visit(request.user, visit):
        raise PermissionDenied(_("Votre rôle ne permet pas de saisir la réalisation des passages."))
    form: VisitReportForm | None = VisitReportForm(request.POST, visit=visit)
    if form.is_valid():
        try:
            services.intervention_update(intervention=visit, by=request.user, **form.changes())
        except ValidationError as error:
            form.add_service_errors(error)
    if not form.errors:
        form = None
        messages.success(request, _("Passage enregistré."))
    # Read again as stored: a refused change left nothing behind, in the database or here.
    visit = get_object_or_404(day_sheet_queryset(request.user), pk=pk)
    day = timezone.localtime(visit.start).date()
    if getattr(request, "htmx", False):
        [item] = _visit_items(request, [visit], {visit.pk: form} if form else {})
        return render(request, "planning/partials/day_sheet_visit.html", {"item": item})
    if form is None:
        return redirect(day_sheet_url(visit.employee, day))
    return render_day_sheet(request, Target(visit.employee, day), forms={visit.pk: form})
