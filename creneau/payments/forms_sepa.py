"""Forms of the SEPA collection batches: the date of a new batch (and its due-by date),
the invoices kept from the proposal, and the reject of a debit."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creneau.core.params import parse_id
from creneau.payments.sepa_batches import MAX_INVOICES, collection_date_check
from creneau.payments.sepa_collect import reject_code_choices

DATE_WIDGET = {"type": "date", "class": "form-control"}


class SepaBatchForm(forms.Form):
    collection_date = forms.DateField(
        label=gettext_lazy("Date de prélèvement"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET),
        help_text=gettext_lazy("Un jour ouvré interbancaire, au plus tôt le prochain."),
    )
    due_by = forms.DateField(
        label=gettext_lazy("Échéances jusqu'au"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET),
        help_text=gettext_lazy("Laissé vide : les factures échues à la date de prélèvement."),
    )

    def clean_collection_date(self):
        try:
            return collection_date_check(self.cleaned_data["collection_date"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["collection_date"]) from error

    def clean(self):
        cleaned = super().clean()
        due_by, collection = cleaned.get("due_by"), cleaned.get("collection_date")
        if due_by and collection and (due_by - collection).days > 366:
            self.add_error("due_by", _("Une échéance à moins d'un an de la date de prélèvement."))
        return cleaned


def chosen_invoice_ids(data) -> list[int]:
    """The invoices ticked on the proposal (unreadable ids are dropped)."""
    values = data.getlist("invoice")[:MAX_INVOICES]
    return [pk for pk in (parse_id(value) for value in values) if pk is not None]


class SepaRejectForm(forms.Form):
    reason_code = forms.ChoiceField(label=gettext_lazy("Motif du rejet"), choices=())
    add_fee = forms.BooleanField(label=gettext_lazy("Facturer des frais de rejet"), required=False)
    fee = forms.DecimalField(
        label=gettext_lazy("Frais (TTC)"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000"),
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = [
            ("", _("— Choisir le motif —")),
            *reject_code_choices(),
        ]
        self.fields["reason_code"].widget.attrs["class"] = "form-select"
        self.fields["add_fee"].widget.attrs["class"] = "form-check-input"
        self.fields["reason_code"].error_messages["invalid_choice"] = _(
            "Motif de rejet inconnu : choisissez un code de la liste."
        )
