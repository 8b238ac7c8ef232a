"""What is done with a payment's credit (what is neither allocated nor refunded): allocate
it to invoices, by hand or oldest due first, or refund it to the customer."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.payments.forms import BY_HAND, PaymentForm
from creneau.payments.models import Refund


class AllocateForm(PaymentForm):
    """The allocation part of the payment form, for the credit of a payment."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date", "amount", "method", "reference", "cheque_bank", "cheque_number"):
            del self.fields[name]

    def clean(self):
        data = forms.Form.clean(self)
        if data.get("allocation") == BY_HAND and not self.allocations():
            self.add_error("allocation", _("Indiquez un montant pour au moins une facture."))
        return data


class RefundForm(forms.Form):
    # The service says what a valid amount and date are, in its words.
    amount = forms.DecimalField(
        label=_("Montant remboursé"), max_digits=14, decimal_places=2, localize=True
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("Mode"), choices=Refund.Method.choices)
    reference = forms.CharField(label=_("Référence"), max_length=100, required=False)
    reason = forms.CharField(label=_("Motif"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())
