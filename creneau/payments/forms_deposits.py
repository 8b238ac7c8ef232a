"""Nouvelle remise de chèques: the deposit's date and slip reference, then one row a cheque
(customer by code or name, amount, bank, number, optional invoice). A row left empty is
ignored; the customers and invoices typed are found for the whole deposit at once
(`resolve_rows`), then the service records it all or nothing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from creneau.billing.models import Invoice
from creneau.core.forms import BootstrapForm
from creneau.core.templatetags.creneau import money
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.customers.models import Customer
from creneau.customers.selectors import (
    AnyUser,
    customer_name_key,
    customers_search,
    customers_visible_to,
    search_terms,
)
from creneau.payments.models import ChequeDeposit, Payment
from creneau.payments.services import MAX_AMOUNT, MAX_CHEQUES

FIRST_ROWS = 10  # rows shown at first; "Ajouter des lignes" adds as many
ROWS_ADDED = 10
# A suggestion picked in the list reads "CODE · Name": the code is what counts.
SUGGESTION_SEPARATOR = " · "
AMBIGUOUS_SHOWN = 3  # codes named when a name matches several customers


def parse_amount_typed(text: str) -> Decimal:
    """An amount as typed in a hurry: "120", "120,5", "1 234,56", "1234.56 €"."""
    cleaned = "".join(str(text).replace("€", "").split()).replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:
        raise forms.ValidationError(_("Montant invalide : tapez par exemple 120,50.")) from error
    if not amount.is_finite():
        raise forms.ValidationError(_("Montant invalide : tapez par exemple 120,50."))
    return amount


class DepositForm(BootstrapForm):
    date = forms.DateField(
        label=_lazy("Date de remise"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reference = forms.CharField(
        label=_lazy("N° de bordereau"),
        max_length=ChequeDeposit._meta.get_field("reference").max_length,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())


class ChequeForm(forms.Form):
    """One cheque. The customer and the invoice are text here: resolve_rows finds them."""

    customer = forms.CharField(label=_lazy("Client"), max_length=SEARCH_MAX_LENGTH)
    amount = forms.CharField(label=_lazy("Montant"), max_length=30)
    cheque_bank = forms.CharField(
        label=_lazy("Banque"),
        max_length=Payment._meta.get_field("cheque_bank").max_length,
        required=False,
    )
    cheque_number = forms.CharField(
        label=_lazy("N° de chèque"),
        max_length=Payment._meta.get_field("cheque_number").max_length,
    )
    invoice = forms.CharField(label=_lazy("Facture"), max_length=30, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        messages = {
            "customer": _lazy("Indiquez le client (son code ou son nom)."),
            "amount": _lazy("Indiquez le montant."),
            "cheque_number": _lazy("Indiquez le numéro du chèque."),
        }
        for name, message in messages.items():
            self.fields[name].error_messages["required"] = message
        self.customer_found: Customer | None = None  # set by resolve_rows
        self.invoice_found: Invoice | None = None

    def clean_amount(self) -> Decimal:
        """Read here and checked as the service will (positive, cents), so that a wrong
        amount shows with the other rows' errors."""
        amount = parse_amount_typed(self.cleaned_data["amount"])
        if amount <= 0:
            raise forms.ValidationError(_("Le montant d'un règlement est positif."))
        # The bound first: quantize raises on "1e30" (more digits than the context holds).
        if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
            message = _("Un montant a deux décimales et ne dépasse pas %(max)s.")
            raise forms.ValidationError(message % {"max": money(MAX_AMOUNT)})
        return amount

    def clean_invoice(self) -> str:
        return " ".join(self.cleaned_data["invoice"].split()).upper()

    def as_cheque(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "customer": self.customer_found,
            "amount": data["amount"],
            "cheque_bank": data["cheque_bank"],
            "cheque_number": data["cheque_number"],
            "invoice": self.invoice_found,
        }


class BaseChequeFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[ChequeForm]:
        """The rows with something typed, in their order: the deposit's cheques."""
        return [form for form in self.forms if form.has_changed()]

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.filled_forms():
            raise forms.ValidationError(_("Saisissez au moins un chèque."))


ChequeFormSet = forms.formset_factory(
    ChequeForm,
    formset=BaseChequeFormSet,
    extra=FIRST_ROWS,
    max_num=MAX_CHEQUES,
    validate_max=True,
    absolute_max=MAX_CHEQUES,
)


def with_more_rows(data: Any, prefix: str) -> dict[str, Any]:
    """The posted formset with ROWS_ADDED empty rows more ("Ajouter des lignes" without
    JavaScript), never beyond MAX_CHEQUES."""
    copy = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(copy.get(key, FIRST_ROWS))
    except ValueError:
        total = FIRST_ROWS
    copy[key] = str(max(0, min(total + ROWS_ADDED, MAX_CHEQUES)))
    return copy


def _code_of(text: str) -> str:
    return text.split(SUGGESTION_SEPARATOR, 1)[0].strip()


def _customer_by_name(customers, text: str) -> tuple[Customer | None, str]:
    """The one customer a name designates: its exact name first, else the only one whose
    search text holds every word typed. Else the error to show."""
    exact = list(customers.filter(name_key=customer_name_key(text))[: AMBIGUOUS_SHOWN + 1])
    if len(exact) == 1:
        return exact[0], ""
    found = exact or list(
        customers_search(customers, search_terms(text)).order_by("name_key", "id")[
            : AMBIGUOUS_SHOWN + 1
        ]
    )
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, _("Aucun client avec ce code ou ce nom.")
    codes = ", ".join(customer.code for customer in found[:AMBIGUOUS_SHOWN])
    more = "…" if len(found) > AMBIGUOUS_SHOWN else ""
    message = _("Plusieurs clients portent ce nom : tapez le code (%(codes)s%(more)s).")
    return None, message % {"codes": codes, "more": more}


def resolve_rows(user: AnyUser, rows: list[ChequeForm]) -> None:
    """Find each row's customer (by code, in one query for the deposit, else by name) and
    invoice (by number, one query), among what the user sees; errors at the fields."""
    customers = customers_visible_to(user)
    rows = [form for form in rows if form.cleaned_data.get("customer")]
    typed = {form: _code_of(form.cleaned_data["customer"]) for form in rows}
    codes = {code.upper() for code in typed.values()} | set(typed.values())
    by_code = {customer.code.upper(): customer for customer in customers.filter(code__in=codes)}
    for form, text in typed.items():
        form.customer_found = by_code.get(text.upper())
        if form.customer_found is None:
            form.customer_found, message = _customer_by_name(customers, text)
            if message:
                form.add_error("customer", message)
    numbers = {form.cleaned_data.get("invoice") for form in rows} - {None, ""}
    invoices = {}
    if numbers:
        found = Invoice.objects.filter(
            Q(number__in=numbers), customer__in=customers, kind=Invoice.Kind.INVOICE
        )
        invoices = {invoice.number: invoice for invoice in found}
    for form in rows:
        number = form.cleaned_data.get("invoice")
        if not number or form.customer_found is None:
            continue
        invoice = invoices.get(number)
        if invoice is None or invoice.customer_id != form.customer_found.pk:
            message = _("Pas de facture %(number)s pour ce client.") % {"number": number}
            form.add_error("invoice", message)
        else:
            form.invoice_found = invoice
