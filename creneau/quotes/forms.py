"""Forms of the quote pages. They parse what is typed (French decimals with a comma);
the services validate and say what is wrong."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creneau.catalog.models import Service, VatRate
from creneau.core.collation import french_collate
from creneau.core.text import EMAIL_BODY_MAX_LENGTH, SEARCH_MAX_LENGTH
from creneau.core.widgets import Textarea
from creneau.quotes.bounds import line_bound_errors
from creneau.quotes.models import Quote, QuoteLine

# Room for ten addresses of the longest kind (254 characters) and their separators.
OTHER_ADDRESSES_MAX_LENGTH = 10 * 256


def _localized_decimal(label, max_digits: int, places: int, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=max_digits,
        decimal_places=places,
        localize=True,
        widget=forms.TextInput(attrs={"class": "form-control text-end", "inputmode": "decimal"}),
        **kwargs,
    )


class LineForm(forms.Form):
    """One line of the editor, as posted by its row (amount fields are absent on a section
    title or a comment)."""

    description = forms.CharField(
        label=_("Libellé"),
        max_length=QuoteLine._meta.get_field("description").max_length,
        required=False,
        strip=True,
    )
    quantity = _localized_decimal(_("Quantité"), 12, 3, required=False)
    unit = forms.ChoiceField(
        label=_("Unité"), choices=[("", "—"), *Service.Unit.choices], required=False
    )
    unit_price = _localized_decimal(_("Prix unitaire HT"), 12, 4, required=False)
    vat_rate = forms.ModelChoiceField(
        label=_("TVA"),
        queryset=VatRate.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("Ce taux de TVA n'est pas dans la liste.")},
    )
    discount_percent = _localized_decimal(_("Remise (%)"), 5, 2, required=False)

    def __init__(self, *args, line: QuoteLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        if not line.has_amount:
            for name in ("quantity", "unit", "unit_price", "vat_rate", "discount_percent"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        required = {"quantity": _("Indiquez une quantité."), "unit_price": _("Indiquez un prix.")}
        for name, message in required.items():
            if name in self.fields and data.get(name) is None and name not in self.errors:
                self.add_error(name, message)
        if "discount_percent" in self.fields and data.get("discount_percent") is None:
            data["discount_percent"] = 0
        # The business sizes (settings), in the same words as the services that enforce them.
        bounds = line_bound_errors(quantity=data.get("quantity"), unit_price=data.get("unit_price"))
        for name, message in bounds.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data


class QuoteHeaderForm(forms.ModelForm):
    """The site, validity date and notes of a draft."""

    class Meta:
        model = Quote
        fields = ["site", "validity_date", "notes"]
        widgets = {
            "site": forms.Select(attrs={"class": "form-select"}),
            "validity_date": forms.DateInput(
                attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d"
            ),
            "notes": Textarea(attrs={"class": "form-control", "rows": 2}),
        }

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = customer.sites.filter(is_active=True).order_by(
            french_collate("name"), "id"
        )
        self.fields["site"].empty_label = _("— Aucun site (adresse du client) —")


class SendForm(forms.Form):
    """Who receives the quote, and the e-mail's subject and message (prefilled)."""

    recipients = forms.MultipleChoiceField(
        label=_("Destinataires"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    other = forms.CharField(
        label=_("Autres adresses"),
        max_length=OTHER_ADDRESSES_MAX_LENGTH,
        required=False,
        help_text=_("Séparées par des virgules."),
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "prenom.nom@exemple.fr"}
        ),
    )
    subject = forms.CharField(
        label=_("Objet"), max_length=255, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=EMAIL_BODY_MAX_LENGTH,
        widget=Textarea(attrs={"class": "form-control", "rows": 10}),
    )

    def __init__(self, *args, recipient_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = recipient_choices

    def addresses(self) -> list[str]:
        typed = (self.cleaned_data.get("other") or "").replace(";", ",").split(",")
        return [*self.cleaned_data.get("recipients", []), *(a.strip() for a in typed if a.strip())]


class QuoteFilterForm(forms.Form):
    """The quote list's filters (GET, kept in the URL so that a filter can be shared)."""

    q = forms.CharField(
        label=_("Recherche"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("N° de devis, client, code…")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous")), *Quote.Status.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date_from = forms.DateField(
        label=_("Du"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Au"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
    )
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
