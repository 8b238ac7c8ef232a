"""The customer's answer to a quote: accept under its full name, or refuse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creneau.core.forms import BootstrapForm
from creneau.core.widgets import Textarea
from creneau.portal.services_quotes import ANSWER_NAME_MAX, ANSWER_NAME_MIN, REFUSAL_REASON_MAX


class QuoteAcceptForm(BootstrapForm):
    name = forms.CharField(
        label=_("Votre nom complet"),
        min_length=ANSWER_NAME_MIN,
        max_length=ANSWER_NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(
        label=_("J'accepte ce devis"),
        error_messages={"required": _("Cochez « J'accepte ce devis » pour confirmer.")},
    )


class QuoteRefuseForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        max_length=REFUSAL_REASON_MAX,
        widget=Textarea(attrs={"rows": 3}),
    )
