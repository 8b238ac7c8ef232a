"""One visit: its edit form (the keyboard's way to move it), its status buttons, a drop on
the week grid, a new one-off visit, and the searches of their pickers.

Direction and planning write; the other office roles read (a POST answers 403). A visit
another rep's customer owns answers 404 first, whatever the method.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from creneau.core.collation import french_collate
from creneau.core.params import parse_date_or_none, parse_id
from creneau.core.roles import user_sees_all_customers
from creneau.customers.selectors import customers_visible_to, search_terms, sites_visible_to
from creneau.planning import services
from creneau.planning.forms import NewVisitForm, VisitForm
from creneau.planning.models import Intervention
from creneau.planning.rules import user_may_edit_planning
from creneau.planning.selectors import (
    employees_visible_to,
    intervention_get,
    interventions_conflicts,
)
from creneau.planning.views.filters import active_employees, planning_filters, week_of
from creneau.planning.views.grid import employee_grid, site_grid, week_counts
from creneau.planning.views.week import require_planning_reader

SEARCH_RESULTS = 10
# The status buttons of the edit page: the status they set, and what they say once done.
STATUS_ACTIONS = {
    Intervention.Status.DONE: gettext_lazy("Intervention marquée réalisée."),
    Intervention.Status.MISSED: gettext_lazy("Intervention marquée « client absent »."),
    Intervention.Status.CANCELLED: gettext_lazy("Intervention annulée."),
    Intervention.Status.PLANNED: gettext_lazy("Intervention rouverte."),
}


def _require_writer(request: HttpRequest) -> None:
    if not user_may_edit_planning(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de modifier le planning."))


def _next_url(request: HttpRequest, visit: Intervention | None, *, follow: bool = False) -> str:
    """Where to go back: the planning view the user came from (its filter kept), or the
    visit's week. `follow`: on the period the visit is in now (it may have moved)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    week = reverse("planning:week")
    if not (safe and target.startswith(week)):
        target = week
    if visit is None or not (follow or target == week):
        return target
    parts = urlsplit(target)
    query = QueryDict(parts.query, mutable=True)
    day = timezone.localdate(visit.start)
    if parts.path == reverse("planning:month"):
        query["month"] = day.strftime("%Y-%m")
    else:
        query["week"] = day.isoformat()
    return f"{parts.path}?{query.urlencode()}"


def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit's form: day, times, employee, service, status, real times, quantity and
    notes. Read-only for the roles that do not plan."""
    visit = intervention_get(user=request.user, pk=pk)
    require_planning_reader(request)
    can_edit = user_may_edit_planning(request.user)
    if request.method == "POST":
        _require_writer(request)
    form = VisitForm(request.POST or None, visit=visit) if can_edit else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.intervention_update(intervention=visit, by=request.user, **form.changes())
        except ValidationError as error:
            form.add_service_error(error)
            visit.refresh_from_db()
        else:
            messages.success(request, _("Intervention enregistrée."))
            return redirect(_next_url(request, visit, follow=True))
    context = {
        "visit": visit,
        "form": form,
        "can_edit": can_edit,
        "back_url": _next_url(request, visit),
        "next": request.POST.get("next") or request.GET.get("next") or "",
        "status_actions": _status_actions(visit) if can_edit else [],
        "conflicts": interventions_conflicts([visit], viewer=request.user).get(visit.pk, []),
    }
    return render(request, "planning/visit_edit.html", context)


def _status_actions(visit: Intervention) -> list[tuple[str, str, str, str]]:
    """The buttons that make sense for the visit's status: (status, label, icon, style)."""
    Status = Intervention.Status
    buttons = {
        Status.DONE: (_("Marquer réalisée"), "check-circle", "btn-success"),
        Status.MISSED: (_("Client absent"), "person-x", "btn-outline-secondary"),
        Status.CANCELLED: (_("Annuler l'intervention"), "x-circle", "btn-outline-danger"),
        Status.PLANNED: (_("Rouvrir"), "arrow-counterclockwise", "btn-outline-secondary"),
    }
    allowed = services.STATUS_CHANGES[Status(visit.status)]
    return [(status, *buttons[status]) for status in buttons if status in allowed]


