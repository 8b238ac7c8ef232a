"""The business sizes of a quote line, set in the settings (docs/quotes.md): what a
service company quotes, and what the printed columns hold. A quantity of 999,999,999 at
100 € was once accepted and finalised, and its PDF ran past the margins.

The model's validation, the services, the editor's form and the API schema all read them
here, so the page and the API refuse the same values with the same French words.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.utils.translation import gettext as _


def max_quantity() -> Decimal:
    """The largest quantity of a line (a discount line's, negative, in absolute value)."""
    return Decimal(str(settings.QUOTE_LINE_MAX_QUANTITY))


def max_unit_price() -> Decimal:
    return Decimal(str(settings.QUOTE_LINE_MAX_UNIT_PRICE))


def max_amount() -> Decimal:
    """The largest line total, and the largest total of a quote (HT, TVA and TTC)."""
    return Decimal(str(settings.QUOTE_MAX_AMOUNT))


def _euros(amount: Decimal) -> str:
    return format_currency(amount, "EUR", locale="fr_FR")


def quantity_error() -> str:
    return _("La quantité ne peut pas dépasser %(max)s.") % {
        "max": format_decimal(max_quantity(), format="#,##0.###", locale="fr_FR")
    }


def unit_price_error() -> str:
    return _("Le prix unitaire ne peut pas dépasser %(max)s.") % {"max": _euros(max_unit_price())}


def amount_error() -> str:
    return _("Montant trop élevé : un montant ne peut pas dépasser %(max)s.") % {
        "max": _euros(max_amount())
    }


def line_bound_errors(
    *, quantity: Decimal | None, unit_price: Decimal | None, net: Decimal | None = None
) -> dict[str, str]:
    """The line's figures beyond the business sizes, as {field: French message}."""
    errors = {}
    if quantity is not None and abs(quantity) > max_quantity():
        errors["quantity"] = quantity_error()
    if unit_price is not None and unit_price > max_unit_price():
        errors["unit_price"] = unit_price_error()
    if not errors and net is not None and abs(net) > max_amount():
        errors["unit_price"] = amount_error()
    return errors
