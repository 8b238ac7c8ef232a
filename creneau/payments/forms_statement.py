"""The statement's period (du / au), on the record's "Factures et règlements" tab. The
checks are statement_period's, shared with the API: their French messages come back at
the fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from creneau.core.forms import BootstrapForm
from creneau.payments.statement import (
    EARLIEST,
    LATEST,
    statement_default_period,
    statement_period,
)


def _date(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control-sm", "min": EARLIEST, "max": LATEST},
            format="%Y-%m-%d",
        ),
        error_messages={"invalid": _("Saisissez une date valide (AAAA-MM-JJ).")},
    )


class StatementPeriodForm(BootstrapForm):
    """Empty dates take the default: the current year, to today."""

    start = _date(_("Du"))
    end = _date(_("Au"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start, end = statement_default_period()
        self.initial.setdefault("start", start)
        self.initial.setdefault("end", end)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            data["start"], data["end"] = statement_period(data.get("start"), data.get("end"))
        except ValidationError as error:
            self.add_service_errors(error)
        return data

    def period(self) -> tuple[date, date]:
        return self.cleaned_data["start"], self.cleaned_data["end"]
