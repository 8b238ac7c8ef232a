"""The Règlements list's filters (GET, kept in the URL so that a filter can be shared)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creneau.billing.forms import PERIOD_LABELS, _date
from creneau.billing.selectors_list import PERIODS
from creneau.core.forms import BootstrapForm
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.payments.models import PaymentMethod
from creneau.payments.selectors_list import ONLY_REVERSED, WITH_REVERSED


class PaymentFilterForm(BootstrapForm):
    customer = forms.CharField(
        label=_("Client"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Nom, code, ville…"), "type": "search"}),
    )
    period = forms.ChoiceField(
        label=_("Période"),
        required=False,
        choices=[("", _("Toutes")), *((key, PERIOD_LABELS[key]) for key in PERIODS)],
    )
    start = _date(_("Du"), required=False)
    end = _date(_("Au"), required=False)
    method = forms.ChoiceField(
        label=_("Mode"), required=False, choices=[("", _("Tous")), *PaymentMethod.choices]
    )
    amount = forms.CharField(
        label=_("Montant"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("ex. 120,50"), "inputmode": "decimal", "type": "search"}
        ),
    )
    reversed = forms.ChoiceField(
        label=_("Annulations"),
        required=False,
        choices=[
            ("", _("Sans les annulés")),
            (WITH_REVERSED, _("Avec les annulés")),
            (ONLY_REVERSED, _("Annulés seulement")),
        ],
    )
    customer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    deposit = forms.IntegerField(required=False, widget=forms.HiddenInput)
