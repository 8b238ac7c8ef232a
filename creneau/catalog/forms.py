"""Forms of the catalogue pages. They only parse and display; the services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creneau.catalog.models import Service, VatRate
from creneau.catalog.selectors import vat_rates_active
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.core.widgets import Textarea


def decimal_input(places: int) -> forms.TextInput:
    # A text input (not type=number): French users type a comma, which the form reads.
    return forms.TextInput(
        attrs={"class": "form-control text-end", "inputmode": "decimal", "data-places": places}
    )


def vat_rate_choice_label(rate: VatRate) -> str:
    """ "20 %", and for an exempt rate its label too (two 0 % rates can coexist)."""
    return f"{rate.rate_display} ({rate.label})" if rate.exemption_wording else rate.rate_display


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "code", "label", "description", "unit", "unit_price", "vat_rate",
            "is_personal_service", "revenue_account", "is_active",
        ]  # fmt: skip
        widgets = {
            "code": forms.TextInput(attrs={"class": "form-control text-uppercase"}),
            "label": forms.TextInput(attrs={"class": "form-control"}),
            "description": Textarea(attrs={"class": "form-control", "rows": 4}),
            "unit": forms.Select(attrs={"class": "form-select"}),
            "unit_price": decimal_input(4),
            "vat_rate": forms.Select(attrs={"class": "form-select"}),
            "is_personal_service": forms.CheckboxInput(attrs={"class": "form-check-input"}),
            "revenue_account": forms.TextInput(attrs={"class": "form-control"}),
            "is_active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_price"].localize = True
        self.fields["unit_price"].widget.is_localized = True
        rates = vat_rates_active()
        if self.instance.pk and self.instance.vat_rate_id:
            rates = (rates | VatRate.objects.filter(pk=self.instance.vat_rate_id)).distinct()
        self.fields["vat_rate"].queryset = rates
        self.fields["vat_rate"].empty_label = None
        self.fields["vat_rate"].label_from_instance = vat_rate_choice_label


class ServiceImageForm(forms.Form):
    image = forms.FileField(
        label=_("Ajouter une image"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )


class VatRateForm(forms.ModelForm):
    class Meta:
        model = VatRate
        fields = ["label", "rate", "exemption_wording", "position", "is_active"]
        widgets = {
            "label": forms.TextInput(attrs={"class": "form-control"}),
            "rate": decimal_input(2),
            "exemption_wording": forms.TextInput(attrs={"class": "form-control"}),
            "position": forms.NumberInput(attrs={"class": "form-control", "min": 0}),
            "is_active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate"].localize = True
        self.fields["rate"].widget.is_localized = True


class SitePriceForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Prestation"),
        queryset=Service.objects.filter(is_active=True).order_by("code"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    unit_price = forms.DecimalField(
        label=_("Prix HT pour ce site"),
        max_digits=12,
        decimal_places=4,
        min_value=0,
        localize=True,
        widget=decimal_input(4),
    )


class ServiceFilterForm(forms.Form):
    """The catalogue list's filters (GET, kept in the URL)."""

    q = forms.CharField(
        label=_("Recherche"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("Code, libellé, description…")}
        ),
    )
    unit = forms.ChoiceField(
        label=_("Unité"),
        required=False,
        choices=[("", _("Toutes")), *Service.Unit.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    active = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[("1", _("Actives")), ("0", _("Inactives")), ("", _("Toutes"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    personal = forms.ChoiceField(
        label=_("Services à la personne"),
        required=False,
        choices=[("", _("Indifférent")), ("1", _("Oui")), ("0", _("Non"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
