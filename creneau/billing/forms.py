"""Forms of the invoice screens. They read what is typed (French decimals with a comma);
the services validate and their French errors come back at the fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from creneau.billing.models import Invoice, InvoiceLine
from creneau.billing.selectors_list import CUSTOM, LAST_MONTH, PERIODS, THIS_MONTH, THIS_YEAR
from creneau.catalog.models import Service, VatRate
from creneau.catalog.selectors import vat_rates_active
from creneau.core.forms import BootstrapForm
from creneau.core.templatetags.creneau import money
from creneau.core.text import NOTES_MAX_LENGTH, SEARCH_MAX_LENGTH
from creneau.core.widgets import Textarea
from creneau.quotes.bounds import line_bound_errors, max_amount

PERIOD_LABELS = {
    THIS_MONTH: _("Ce mois-ci"),
    LAST_MONTH: _("Le mois dernier"),
    THIS_YEAR: _("Cette année"),
    CUSTOM: _("Dates choisies"),
}
REASON_MAX_LENGTH = 1000


def _decimal(label, max_digits: int, places: int, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=max_digits,
        decimal_places=places,
        localize=True,
        widget=forms.TextInput(attrs={"class": "text-end", "inputmode": "decimal"}),
        **kwargs,
    )


def _date(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class InvoiceFilterForm(BootstrapForm):
    """The Facturation list's filters (GET, kept in the URL so that a filter can be shared)."""

    number = forms.CharField(
        label=_("Numéro"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("F-2026-…"), "type": "search"}),
    )
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
    status = forms.ChoiceField(
        label=_("Statut"), required=False, choices=[("", _("Tous")), *Invoice.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Tous")), *Invoice.Kind.choices],
    )
    overdue = forms.BooleanField(label=_("En retard"), required=False)
    customer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class InvoiceNewForm(BootstrapForm):
    """A manual invoice: the customer's billing group, and the period it bills (optional)."""

    billing_group = forms.ChoiceField(label=_("Groupe de facturation"))
    period_start = _date(_("Période du"), required=False)
    period_end = _date(_("Période au"), required=False)
    notes = forms.CharField(
        label=_("Remarques"),
        max_length=NOTES_MAX_LENGTH,
        required=False,
        widget=Textarea(attrs={"rows": 2}),
        help_text=_("Imprimées sous les totaux."),
    )

    def __init__(self, *args: Any, groups: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["billing_group"].choices = [(group, group) for group in groups]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("La fin de la période ne peut précéder son début."))
        return data


class InvoiceHeaderForm(InvoiceNewForm):
    """The same fields on a draft's page, saved as they change."""


class LineForm(BootstrapForm):
    """A line of a draft, added or edited: free text, a discount, a title, a comment, or a
    catalogue service (prefilled by the service when added)."""

    line_type = forms.ChoiceField(
        label=_("Type de ligne"),
        choices=[
            (InvoiceLine.LineType.FREE, _("Ligne libre")),
            (InvoiceLine.LineType.SERVICE, _("Prestation")),
            (InvoiceLine.LineType.DISCOUNT, _("Remise")),
            (InvoiceLine.LineType.SECTION, _("Titre de section")),
            (InvoiceLine.LineType.COMMENT, _("Commentaire")),
        ],
        initial=InvoiceLine.LineType.FREE,
    )
    service = forms.ModelChoiceField(
        label=_("Prestation du catalogue"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("— Aucune —"),
        error_messages={"invalid_choice": _("Cette prestation n'est pas au catalogue.")},
    )
    description = forms.CharField(
        label=_("Libellé"),
        max_length=InvoiceLine._meta.get_field("description").max_length,
        required=False,
        widget=Textarea(attrs={"rows": 1}),
    )
    quantity = _decimal(_("Quantité"), 12, 3, required=False)
    unit = forms.ChoiceField(
        label=_("Unité"), choices=[("", "—"), *Service.Unit.choices], required=False
    )
    unit_price = _decimal(_("Prix unitaire HT"), 12, 4, required=False)
    vat_rate = forms.ModelChoiceField(
        label=_("TVA"),
        queryset=VatRate.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": _("Ce taux de TVA n'est pas dans la liste.")},
    )
    discount_percent = _decimal(_("Remise (%)"), 5, 2, required=False)

    def __init__(self, *args: Any, line: InvoiceLine | None = None, **kwargs: Any) -> None:
        self.line = line
        if line is not None:
            kwargs.setdefault("initial", line_initial(line))
        super().__init__(*args, **kwargs)
        rates = vat_rates_active()
        if line is None and not self.is_bound:
            # The company's default rate: the first active one of its list (as quotes do).
            first_rate = rates.first()
            self.initial.setdefault("vat_rate", first_rate.pk if first_rate else None)
            self.initial.setdefault("quantity", Decimal(1))
            self.initial.setdefault("unit", Service.Unit.FLAT)
        if line is not None and line.vat_rate_id:
            rates = VatRate.objects.filter(pk=line.vat_rate_id) | rates
        self.fields["vat_rate"].queryset = rates.distinct().order_by("position", "-rate", "id")
        self.fields["vat_rate"].label_from_instance = lambda rate: f"{rate.rate.normalize():f} %"
        services = Service.objects.filter(is_active=True)
        if line is not None and line.service_id:
            services = Service.objects.filter(pk=line.service_id) | services
        self.fields["service"].queryset = services.distinct().order_by("label", "id")
        self.fields["service"].label_from_instance = lambda s: f"{s.label} ({s.code})"
        if line is not None:
            # A line keeps its type: a title does not become an amount.
            del self.fields["line_type"]
            if line.line_type != InvoiceLine.LineType.SERVICE:
                del self.fields["service"]

    @property
    def chosen_line_type(self) -> str:
        if self.line is not None:
            return self.line.line_type
        chosen = self.cleaned_data.get("line_type") or InvoiceLine.LineType.FREE
        if chosen == InvoiceLine.LineType.FREE and self.cleaned_data.get("service"):
            # A catalogue service picked on a free line: the user meant that service.
            return InvoiceLine.LineType.SERVICE
        return chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "line_type" in self.errors:
            return data
        line_type = self.chosen_line_type
        has_amount = line_type in InvoiceLine.AMOUNT_TYPES
        if line_type == InvoiceLine.LineType.SERVICE and not data.get("service"):
            self.add_error("service", _("Choisissez une prestation du catalogue."))
        by_service = line_type == InvoiceLine.LineType.SERVICE and self.line is None
        if (not has_amount or not by_service) and not (data.get("description") or "").strip():
            self.add_error("description", _("Indiquez un libellé."))
        if has_amount and not by_service:
            for name, message in (
                ("quantity", _("Indiquez une quantité.")),
                ("unit_price", _("Indiquez un prix.")),
                ("vat_rate", _("Choisissez un taux de TVA.")),
            ):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, message)
        bounds = line_bound_errors(quantity=data.get("quantity"), unit_price=data.get("unit_price"))
        for name, message in bounds.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of invoice_line_add / invoice_line_update. On a new service
        line, what is left empty comes from the catalogue (the site's price first)."""
        data = self.cleaned_data
        fields: dict[str, Any] = {}
        if self.line is None:
            fields["line_type"] = self.chosen_line_type
        if "service" in self.fields:
            fields["service"] = data.get("service")
        has_amount = self.chosen_line_type in InvoiceLine.AMOUNT_TYPES
        description = (data.get("description") or "").strip()
        fields["description"] = description or (None if self.line is None else "")
        if has_amount:
            fields["quantity"] = data.get("quantity")
            fields["unit"] = data.get("unit") or (None if self.line is None else "")
            fields["unit_price"] = data.get("unit_price")
            fields["vat_rate"] = data.get("vat_rate")
            fields["discount_percent"] = data.get("discount_percent") or Decimal(0)
        if self.line is None:
            fields = {name: value for name, value in fields.items() if value is not None}
        return fields


def line_initial(line: InvoiceLine) -> dict[str, Any]:
    return {
        "service": line.service_id,
        "description": line.description,
        "quantity": line.quantity.normalize() if line.has_amount else None,
        "unit": line.unit,
        "unit_price": line.unit_price.normalize() if line.has_amount else None,
        "vat_rate": line.vat_rate_id,
        "discount_percent": line.discount_percent.normalize() if line.discount_percent else None,
    }


TOTAL, BY_LINES, BY_AMOUNT = "total", "lines", "amount"


class CreditNoteForm(BootstrapForm):
    """Faire un avoir: all that is left, some quantity of some lines, or an amount incl. VAT;
    with its reason, printed on the credit note."""

    mode = forms.ChoiceField(
        label=_("Avoir"),
        choices=[
            (TOTAL, _("Total : tout ce qui reste à créditer")),
            (BY_LINES, _("Partiel, par lignes")),
            (BY_AMOUNT, _("Partiel, d'un montant TTC")),
        ],
        initial=TOTAL,
        widget=forms.RadioSelect,
    )
    amount = _decimal(_("Montant TTC (€)"), 12, 2, required=False)
    reason = forms.CharField(
        label=_("Motif"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=Textarea(attrs={"rows": 2, "placeholder": _("ex. passage du 12 non effectué")}),
        help_text=_("Imprimé sur l'avoir."),
    )

    def __init__(
        self,
        *args: Any,
        lines: list[InvoiceLine],
        left: dict[int, Decimal],
        left_gross: Decimal | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.left_gross = left_gross
        self.fields["mode"].widget.attrs["class"] = "form-check-input"
        self.credit_lines = [line for line in lines if line.has_amount]
        self.left = left
        for line in self.credit_lines:
            field = _decimal(line.title, 12, 3, required=False, min_value=Decimal(0))
            field.widget.attrs.update({"class": "form-control form-control-sm text-end"})
            self.fields[f"qty_{line.pk}"] = field

    def line_rows(self) -> list[tuple[InvoiceLine, Decimal, forms.BoundField]]:
        return [(line, self.left[line.pk], self[f"qty_{line.pk}"]) for line in self.credit_lines]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        mode = data.get("mode")
        if mode == BY_AMOUNT:
            amount = data.get("amount")
            if amount is None:
                self.add_error("amount", _("Indiquez le montant TTC de l'avoir."))
            elif amount <= 0 or amount > max_amount():
                self.add_error("amount", _("Le montant d'un avoir est positif."))
            elif self.left_gross is not None and amount > self.left_gross:
                self.add_error(
                    "amount",
                    _("Il reste %(left)s à créditer sur cette facture.")
                    % {"left": money(self.left_gross)},
                )
        if mode == BY_LINES:
            wanted = self.wanted_lines()
            if not wanted and not self.errors:
                raise ValidationError(_("Indiquez la quantité à créditer d'au moins une ligne."))
        return data

    def wanted_lines(self) -> list[dict[str, Any]]:
        wanted = []
        for line in self.credit_lines:
            quantity = self.cleaned_data.get(f"qty_{line.pk}")
            if quantity:
                sign = -1 if line.quantity < 0 else 1
                wanted.append({"line_id": line.pk, "quantity": quantity * sign})
        return wanted

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of credit_note_create."""
        mode = self.cleaned_data["mode"]
        fields: dict[str, Any] = {"reason": self.cleaned_data.get("reason") or ""}
        if mode == BY_LINES:
            fields["lines"] = self.wanted_lines()
        elif mode == BY_AMOUNT:
            fields["amount"] = self.cleaned_data["amount"]
        return fields
