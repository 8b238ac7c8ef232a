"""The form of a new billing run (Facturation, then Nouvelle facturation)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.billing.runs import billing_period_check
from creneau.customers.selectors import customers_visible_to, families_list, sales_reps

# The most customer codes one run names (beyond, bill everybody and untick a few).
MAX_CODES = 200
CODES_MAX_LENGTH = 4000


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", attrs={"class": "form-control"}, **kwargs)


class BillingRunForm(forms.Form):
    period_start = forms.DateField(label=_("Du"), widget=DateInput())
    period_end = forms.DateField(label=_("Au"), widget=DateInput())
    families = forms.ModelMultipleChoiceField(
        label=_("Familles"),
        queryset=families_list(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sales_reps = forms.ModelMultipleChoiceField(
        label=_("Commerciaux"),
        queryset=sales_reps(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    customer_codes = forms.CharField(
        label=_("Clients (codes)"),
        required=False,
        max_length=CODES_MAX_LENGTH,
        help_text=_("Laissez vide pour tous les clients ; sinon leurs codes, séparés par des "
                    "espaces ou des virgules."),
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "C00012, C00345"}),
    )  # fmt: skip
    include_missed = forms.BooleanField(
        label=_("Facturer aussi les passages manqués (client absent)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            start, end = last_month(timezone.localdate())
            self.initial.setdefault("period_start", start)
            self.initial.setdefault("period_end", end)
        self.fields["families"].queryset = families_list()
        self.fields["sales_reps"].queryset = sales_reps()
        self.fields["sales_reps"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )

    def clean_customer_codes(self) -> list[int]:
        codes = [code for code in re.split(r"[\s,;]+", self.cleaned_data["customer_codes"]) if code]
        if not codes:
            return []
        if len(codes) > MAX_CODES:
            raise ValidationError(
                _("%(max)s clients au plus ; laissez vide pour tous.") % {"max": MAX_CODES}
            )
        found = dict(
            customers_visible_to(self.user).filter(code__in=codes).values_list("code", "pk")
        )
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValidationError(
                _("Codes clients inconnus : %(codes)s.") % {"codes": ", ".join(unknown[:20])}
            )
        return sorted(set(found.values()))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end:
            try:
                billing_period_check(start, end)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned
