"""Forms of Paramètres > Comptabilité and of the Exports page. They read and bound what was
typed; the services validate again and their errors come back at the field."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from creneau.accounting.accounts import (
    DEFAULT_METHOD_ACCOUNTS,
    account_number_check,
    default_vat_account,
)
from creneau.accounting.models import (
    AccountingSettings,
    FiscalYear,
    PaymentMethodAccount,
    VatRateAccount,
)
from creneau.catalog.models import VatRate
from creneau.core.forms import BootstrapForm
from creneau.payments.models import PaymentMethod

EARLIEST, LATEST = "2000-01-01", "2099-12-31"
JOURNAL_CODE = re.compile(r"^[A-Z0-9]{1,10}$")


def _date(label, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(
            attrs={"type": "date", "min": EARLIEST, "max": LATEST}, format="%Y-%m-%d"
        ),
        error_messages={
            "invalid": _("Saisissez une date valide (AAAA-MM-JJ)."),
            "required": _("Indiquez une date."),
        },
    )


class AccountField(forms.CharField):
    """An account number: digits, then optional capital letters or digits; 20 at most."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "text", "autocapitalize": "characters"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return account_number_check(value) if value else ""


class AccountsForm(BootstrapForm):
    """The general accounts, the journals, each VAT rate's and each payment method's."""

    customers_account = AccountField(label=_("Compte collectif clients"))
    default_revenue_account = AccountField(label=_("Compte de produits par défaut"))
    cheques_to_deposit_account = AccountField(
        label=_("Compte des chèques à encaisser"),
        required=False,
        help_text=_(
            "Ex. 511200. Vide : les chèques vont directement au compte de banque ; rempli : "
            "ils y attendent leur remise en banque."
        ),
    )
    sales_journal_code = forms.CharField(label=_("Code du journal des ventes"), max_length=10)
    sales_journal_label = forms.CharField(label=_("Libellé du journal des ventes"), max_length=100)
    bank_journal_code = forms.CharField(label=_("Code du journal de banque"), max_length=10)
    bank_journal_label = forms.CharField(label=_("Libellé du journal de banque"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.rates = list(VatRate.objects.order_by("position", "-rate", "id"))
        self.methods = list(PaymentMethod.choices)
        super().__init__(*args, **kwargs)
        for rate in self.rates:
            self.fields[f"vat_{rate.pk}"] = AccountField(label=_("TVA collectée"))
            self.fields[f"revenue_{rate.pk}"] = AccountField(label=_("Produits"), required=False)
        for method, _label in self.methods:
            self.fields[f"method_{method}"] = AccountField(label=_("Compte"))
            self.fields[f"method_label_{method}"] = forms.CharField(
                label=_("Libellé"), max_length=100
            )
        for name, field in self.fields.items():
            if name not in self.base_fields:  # added here, after BootstrapForm set classes
                field.widget.attrs["class"] = "form-control form-control-sm"

    def _clean_journal(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip().upper()
        if not JOURNAL_CODE.match(value):
            raise ValidationError(_("Un code de journal : 1 à 10 lettres majuscules ou chiffres."))
        return value

    def clean_sales_journal_code(self) -> str:
        return self._clean_journal("sales_journal_code")

    def clean_bank_journal_code(self) -> str:
        return self._clean_journal("bank_journal_code")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        sales, bank = data.get("sales_journal_code"), data.get("bank_journal_code")
        if sales and sales == bank:
            self.add_error("bank_journal_code", _("Les deux journaux ont des codes différents."))
        return data

    @classmethod
    def initial_data(cls) -> dict[str, Any]:
        settings_row = AccountingSettings.load()
        initial = {
            name: getattr(settings_row, name)
            for name in (
                "customers_account", "default_revenue_account", "cheques_to_deposit_account",
                "sales_journal_code", "sales_journal_label", "bank_journal_code",
                "bank_journal_label",
            )
        }  # fmt: skip
        vat_rows = {row.vat_rate_id: row for row in VatRateAccount.objects.all()}
        for rate in VatRate.objects.all():
            row = vat_rows.get(rate.pk)
            initial[f"vat_{rate.pk}"] = row.vat_account if row else default_vat_account(rate.rate)
            initial[f"revenue_{rate.pk}"] = row.revenue_account if row else ""
        method_rows = {row.method: row for row in PaymentMethodAccount.objects.all()}
        for method, (account, label) in DEFAULT_METHOD_ACCOUNTS.items():
            row = method_rows.get(method)
            initial[f"method_{method}"] = row.account if row else account
            initial[f"method_label_{method}"] = row.label if row else str(label)
        return initial

    def rate_rows(self) -> list[tuple[VatRate, Any, Any]]:
        return [(rate, self[f"vat_{rate.pk}"], self[f"revenue_{rate.pk}"]) for rate in self.rates]

    def method_rows(self) -> list[tuple[str, Any, Any]]:
        return [
            (label, self[f"method_{method}"], self[f"method_label_{method}"])
            for method, label in self.methods
        ]

    def settings_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.base_fields}

    def vat_accounts(self) -> dict[int, dict[str, str]]:
        return {
            rate.pk: {
                "vat_account": self.cleaned_data[f"vat_{rate.pk}"],
                "revenue_account": self.cleaned_data[f"revenue_{rate.pk}"],
            }
            for rate in self.rates
        }

    def method_accounts(self) -> dict[str, dict[str, str]]:
        return {
            method: {
                "account": self.cleaned_data[f"method_{method}"],
                "label": self.cleaned_data[f"method_label_{method}"],
            }
            for method, _label in self.methods
        }


class FiscalYearForm(BootstrapForm):
    start_date = _date(_("Début de l'exercice"))
    end_date = _date(_("Date de clôture"))


class BooksCloseForm(BootstrapForm):
    until = _date(_("Clore la période jusqu'au (inclus)"))


class ExportPeriodForm(BootstrapForm):
    start = _date(_("Du"))
    end = _date(_("Au"))


class FiscalYearChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: FiscalYear) -> str:
        if obj.is_closed:
            return str(_("%(year)s (clôturé)") % {"year": obj})
        return str(obj)


class FecForm(BootstrapForm):
    fiscal_year = FiscalYearChoice(
        label=_("Exercice"),
        queryset=FiscalYear.objects.order_by("-end_date"),
        empty_label=None,
        error_messages={
            "required": _("Choisissez un exercice."),
            "invalid_choice": _("Exercice inconnu."),
        },
    )
