"""Forms of the Intervenants pages. They read what was typed and say at the field what is
wrong; the services validate again (full_clean) with the same French messages as the API."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from creneau.core.forms import PasswordFields
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.customers.forms import (
    BootstrapFormMixin,
    DisplayFormatsMixin,
    TypedIdentifiersMixin,
)
from creneau.planning.models import REASON_MAX_LENGTH, Availability, Employee

EMPLOYEE_FORM_FIELDS = ["first_name", "last_name", "phone", "mobile", "email", "color", "is_active"]
ACTIVE_CHOICES = [("1", _("Actifs")), ("0", _("Inactifs")), ("all", _("Tous"))]
# Time ranges offered per weekday (a morning and an afternoon); more if a day has more.
SLOTS_PER_DAY = 2
TIME_WIDGET = {"type": "time", "step": 300}


class EmployeeForm(TypedIdentifiersMixin, DisplayFormatsMixin, BootstrapFormMixin, forms.ModelForm):
    """Identity of an employee: names, phones, e-mail, colour in the planning, active."""

    class Meta:
        model = Employee
        fields = EMPLOYEE_FORM_FIELDS
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "color": forms.TextInput(attrs={"type": "color"}),
        }
        help_texts = {
            "color": _("Couleur de ses interventions dans le planning."),
            "is_active": _("Un intervenant inactif n'est plus proposé dans le planning."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["color"].widget.attrs["class"] += " form-control-color"

    def clean_color(self) -> str:
        # Browsers send #rrggbb in lower case; a typed #AABBCC means the same colour.
        return (self.cleaned_data.get("color") or "").strip().lower()


class EmployeeFilterForm(BootstrapFormMixin, forms.Form):
    """The filters above the list; their values live in the URL."""

    q = forms.CharField(
        label=_("Recherche"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Nom, e-mail, téléphone…"),
                "autocomplete": "off",
            }
        ),
    )
    active = forms.ChoiceField(label=_("État"), required=False, choices=ACTIVE_CHOICES)

    def filters(self) -> dict[str, str]:
        """The valid filters, for employees_filter(); an invalid value is ignored."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


def slot_field_names(day: int, index: int) -> tuple[str, str]:
    return f"day{day}_{index}_start", f"day{day}_{index}_end"


class AvailabilityForm(BootstrapFormMixin, forms.Form):
    """The weekly availability as a grid: one row per weekday, a few time ranges on each.
    A range is both times or none; a day's ranges follow one another."""

    def __init__(self, *args: Any, slots_per_day: int = SLOTS_PER_DAY, **kwargs: Any) -> None:
        self.slots_per_day = slots_per_day
        for day in Availability.Weekday.values:
            for index in range(slots_per_day):
                start, end = slot_field_names(day, index)
                self.base_fields = {
                    **self.base_fields,
                    start: forms.TimeField(
                        label=_("De"), required=False, widget=forms.TimeInput(TIME_WIDGET, "%H:%M")
                    ),
                    end: forms.TimeField(
                        label=_("À"), required=False, widget=forms.TimeInput(TIME_WIDGET, "%H:%M")
                    ),
                }
        super().__init__(*args, **kwargs)

    @classmethod
    def for_employee(cls, employee: Employee, data: Any = None) -> AvailabilityForm:
        by_day: dict[int, list[Availability]] = {}
        for slot in employee.availabilities.all():
            by_day.setdefault(slot.weekday, []).append(slot)
        most = max([SLOTS_PER_DAY, *(len(slots) for slots in by_day.values())])
        initial = {}
        for day, slots in by_day.items():
            for index, slot in enumerate(slots):
                start, end = slot_field_names(day, index)
                initial[start], initial[end] = slot.start_time, slot.end_time
        return cls(data, initial=initial, slots_per_day=most)

    def rows(self) -> list[dict[str, Any]]:
        """The grid, for the template: each weekday with its ranges' bound fields."""
        return [
            {
                "label": label,
                "ranges": [
                    tuple(self[name] for name in slot_field_names(day, index))
                    for index in range(self.slots_per_day)
                ],
            }
            for day, label in Availability.Weekday.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for day in Availability.Weekday.values:
            previous_end: time | None = None
            for index in range(self.slots_per_day):
                start_name, end_name = slot_field_names(day, index)
                start, end = data.get(start_name), data.get(end_name)
                if start_name in self.errors or end_name in self.errors:
                    continue
                if start and not end:
                    self.add_error(end_name, _("Indiquez l'heure de fin."))
                elif end and not start:
                    self.add_error(start_name, _("Indiquez l'heure de début."))
                elif start and end and end <= start:
                    self.add_error(end_name, _("L'heure de fin doit suivre l'heure de début."))
                elif start and end and previous_end and start < previous_end:
                    self.add_error(start_name, _("Cette plage chevauche la précédente."))
                if start and end:
                    previous_end = max(previous_end or end, end)
        return data

    def slots(self) -> list[tuple[int, time, time]]:
        """The (weekday, from, to) ranges typed, for employee_availability_set."""
        found = []
        for day in Availability.Weekday.values:
            for index in range(self.slots_per_day):
                start_name, end_name = slot_field_names(day, index)
                start, end = self.cleaned_data.get(start_name), self.cleaned_data.get(end_name)
                if start and end:
                    found.append((day, start, end))
        return found


class AbsenceForm(BootstrapFormMixin, forms.Form):
    """A period off, days inclusive."""

    start_date = forms.DateField(
        label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_date = forms.DateField(
        label=_("Au"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Congés, formation, maladie…")}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La date de fin ne peut précéder la date de début."))
        return data


class SiteSearchForm(forms.Form):
    """What is typed in the incompatible sites' search box."""

    q = forms.CharField(max_length=SEARCH_MAX_LENGTH, required=False)


class LoginChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{obj.username} ({name})" if name else obj.username


class LoginLinkForm(BootstrapFormMixin, forms.Form):
    """Link an existing staff account whose role is intervenant."""

    user = LoginChoiceField(
        label=_("Compte existant"),
        queryset=User.objects.none(),
        empty_label=_("— Choisissez un compte —"),
    )

    def __init__(self, *args: Any, queryset: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if queryset is not None:
            self.fields["user"].queryset = queryset


class LoginCreateForm(PasswordFields):
    """A new staff account with the intervenant role, for this employee."""

    username = forms.CharField(
        label=_("Identifiant de connexion"),
        max_length=150,
        help_text=_("Lettres, chiffres et @ . + - _ ; ne change plus ensuite."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    field_order = ["username", "password1", "password2"]
