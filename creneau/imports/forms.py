"""Forms of the import screen: the file, the mapping (one choice of column per field),
the choice for a likely duplicate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from creneau.customers.forms import BootstrapFormMixin
from creneau.imports.fields import FIELDS
from creneau.imports.files import MAX_BYTES
from creneau.imports.models import ImportIssue, ImportMapping
from creneau.imports.services import MAPPING_NAME_MAX_LENGTH


class UploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV ou Excel (.xlsx)"),
        help_text=_(
            "Une ligne par site (ou par client), la première ligne donnant les noms "
            "des colonnes. %(max)s Mo au plus."
        )
        % {"max": MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )


class MappingForm(BootstrapFormMixin, forms.Form):
    """One select per field of the import, offering the file's columns."""

    save_as = forms.CharField(
        label=_("Enregistrer comme modèle (facultatif)"),
        required=False,
        max_length=MAPPING_NAME_MAX_LENGTH,
        help_text=_("Un nom pour retrouver cette correspondance au prochain import."),
    )

    def __init__(
        self, *args: Any, headers: list[str], initial_columns: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— ignorer —")), *((header, header) for header in headers)]
        for field in FIELDS:
            self.fields[f"col_{field.name}"] = forms.ChoiceField(
                label=field.label,
                choices=choices,
                required=False,
                initial=initial_columns.get(field.name, ""),
            )
            self.fields[f"col_{field.name}"].group = field.group
        for bound in self.fields.values():
            if isinstance(bound.widget, forms.Select):
                bound.widget.attrs.setdefault("class", "form-select form-select-sm")

    def columns(self) -> dict[str, str]:
        return {field.name: self.cleaned_data.get(f"col_{field.name}") or "" for field in FIELDS}

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        titles = {
            "customer": _("Client"),
            "mandate": _("Banque et mandat"),
            "site": _("Site"),
            "contact": _("Interlocuteur"),
        }
        grouped: dict[str, list[forms.BoundField]] = {key: [] for key in titles}
        for field in FIELDS:
            grouped[field.group].append(self[f"col_{field.name}"])
        return [(titles[key], fields) for key, fields in grouped.items()]


class TemplateChoiceForm(BootstrapFormMixin, forms.Form):
    mapping = forms.ModelChoiceField(
        label=_("Modèle enregistré"), queryset=ImportMapping.objects.order_by("name")
    )


class DecisionForm(forms.Form):
    row = forms.IntegerField(min_value=1, max_value=10_000_000)
    decision = forms.ChoiceField(choices=ImportIssue.Decision.choices)


class DecisionAllForm(forms.Form):
    decision = forms.ChoiceField(choices=ImportIssue.Decision.choices)
