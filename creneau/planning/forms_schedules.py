"""Forms of the schedules (programmations) and of the site closures.

The recurrence is built for the user: "Chaque semaine" on chosen days every N weeks, or
"Chaque mois" on a day of the month or on the nth weekday. The form turns what was ticked
into a Recurrence, hence the RRULE the schedule stores; the services validate the rest and
their errors come back at the fields.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.catalog.models import Service
from creneau.core.forms import BootstrapForm
from creneau.core.text import NOTES_MAX_LENGTH
from creneau.core.widgets import Textarea
from creneau.planning.models import (
    MAX_DURATION_MINUTES,
    REASON_MAX_LENGTH,
    BillingMode,
    Employee,
    Schedule,
)
from creneau.planning.recurrence import (
    MAX_INTERVAL,
    WEEKDAY_NAMES,
    Recurrence,
    recurrence_of,
)

WEEKLY, MONTHLY = "weekly", "monthly"
BY_MONTH_DAY, BY_WEEKDAY = "day", "weekday"
WEEKDAY_CHOICES = [(str(day), name) for day, name in enumerate(WEEKDAY_NAMES)]
NTH_CHOICES = [
    ("1", _("1er")),
    ("2", _("2e")),
    ("3", _("3e")),
    ("4", _("4e")),
    ("-1", _("dernier")),
]
# The service's error names, where the form calls its fields otherwise.
SERVICE_FIELD_NAMES = {"duration_minutes": "duration_hours", "rrule": "frequency"}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number(label, *, minimum: int, maximum: int, initial: int | None = None, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        initial=initial,
        widget=forms.NumberInput(attrs={"min": minimum, "max": maximum, "inputmode": "numeric"}),
        **kwargs,
    )


class RecurrenceForm(BootstrapForm):
    """The recurrence part of the schedule form, alone: the live summary reads it too."""

    frequency = forms.ChoiceField(
        label=_("Récurrence"),
        choices=[(WEEKLY, _("Chaque semaine")), (MONTHLY, _("Chaque mois"))],
        initial=WEEKLY,
        widget=forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"}),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "btn-check", "autocomplete": "off"}),
    )
    week_interval = _number(
        _("Toutes les … semaines"), minimum=1, maximum=MAX_INTERVAL, initial=1, required=False
    )
    monthly_mode = forms.ChoiceField(
        label=_("Quel jour du mois"),
        choices=[(BY_MONTH_DAY, _("Le … du mois")), (BY_WEEKDAY, _("Le 1er, 2e… jour"))],
        initial=BY_MONTH_DAY,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        required=False,
    )
    month_day = _number(_("Jour du mois"), minimum=1, maximum=31, initial=1, required=False)
    month_nth = forms.TypedChoiceField(
        label=_("Rang"), choices=NTH_CHOICES, coerce=int, initial="1", required=False
    )
    month_weekday = forms.TypedChoiceField(
        label=_("Jour de la semaine"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        initial="0",
        required=False,
    )
    month_interval = _number(
        _("Tous les … mois"), minimum=1, maximum=MAX_INTERVAL, initial=1, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("frequency", "weekdays"):
            # Toggle buttons: Bootstrap's btn-check, not form-select/form-control.
            self.fields[name].widget.attrs["class"] = "btn-check"
        self.fields["monthly_mode"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            data["recurrence"] = self._recurrence(data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)
        return data

    def _recurrence(self, data: dict[str, Any]) -> Recurrence:
        if data.get("frequency") == WEEKLY:
            if not data.get("weekdays"):
                raise ValidationError({"weekdays": _("Cochez au moins un jour de la semaine.")})
            return Recurrence(
                kind="weekly",
                interval=data.get("week_interval") or 1,
                weekdays=tuple(sorted(set(data["weekdays"]))),
            )
        interval = data.get("month_interval") or 1
        if data.get("monthly_mode") == BY_WEEKDAY:
            if data.get("month_nth") is None or data.get("month_weekday") is None:
                raise ValidationError({"month_weekday": _("Choisissez le rang et le jour.")})
            return Recurrence(
                kind="monthly_weekday",
                interval=interval,
                nth=data["month_nth"],
                weekday=data["month_weekday"],
            )
        if not data.get("month_day"):
            raise ValidationError({"month_day": _("Indiquez le jour du mois (1 à 31).")})
        return Recurrence(kind="monthly_day", interval=interval, month_day=data["month_day"])

    @property
    def rrule(self) -> str:
        return self.cleaned_data["recurrence"].to_rrule()


def recurrence_initial(rule: str) -> dict[str, Any]:
    """The form's fields for a stored rule (a rule the form cannot show gives weekly)."""
    try:
        recurrence = recurrence_of(rule)
    except ValidationError:
        return {}
    if recurrence.kind == "weekly":
        return {
            "frequency": WEEKLY,
            "weekdays": [str(day) for day in recurrence.weekdays],
            "week_interval": recurrence.interval,
        }
    initial: dict[str, Any] = {"frequency": MONTHLY, "month_interval": recurrence.interval}
    if recurrence.kind == "monthly_day":
        initial.update(monthly_mode=BY_MONTH_DAY, month_day=recurrence.month_day)
    else:
        initial.update(
            monthly_mode=BY_WEEKDAY,
            month_nth=str(recurrence.nth),
            month_weekday=str(recurrence.weekday),
        )
    return initial


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.label} ({obj.code})"


class EmployeeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Employee) -> str:
        return obj.full_name


def _active_or(queryset: QuerySet, current_id: int | None) -> QuerySet:
    """The active rows, and the current one even if it no longer is (kept on edit)."""
    condition = Q(is_active=True)
    if current_id:
        condition |= Q(pk=current_id)
    return queryset.filter(condition)


class ScheduleForm(RecurrenceForm):
    """A schedule of one site (the site is fixed: the page is the site's)."""

    service = ServiceChoiceField(
        label=_("Prestation"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("— Choisir une prestation du catalogue —"),
    )
    employee = EmployeeChoiceField(
        label=_("Intervenant"),
        queryset=Employee.objects.none(),
        required=False,
        empty_label=_("À pourvoir (aucun intervenant)"),
    )
    start_time = forms.TimeField(
        label=_("Heure de début"),
        initial=time(8, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    duration_hours = _number(_("Durée : heures"), minimum=0, maximum=24, initial=1, required=False)
    duration_extra_minutes = _number(_("minutes"), minimum=0, maximum=59, initial=0, required=False)
    start_date = forms.DateField(label=_("Première date"), widget=_date_input())
    end_date = forms.DateField(
        label=_("Dernière date"),
        required=False,
        widget=_date_input(),
        help_text=_("Laissez vide pour une programmation sans fin."),
    )
    skip_public_holidays = forms.BooleanField(
        label=_("Sauter les jours fériés"), initial=True, required=False
    )
    skip_site_closures = forms.BooleanField(
        label=_("Sauter les fermetures du site"), initial=True, required=False
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTES_MAX_LENGTH,
        required=False,
        widget=Textarea(attrs={"rows": 3}),
    )
    billing_mode = forms.ChoiceField(
        label=_("Facturation"),
        choices=BillingMode.choices,
        initial=BillingMode.PER_UNIT,
        required=False,  # left out: per unit, the default
        help_text=_(
            "À l'unité : chaque passage réalisé, au prix de la prestation. Forfait mensuel : "
            "le montant ci-contre une fois par mois, quel que soit le nombre de passages."
        ),
    )
    flat_amount = forms.DecimalField(
        label=_("Forfait mensuel HT (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        localize=True,
        error_messages={"min_value": _("Le forfait mensuel est d'au moins 0,01 €.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "text-end"}),
        help_text=_("Pour le forfait mensuel seulement."),
    )

    service_field_names = SERVICE_FIELD_NAMES

    def __init__(self, *args: Any, schedule: Schedule | None = None, **kwargs: Any) -> None:
        if schedule is not None and schedule.pk:
            kwargs.setdefault("initial", schedule_initial(schedule))
        else:
            kwargs.setdefault("initial", new_schedule_initial())
        super().__init__(*args, **kwargs)
        service_id = schedule.service_id if schedule else None
        employee_id = schedule.employee_id if schedule else None
        self.fields["service"].queryset = _active_or(Service.objects, service_id).order_by(
            "label", "id"
        )
        self.fields["employee"].queryset = _active_or(Employee.objects, employee_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        hours, minutes = data.get("duration_hours"), data.get("duration_extra_minutes")
        if "duration_hours" not in self.errors and "duration_extra_minutes" not in self.errors:
            total = (hours or 0) * 60 + (minutes or 0)
            if not 1 <= total <= MAX_DURATION_MINUTES:
                self.add_error(
                    "duration_hours", _("La durée va de 1 minute à 24 heures (24 h 00 au plus).")
                )
            data["duration_minutes"] = total
        data["billing_mode"] = data.get("billing_mode") or BillingMode.PER_UNIT
        if data["billing_mode"] == BillingMode.MONTHLY_FLAT:
            if data.get("flat_amount") is None and "flat_amount" not in self.errors:
                self.add_error("flat_amount", _("Indiquez le montant du forfait mensuel."))
        else:
            data["flat_amount"] = None  # a per-unit or unbilled schedule has no flat fee
        return data

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of schedule_create / schedule_update."""
        data = self.cleaned_data
        return {
            "service": data["service"],
            "employee": data["employee"],
            "rrule": self.rrule,
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "start_time": data["start_time"],
            "duration_minutes": data["duration_minutes"],
            "skip_public_holidays": data["skip_public_holidays"],
            "skip_site_closures": data["skip_site_closures"],
            "notes": data["notes"],
            "billing_mode": data["billing_mode"],
            "flat_amount": data.get("flat_amount"),
        }

    def disable(self) -> None:
        """Read-only: for the roles that read the planning but do not write it."""
        for field in self.fields.values():
            field.disabled = True


def new_schedule_initial(today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    return {
        "start_date": today,
        "weekdays": [str(today.weekday())],
        "month_day": today.day,
    }


def schedule_initial(schedule: Schedule) -> dict[str, Any]:
    hours, minutes = divmod(schedule.duration_minutes, 60)
    return {
        "service": schedule.service_id,
        "employee": schedule.employee_id,
        "start_time": schedule.start_time,
        "duration_hours": hours,
        "duration_extra_minutes": minutes,
        "start_date": schedule.start_date,
        "end_date": schedule.end_date,
        "skip_public_holidays": schedule.skip_public_holidays,
        "skip_site_closures": schedule.skip_site_closures,
        "notes": schedule.notes,
        "billing_mode": schedule.billing_mode,
        "flat_amount": schedule.flat_amount,
        **recurrence_initial(schedule.rrule),
    }


class ScheduleEndForm(BootstrapForm):
    """Terminer: the last date of the schedule (today by default)."""

    last_date = forms.DateField(label=_("Dernière date"), widget=_date_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"last_date": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_last_date(self) -> date:
        value = self.cleaned_data["last_date"]
        if value < timezone.localdate() - timedelta(days=366):
            raise ValidationError(_("La dernière date ne peut remonter à plus d'un an."))
        return value


class SiteClosureForm(BootstrapForm):
    """A period when the site is closed (days inclusive)."""

    start_date = forms.DateField(label=_("Du"), widget=_date_input())
    end_date = forms.DateField(label=_("Au"), widget=_date_input())
    reason = forms.CharField(
        label=_("Motif"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("ex. congés d'août, travaux")}),
    )
