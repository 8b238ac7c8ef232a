"""The tax certificates page's filters (GET, kept in the URL): the year and the status.
A year that cannot be read, or out of bounds, falls back to last year with its message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.accounting.models import TaxCertificate
from creneau.accounting.tax_certificate_services import default_year, tax_certificate_year_check
from creneau.accounting.tax_certificates import FIRST_YEAR
from creneau.core.forms import BootstrapForm

CHANGED = "changed"


def year_choices() -> list[tuple[str, str]]:
    current = timezone.localdate().year
    return [(str(year), str(year)) for year in range(current, FIRST_YEAR - 1, -1)]


class TaxCertificateFilterForm(BootstrapForm):
    year = forms.ChoiceField(label=_("Année"), required=False)
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[
            ("", _("Tous")),
            *TaxCertificate.Status.choices,
            (CHANGED, _("Modifiées depuis l'envoi")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("year"):
            # No year asked: the page shows last year's, and its selector says so.
            self.data = self.data.copy()
            self.data["year"] = str(default_year())
        self.fields["year"].choices = year_choices()
        self.fields["year"].error_messages["invalid_choice"] = _(
            "Année hors limites : de %(first)s à %(last)s."
        ) % {"first": FIRST_YEAR, "last": timezone.localdate().year}

    def chosen_year(self) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return int(self.cleaned_data["year"])
        return default_year()

    def chosen_status(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""


class TaxCertificateYearForm(BootstrapForm):
    """The year of a generation, a sending or a print (POST)."""

    year = forms.CharField(label=_("Année"), max_length=4)

    def clean_year(self) -> int:
        try:
            return tax_certificate_year_check(self.cleaned_data["year"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["year"]) from None
