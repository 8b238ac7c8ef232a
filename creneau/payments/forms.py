"""The payment form: what was received, and how to allocate it."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.payments.models import PaymentMethod

OLDEST_FIRST = "oldest"
BY_HAND = "hand"


class PaymentForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    # The service says what a valid amount is (positive, two decimals), in its words.
    amount = forms.DecimalField(label=_("Montant"), max_digits=14, decimal_places=2, localize=True)
    method = forms.ChoiceField(label=_("Mode de règlement"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Référence"), max_length=100, required=False)
    cheque_bank = forms.CharField(label=_("Banque du chèque"), max_length=100, required=False)
    cheque_number = forms.CharField(label=_("N° de chèque"), max_length=30, required=False)
    allocation = forms.ChoiceField(
        label=_("Affectation"),
        choices=[
            (OLDEST_FIRST, _("Aux factures les plus anciennes d'abord")),
            (BY_HAND, _("À la main")),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=OLDEST_FIRST,
    )

    def __init__(self, *args, invoices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())
        self.open_invoices = list(invoices)
        for invoice in self.open_invoices:
            self.fields[f"invoice_{invoice.pk}"] = forms.DecimalField(
                label=invoice.number,
                max_digits=14,
                decimal_places=2,
                min_value=Decimal("0"),
                required=False,
                localize=True,
            )

    def invoice_rows(self):
        return [(invoice, self[f"invoice_{invoice.pk}"]) for invoice in self.open_invoices]

    def allocations(self) -> list[dict] | None:
        """None for the oldest due first, else the amounts typed per invoice."""
        if self.cleaned_data["allocation"] == OLDEST_FIRST:
            return None
        return [
            {"invoice_id": invoice.pk, "amount": amount}
            for invoice in self.open_invoices
            if (amount := self.cleaned_data.get(f"invoice_{invoice.pk}"))
        ]

    def clean(self):
        data = super().clean()
        if data.get("method") == PaymentMethod.CHEQUE and not data.get("cheque_number"):
            self.add_error("cheque_number", _("Indiquez le numéro du chèque."))
        if data.get("allocation") == BY_HAND and not self.allocations():
            self.add_error("allocation", _("Indiquez un montant pour au moins une facture."))
        return data


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=255,
        error_messages={"required": _("Indiquez le motif de l'annulation.")},
    )
