"""The forms of the record's "Prélèvement SEPA" tab: a mandate (created or corrected) and
its revocation. The service (payments.mandates) checks and says what is wrong."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creneau.core.forms import BootstrapForm
from creneau.customers.display import iban_groups
from creneau.payments.mandates import EDITABLE_AFTER_USE, REASON_MAX_LENGTH
from creneau.payments.models import Mandate, MandateScheme, MandateType
from creneau.payments.models.sepa import RUM_MAX_LENGTH

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TYPED = {"autocomplete": "off", "spellcheck": "false"}


class MandateForm(BootstrapForm):
    rum = forms.CharField(
        label=_("Référence unique du mandat (RUM)"),
        max_length=RUM_MAX_LENGTH + 10,  # the service says what is too long, in its words
        required=False,
        help_text=_("Générée ; modifiable jusqu'au premier prélèvement. 35 caractères au plus."),
        widget=forms.TextInput(attrs=TYPED),
    )
    debtor_name = forms.CharField(label=_("Titulaire du compte"), max_length=140, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=60, widget=forms.TextInput(attrs=TYPED))
    bic = forms.CharField(
        label=_("BIC"),
        max_length=20,
        required=False,
        help_text=_("Retrouvé à partir d'un IBAN français s'il est laissé vide."),
        widget=forms.TextInput(attrs=TYPED),
    )
    scheme = forms.ChoiceField(label=_("Schéma"), choices=MandateScheme.choices)
    type = forms.ChoiceField(label=_("Type"), choices=MandateType.choices)
    signature_date = forms.DateField(
        label=_("Date de signature"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("À remplir au retour du mandat signé."),
    )
    signature_place = forms.CharField(label=_("Lieu de signature"), max_length=100, required=False)

    def __init__(self, *args, mandate: Mandate | None = None, **kwargs):
        if mandate is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "rum": mandate.rum,
                "debtor_name": mandate.debtor_name,
                "iban": iban_groups(mandate.iban),
                "bic": mandate.bic,
                "scheme": mandate.scheme,
                "type": mandate.type,
                "signature_date": mandate.signature_date,
                "signature_place": mandate.signature_place,
            }
        super().__init__(*args, **kwargs)
        self.fields["iban"].error_messages["required"] = _("Indiquez l'IBAN du compte à débiter.")
        if mandate is not None and mandate.is_used:
            # After the first collection, only the holder's name is corrected.
            for name, field in self.fields.items():
                if name not in EDITABLE_AFTER_USE:
                    field.disabled = True
                    field.required = False

    def changed_values(self) -> dict:
        """What the service is given: every field not disabled."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if not self.fields[name].disabled
        }


class MandateRevokeForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text=_("Par exemple : demande du client, changement de banque."),
    )
    revoked_on = forms.DateField(label=_("Révoqué le"), required=False, widget=DATE_WIDGET)
