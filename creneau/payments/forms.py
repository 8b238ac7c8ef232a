"""The payment form: what was received, and how to allocate it."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.core.forms import BootstrapForm
from creneau.core.params import parse_id
from creneau.customers.forms import staff_label
from creneau.customers.models import Customer
from creneau.customers.selectors import families_list, sales_reps
from creneau.payments.aged import NO_SALES_REP, SORT_NAME, SORT_TOTAL, AgedFilters, as_of_error
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


class AgedBalanceFilterForm(BootstrapForm):
    """The aged balance's filters (GET, kept in the URL): the date, the customers' family,
    sales rep and kind, and the order. A value that cannot be read is dropped (the page then
    says so for the date and shows today's)."""

    as_of = forms.DateField(
        label=_("À la date du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    family = forms.ChoiceField(label=_("Famille"), required=False)
    sales_rep = forms.ChoiceField(label=_("Commercial"), required=False)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous")), *Customer.Kind.choices]
    )
    sort = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=[(SORT_TOTAL, _("Montant dû")), (SORT_NAME, _("Nom du client"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read once, when the select is drawn or a value checked.
        self.fields["family"].choices = functools.cache(
            lambda: [("", _("Toutes")), *((str(f.pk), f.name) for f in families_list())]
        )
        self.fields["sales_rep"].choices = functools.cache(
            lambda: [
                ("", _("Tous")),
                (NO_SALES_REP, _("Sans commercial")),
                *((str(rep.pk), staff_label(rep)) for rep in sales_reps()),
            ]
        )

    def clean_as_of(self) -> date | None:
        as_of = self.cleaned_data.get("as_of")
        if as_of is None:
            return None
        if (error := as_of_error(as_of)) is not None:
            raise forms.ValidationError(error)
        return as_of

    def aged_filters(self) -> AgedFilters:
        """What could be read of the filters (the rest left out)."""
        self.is_valid()
        data = self.cleaned_data
        family = parse_id(data.get("family"))
        rep = data.get("sales_rep") or None
        return AgedFilters(
            as_of=data.get("as_of"),
            family=family,
            sales_rep=rep if rep == NO_SALES_REP else parse_id(rep),
            kind=data.get("kind") or "",
            sort=data.get("sort") or SORT_TOTAL,
        )