@require_POST
def visit_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a visit done, missed or cancelled, or reopen it (the edit page's buttons)."""
    visit = intervention_get(user=request.user, pk=pk)
    _require_writer(request)
    status = request.POST.get("status", "")
    if status not in STATUS_ACTIONS:
        messages.error(request, _("Statut inconnu."))
        return redirect("planning:visit_edit", pk=visit.pk)
    try:
        services.intervention_update(intervention=visit, by=request.user, status=status)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("planning:visit_edit", pk=visit.pk)
    messages.success(request, STATUS_ACTIONS[status])
    return redirect(_next_url(request, visit, follow=True))


@require_POST
def visit_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A card dropped on another day or employee (the week grids). The answer redraws the
    rows the move touched, out of band, so that conflicts show at once; a refusal (an
    incompatible site...) redraws them as they were, with the message."""
    visit = intervention_get(user=request.user, pk=pk)
    _require_writer(request)
    old_employee = visit.employee_id
    day = parse_date_or_none(request.POST.get("day"))
    employee_value = (request.POST.get("employee") or "").strip()
    employee_id = parse_id(employee_value)
    employee = None
    try:
        if employee_id is not None:
            employee = employees_visible_to(request.user).filter(pk=employee_id).first()
            if employee is None:
                raise ValidationError(_("Cet intervenant est introuvable."))
        elif employee_value not in ("", "none"):
            raise ValidationError(_("Cet intervenant est introuvable."))
        if day is None:
            raise ValidationError(_("Ce jour est invalide."))
        services.intervention_move(intervention=visit, by=request.user, day=day, employee=employee)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    filters = planning_filters(request.user, request.GET)
    monday = week_of(request.GET)
    context = {"oob": True, "can_edit": True}
    if request.POST.get("view") == "week_sites":
        context["grid"] = site_grid(request.user, filters, monday)
        return render(request, "planning/partials/move_sites.html", context)
    sees_everyone = user_sees_all_customers(request.user)
    context["grid"] = employee_grid(
        request.user,
        filters,
        monday,
        employees=active_employees(),
        sees_everyone=sees_everyone,
        only_rows={old_employee, employee.pk if employee else None},
    )
    context["week_counts"] = week_counts(request.user, filters, monday, sees_everyone=sees_everyone)
    return render(request, "planning/partials/move_rows.html", context)


def visit_new(request: HttpRequest) -> HttpResponse:
    """A one-off visit: a site (searched), a service, an employee, a day and times."""
    require_planning_reader(request)
    _require_writer(request)
    initial = {}
    if day := parse_date_or_none(request.GET.get("day")):
        initial["day"] = day
    if employee_id := parse_id(request.GET.get("employee")):
        initial["employee"] = employee_id
    form = NewVisitForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.intervention_create(
                site=form.cleaned_data["site"], by=request.user, **form.fields_for_create()
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Intervention créée."))
            return redirect(_next_url(request, visit, follow=True))
    site = form.picked_site()
    context = {
        "form": form,
        "site": site,
        "site_label": f"{site.customer.name} \u2013 {site.name}" if site else "",
        "back_url": _next_url(request, None),
    }
    return render(request, "planning/visit_new.html", context)


def customer_search(request: HttpRequest) -> HttpResponse:
    """The customers matching what is typed, for the planning's customer filter."""
    require_planning_reader(request)
    customers = customers_visible_to(request.user).only("id", "name", "code", "city")
    terms = search_terms(request.GET.get("customer_q", ""))
    for term in terms:
        customers = customers.filter(search_text__contains=term)
    found = list(customers.order_by("name_key", "id")[:SEARCH_RESULTS]) if terms else []
    options = [(c.pk, c.name, f"{c.code} \u00b7 {c.city}".strip(" \u00b7")) for c in found]
    return render(
        request,
        "planning/partials/search_results.html",
        {"options": options, "searched": bool(terms), "empty": _("Aucun client ne correspond.")},
    )


def site_search(request: HttpRequest) -> HttpResponse:
    """The sites matching what is typed (their customer's name, code, address...), for the
    site filter and the new visit; within one customer when the filter names one."""
    require_planning_reader(request)
    sites = sites_visible_to(request.user).filter(is_active=True)
    if customer_id := parse_id(request.GET.get("customer")):
        sites = sites.filter(customer_id=customer_id)
    terms = search_terms(request.GET.get("site_q", ""))
    for term in terms:
        sites = sites.filter(customer__search_text__contains=term)
    sites = sites.select_related("customer").only(
        "id", "name", "city", "customer__id", "customer__name"
    )
    found = list(
        sites.order_by("customer__name_key", french_collate("name"), "id")[:SEARCH_RESULTS]
    )
    found = found if terms or customer_id else []
    options = [(s.pk, f"{s.customer.name} \u2013 {s.name}", s.city) for s in found]
    return render(
        request,
        "planning/partials/search_results.html",
        {
            "options": options,
            "searched": bool(terms or customer_id),
            "empty": _("Aucun site ne correspond."),
        },
    )
