"""The day sheet's form: an employee reports a visit (the services validate)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.core.forms import BootstrapForm
from creneau.planning.models import Intervention

Status = Intervention.Status


class VisitReportForm(BootstrapForm):
    """The day sheet's report of one visit: done, with its real start and end (the planned
    ones to begin with), or the customer was absent. Nothing else of the visit changes."""

    OUTCOMES = [(Status.DONE, _("Réalisée")), (Status.MISSED, _("Client absent"))]

    outcome = forms.ChoiceField(label=_("Résultat"), choices=OUTCOMES)
    actual_start = forms.TimeField(
        label=_("Début réel"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    actual_end = forms.TimeField(
        label=_("Fin réelle"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    service_field_names = {"status": "outcome"}

    def __init__(self, *args: Any, visit: Intervention, **kwargs: Any) -> None:
        self.visit = visit
        start = timezone.localtime(visit.actual_start or visit.start)
        end = timezone.localtime(visit.actual_end or visit.end)
        kwargs.setdefault("prefix", f"visit-{visit.pk}")
        kwargs.setdefault(
            "initial",
            {"actual_start": start.strftime("%H:%M"), "actual_end": end.strftime("%H:%M")},
        )
        super().__init__(*args, **kwargs)

    def _moment(self, value: time, *, after: datetime | None = None) -> datetime:
        """The time on the visit's local day; an end before its start is the next day when
        the planned visit itself runs past midnight."""
        day = timezone.localtime(self.visit.start).date()
        moment = timezone.make_aware(datetime.combine(day, value))
        if after is not None and moment <= after:
            planned_end_day = timezone.localtime(self.visit.end).date()
            if planned_end_day > day:
                moment = timezone.make_aware(datetime.combine(day + timedelta(days=1), value))
        return moment

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outcome") != Status.DONE:
            return data
        start, end = data.get("actual_start"), data.get("actual_end")
        for name, value in (("actual_start", start), ("actual_end", end)):
            if value is None and name not in self.errors:
                self.add_error(name, _("Indiquez l'heure."))
        if start is None or end is None:
            return data
        data["actual_start"] = self._moment(start)
        data["actual_end"] = self._moment(end, after=data["actual_start"])
        if data["actual_end"] <= data["actual_start"]:
            raise ValidationError({"actual_end": _("La fin réelle doit suivre le début réel.")})
        return data

    def changes(self) -> dict[str, Any]:
        """What intervention_update receives: the status, and the real times if done."""
        data = self.cleaned_data
        if data["outcome"] == Status.DONE:
            return {
                "status": Status.DONE,
                "actual_start": data["actual_start"],
                "actual_end": data["actual_end"],
            }
        return {"status": Status.MISSED}
