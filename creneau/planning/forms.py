"""Forms of the planning.

A visit's: its edit form (the keyboard's way to move it) and a one-off visit.

They read a day and local times (Europe/Paris) and give the services aware datetimes; the
services validate the rest and say what is wrong, at the field.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.catalog.models import Service
from creneau.core.params import parse_id
from creneau.core.text import NOTES_MAX_LENGTH
from creneau.core.widgets import Textarea
from creneau.customers.models import Site
from creneau.customers.selectors import AnyUser, sites_visible_to
from creneau.planning.models import Employee, Intervention

# The services' field names, and the form's fields where their errors show.
SERVICE_FIELDS = {
    "start": "start_time",
    "end": "end_time",
    "actual_start": "actual_start_time",
    "actual_end": "actual_end_time",
    "site": "site",
    "employee": "employee",
    "service": "service",
    "status": "status",
    "quantity": "quantity",
    "notes": "notes",
}
MIDNIGHT = time(0, 0)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"class": "form-control", "type": "time"}, format="%H:%M")


def local_moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def _span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """A visit of one day; an end at 00:00 is the midnight that ends the day."""
    end_day = day + timedelta(days=1) if end == MIDNIGHT else day
    return local_moment(day, start), local_moment(end_day, end)


class VisitTimesForm(forms.Form):
    """The day and times of a visit, and who does what."""

    day = forms.DateField(label=_("Date"), widget=_date_input())
    start_time = forms.TimeField(label=_("Début"), widget=_time_input())
    end_time = forms.TimeField(label=_("Fin"), widget=_time_input())
    employee = forms.ModelChoiceField(
        label=_("Intervenant"),
        queryset=Employee.objects.none(),
        required=False,
        empty_label=_("— À pourvoir —"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("Cet intervenant n'est pas dans la liste.")},
    )
    service = forms.ModelChoiceField(
        label=_("Prestation"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("— Aucune —"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("Cette prestation n'est pas dans la liste.")},
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTES_MAX_LENGTH,
        required=False,
        widget=Textarea(attrs={"class": "form-control", "rows": 3}),
    )

    def __init__(self, *args, employee: Employee | None = None, service=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Active employees and services, and the visit's own even if withdrawn since.
        keep_employee = Q(pk=employee.pk) if employee else Q(pk__in=[])
        self.fields["employee"].queryset = Employee.objects.filter(
            Q(is_active=True) | keep_employee
        )
        keep_service = Q(pk=service.pk) if service else Q(pk__in=[])
        self.fields["service"].queryset = Service.objects.filter(
            Q(is_active=True) | keep_service
        ).order_by("label", "id")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start is not None and end is not None:
            data["start"], data["end"] = _span(day, start, end)
            if data["end"] <= data["start"]:
                self.add_error("end_time", _("L'heure de fin doit suivre l'heure de début."))
        return data

    def add_service_error(self, error: ValidationError) -> None:
        """A service's refusal, shown at the form's field that says the same thing."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            target = SERVICE_FIELDS.get(name) if name != NON_FIELD_ERRORS else None
            if target not in self.fields:
                target = None
            for message in messages:
                self.add_error(target, message)


class VisitForm(VisitTimesForm):
    """The edit form of a visit: moved, reassigned, marked done with its real times..."""

    status = forms.ChoiceField(
        label=_("Statut"),
        choices=Intervention.Status.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    actual_start_time = forms.TimeField(label=_("Début réel"), required=False, widget=_time_input())
    actual_end_time = forms.TimeField(label=_("Fin réelle"), required=False, widget=_time_input())
    quantity = forms.DecimalField(
        label=_("Quantité (heures)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0"),
        localize=True,
        help_text=_("Vide : la durée de l'intervention."),
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )

    def __init__(self, *args, visit: Intervention, **kwargs):
        self.visit = visit
        data = args[0] if args else kwargs.get("data")
        if data is None:
            kwargs["initial"] = self.initial_of(visit)
        super().__init__(*args, employee=visit.employee, service=visit.service, **kwargs)

    @staticmethod
    def initial_of(visit: Intervention) -> dict[str, Any]:
        start, end = timezone.localtime(visit.start), timezone.localtime(visit.end)
        actual_start = timezone.localtime(visit.actual_start) if visit.actual_start else None
        actual_end = timezone.localtime(visit.actual_end) if visit.actual_end else None
        return {
            "day": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "employee": visit.employee_id,
            "service": visit.service_id,
            "status": visit.status,
            "actual_start_time": actual_start.time() if actual_start else None,
            "actual_end_time": actual_end.time() if actual_end else None,
            "quantity": visit.quantity,
            "notes": visit.notes,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day = data.get("day")
        actual_start, actual_end = data.get("actual_start_time"), data.get("actual_end_time")
        data["actual_start"] = local_moment(day, actual_start) if day and actual_start else None
        data["actual_end"] = None
        if day and actual_end is not None:
            data["actual_end"] = _span(day, actual_start or MIDNIGHT, actual_end)[1]
            if data["actual_start"] and data["actual_end"] <= data["actual_start"]:
                self.add_error("actual_end_time", _("La fin réelle doit suivre le début réel."))
        return data

    def changes(self) -> dict[str, Any]:
        """The fields for services.intervention_update."""
        data = self.cleaned_data
        names = ["start", "end", "employee", "service", "status", "actual_start", "actual_end"]
        fields = {name: data[name] for name in names}
        fields["quantity"] = data.get("quantity")
        fields["notes"] = data.get("notes", "")
        return fields


class NewVisitForm(VisitTimesForm):
    """A one-off visit (not from a schedule) on a site found by searching."""

    site = forms.CharField(
        label=_("Site"),
        max_length=20,  # an id
        widget=forms.HiddenInput,
        error_messages={"required": _("Choisissez le site de l'intervention.")},
    )

    field_order = ["site", "service", "employee", "day", "start_time", "end_time", "notes"]

    def __init__(self, *args, user: AnyUser, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_site(self) -> Site:
        site_id = parse_id(self.cleaned_data.get("site"))
        site = None
        if site_id is not None:
            site = sites_visible_to(self.user).select_related("customer").filter(pk=site_id).first()
        if site is None:
            raise ValidationError(_("Ce site est introuvable : cherchez-le à nouveau."))
        return site

    def picked_site(self) -> Site | None:
        """The site chosen so far (to show it again beside an error), if visible."""
        if not self.is_bound:
            return None
        site = self.cleaned_data.get("site") if hasattr(self, "cleaned_data") else None
        return site if isinstance(site, Site) else None

    def fields_for_create(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "start": data["start"],
            "end": data["end"],
            "employee": data["employee"],
            "service": data["service"],
            "notes": data.get("notes", ""),
        }
