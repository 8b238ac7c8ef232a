"""The forms of the dunning's settings and holds: a level (Paramètres > Relances), and a
hold's reason and end date. They bound what is typed; the services (levels.py, holds.py)
say what is valid, in their words."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creneau.core.widgets import Textarea
from creneau.payments.levels import MAX_DAYS, MAX_RANK
from creneau.payments.models import ReminderChannel, ReminderLevel
from creneau.payments.models.dunning import REMINDER_BODY_MAX_LENGTH

TEXT = {"class": "form-control"}
NUMBER_MESSAGES = {"invalid": _("Saisissez un nombre entier.")}


def _whole_number(label, max_value: int, *, out_of_range, required) -> forms.IntegerField:
    """A whole number from 1 to max_value, one message for either side of the range."""
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=max_value,
        error_messages={
            **NUMBER_MESSAGES,
            "min_value": out_of_range,
            "max_value": out_of_range,
            "required": required,
        },
        widget=forms.NumberInput(attrs={**TEXT, "min": 1, "max": max_value}),
    )


class ReminderLevelForm(forms.Form):
    rank = _whole_number(
        _("Niveau"),
        MAX_RANK,
        out_of_range=_("Un niveau va de 1 à 9."),
        required=_("Indiquez le numéro du niveau (1 à 9)."),
    )
    name = forms.CharField(
        label=_("Nom"),
        max_length=100,
        error_messages={"required": _("Indiquez le nom du niveau.")},
        widget=forms.TextInput(attrs=TEXT),
    )
    days_after_due = _whole_number(
        _("Jours après l'échéance"),
        MAX_DAYS,
        out_of_range=_("De 1 à 3 650 jours après l'échéance."),
        required=_("Indiquez le nombre de jours après l'échéance."),
    )
    channel = forms.ChoiceField(
        label=_("Envoi"),
        choices=ReminderChannel.choices,
        error_messages={"invalid_choice": _("Mode d'envoi inconnu.")},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    subject = forms.CharField(
        label=_("Objet"),
        max_length=200,
        error_messages={"required": _("Indiquez l'objet de la relance.")},
        widget=forms.TextInput(attrs=TEXT),
    )
    body = forms.CharField(
        label=_("Texte"),
        max_length=REMINDER_BODY_MAX_LENGTH,
        error_messages={"required": _("Indiquez le texte de la relance.")},
        widget=Textarea(attrs={**TEXT, "rows": 12}),
    )
    fee = forms.DecimalField(
        label=_("Frais de relance (€)"),
        max_digits=12,
        decimal_places=4,
        required=False,
        localize=True,
        error_messages={
            "invalid": _("Saisissez un montant, par exemple 15,00."),
            "max_digits": _("Les frais vont de 0 à 10 000,00 €, au centime près."),
            "max_decimal_places": _("Les frais vont de 0 à 10 000,00 €, au centime près."),
            "max_whole_digits": _("Les frais vont de 0 à 10 000,00 €, au centime près."),
        },
        widget=forms.TextInput(
            attrs={**TEXT, "class": "form-control text-end", "inputmode": "decimal"}
        ),
        help_text=_("Ajoutés une fois par facture relancée à ce niveau ; 0 pour aucun."),
    )
    add_recovery_indemnity = forms.BooleanField(
        label=_("Ajouter l'indemnité forfaitaire de 40 € pour frais de recouvrement"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_(
            "Due de plein droit par un client professionnel en retard de paiement (Code de "
            "commerce, art. L441-10 et D441-5) : elle n'est jamais ajoutée pour un "
            "particulier, et une seule fois par facture, même si plusieurs niveaux la "
            "demandent."
        ),
    )
    add_late_interest = forms.BooleanField(
        label=_("Ajouter les intérêts de retard"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_(
            "Au taux des pénalités de retard imprimé sur chaque facture, du lendemain de "
            "l'échéance au jour de la relance."
        ),
    )
    active = forms.BooleanField(
        label=_("Actif"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_("Un niveau inactif n'est plus proposé par les campagnes de relance."),
    )

    @classmethod
    def for_level(cls, level: ReminderLevel, data=None) -> ReminderLevelForm:
        """The form of an existing level: its values as the initial ones."""
        initial = {name: getattr(level, name) for name in cls.base_fields}
        return cls(data, initial=initial)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("fee") is None:
            data["fee"] = 0
        return data


class HoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=255,
        error_messages={
            "required": _("Indiquez le motif de la suspension."),
            "max_length": _("Le motif tient en 255 caractères au plus."),
        },
        widget=forms.TextInput(
            attrs={**TEXT, "placeholder": _("Litige, échéancier accordé..."), "maxlength": 255}
        ),
    )
    until = forms.DateField(
        label=_("Jusqu'au (facultatif)"),
        required=False,
        error_messages={"invalid": _("Saisissez une date valide.")},
        widget=forms.DateInput(attrs={**TEXT, "type": "date"}, format="%Y-%m-%d"),
        help_text=_("Sans date, jusqu'à ce que les relances soient reprises."),
    )
