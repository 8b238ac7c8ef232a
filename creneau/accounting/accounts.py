"""Which account each amount goes to (plan comptable général), read once from Paramètres >
Comptabilité, with the French defaults where nothing was set (docs/accounting.md):

- revenue (706…): the service's own account, else its VAT rate's, else the default (706000);
- VAT collected (44571…): the rate's account, else 445711 at 20 %, 445712 at 10 %,
  445713 at 5,5 %, 445714 at 2,1 %, 445710 at any other rate;
- customers: the control account (411000), with each customer's auxiliary code: its
  accounting code (Customer.accounting_code), else its customer code (C00042), prefixed
  with "C" when it does not start with a letter;
- money received (512…, 530…): per payment method; cheques go to the cheques-to-deposit
  account (511200) when one is set, and a cheque deposit moves them to the bank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creneau.accounting.models import (
    AccountingSettings,
    PaymentMethodAccount,
    VatRateAccount,
)
from creneau.catalog.models import VatRate
from creneau.payments.models import PaymentMethod

# Digits first (the class of the plan comptable), then letters or digits: 411000, 411DUPONT.
ACCOUNT_PATTERN = re.compile(r"^[0-9]{1,20}[A-Z0-9]{0,19}$")
ACCOUNT_RULE = gettext_lazy(
    "Un numéro de compte commence par des chiffres, suivis éventuellement de lettres "
    "majuscules ou de chiffres : 20 caractères au plus (ex. 706000, 411DUPONT)."
)

DEFAULT_VAT_ACCOUNTS = {
    Decimal("20"): "445711",
    Decimal("10"): "445712",
    Decimal("5.5"): "445713",
    Decimal("2.1"): "445714",
}
OTHER_VAT_ACCOUNT = "445710"

# (account, label) of each payment method when Paramètres > Comptabilité sets none.
DEFAULT_METHOD_ACCOUNTS = {
    PaymentMethod.TRANSFER: ("512000", gettext_lazy("Banque")),
    PaymentMethod.CHEQUE: ("512000", gettext_lazy("Banque")),
    PaymentMethod.CARD: ("512000", gettext_lazy("Banque")),
    PaymentMethod.SEPA_DEBIT: ("512000", gettext_lazy("Banque")),
    PaymentMethod.CASH: ("530000", gettext_lazy("Caisse")),
    PaymentMethod.CESU: ("511300", gettext_lazy("CESU à encaisser")),
    PaymentMethod.CESU_PREFINANCED: ("511300", gettext_lazy("CESU à encaisser")),
}
# Refunds are paid by transfer, cheque or cash: from the account of that payment method.
REFUND_METHODS = {"transfer": PaymentMethod.TRANSFER, "cheque": PaymentMethod.CHEQUE}


def account_number_check(value: str) -> str:
    """A valid account number, upper-cased, or a French error."""
    value = (value or "").strip().upper().replace(" ", "")
    if not ACCOUNT_PATTERN.match(value) or len(value) > 20:
        raise ValidationError(ACCOUNT_RULE)
    return value


def default_vat_account(rate: Decimal) -> str:
    return DEFAULT_VAT_ACCOUNTS.get(Decimal(rate).normalize(), OTHER_VAT_ACCOUNT)


def customer_aux_code(accounting_code: str, code: str) -> str:
    """The customer's auxiliary account (CompAuxNum): its accounting code, else its code."""
    if accounting_code:
        return accounting_code
    return code if code[:1].isalpha() else f"C{code}"


@dataclass
class AccountPlan:
    """Every account the FEC and the exports need, read in a few queries."""

    settings: AccountingSettings
    vat_by_rate: dict[Decimal, str] = field(default_factory=dict)
    revenue_by_vat_rate_id: dict[int, str] = field(default_factory=dict)
    method_accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    vat_by_text: dict[Decimal | str, str] = field(default_factory=dict)

    @property
    def customers_account(self) -> str:
        return self.settings.customers_account

    @property
    def default_revenue_account(self) -> str:
        return self.settings.default_revenue_account

    @property
    def cheques_account(self) -> str:
        return self.settings.cheques_to_deposit_account

    def vat_account(self, rate: Decimal | str) -> str:
        found = self.vat_by_text.get(rate)  # the breakdown's "20.00", read once per rate
        if found is None:
            value = Decimal(rate).normalize()
            found = self.vat_by_text[rate] = self.vat_by_rate.get(value) or default_vat_account(
                value
            )
        return found

    def method_account(self, method: str) -> str:
        return self.method_accounts[method][0]

    def received_account(self, method: str, deposited: bool) -> str:
        """Where a payment's money is: a cheque not yet deposited stays on the
        cheques-to-deposit account when one is set."""
        if method == PaymentMethod.CHEQUE and self.cheques_account and not deposited:
            return self.cheques_account
        return self.method_account(method)

    def refund_account(self, method: str) -> str:
        return self.method_account(REFUND_METHODS.get(method, PaymentMethod.CASH))

    def label(self, account: str) -> str:
        return self.labels.get(account) or self._guess_label(account)

    def _guess_label(self, account: str) -> str:
        if account.startswith("706"):
            label = _("Prestations de services")
        elif account.startswith("7"):
            label = _("Ventes")
        elif account.startswith("4457"):
            label = _("TVA collectée")
        elif account.startswith("411"):
            label = _("Clients")
        else:
            label = _("Compte %(account)s") % {"account": account}
        self.labels[account] = label
        return label


def account_plan_load() -> AccountPlan:
    settings_row = AccountingSettings.load()
    plan = AccountPlan(settings=settings_row)
    rows = VatRateAccount.objects.select_related("vat_rate").order_by("vat_rate__position", "id")
    for row in rows:
        rate = row.vat_rate.rate.normalize()
        plan.vat_by_rate.setdefault(rate, row.vat_account)
        if row.revenue_account:
            plan.revenue_by_vat_rate_id[row.vat_rate_id] = row.revenue_account
    plan.method_accounts = {
        method: (account, str(label))
        for method, (account, label) in DEFAULT_METHOD_ACCOUNTS.items()
    }
    for row in PaymentMethodAccount.objects.all():
        plan.method_accounts[row.method] = (row.account, row.label or str(_("Banque")))
    labels = plan.labels
    labels[settings_row.customers_account] = _("Clients")
    labels[settings_row.default_revenue_account] = _("Prestations de services")
    if settings_row.cheques_to_deposit_account:
        labels[settings_row.cheques_to_deposit_account] = _("Chèques à encaisser")
    for rate_row in VatRate.objects.all():
        account = plan.vat_account(rate_row.rate)
        labels.setdefault(account, _("TVA collectée %(rate)s %%") % {"rate": _rate(rate_row.rate)})
    for account, label in plan.method_accounts.values():
        labels.setdefault(account, label)
    return plan


def _rate(rate: Decimal) -> str:
    return f"{Decimal(rate).normalize():f}".replace(".", ",")
