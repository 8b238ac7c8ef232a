"""French display of the figures of a quote line: quantities, unit prices, rates."""

import functools
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal
from django import template

from creneau.catalog.models import percent_display

register = template.Library()


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def quantity(value) -> str:
    """2.500 -> '2,5'; 1234.000 -> '1 234' (up to 3 decimals, none useless)."""
    number = _decimal(value)
    return "" if number is None else _quantity(number + 0)


@register.filter
def unit_price(value) -> str:
    """A unit price with 2 to 4 decimals: 12.5 -> '12,50 €', 0.1234 -> '0,1234 €'."""
    number = _decimal(value)
    return "" if number is None else _unit_price(number + 0)


@register.filter
def percent(value) -> str:
    number = _decimal(value)
    return "" if number is None else _percent(number + 0)


# Babel takes about 0.1 ms a number, and a quote prints the same few quantities, prices and
# rates again and again: the texts are kept. Equal decimals (2.5, 2.500) print the same
# here; + 0 above turns -0 into 0, which would otherwise share an entry with it.
@functools.lru_cache(maxsize=4096)
def _quantity(number: Decimal) -> str:
    return format_decimal(number, format="#,##0.###", locale="fr_FR")


@functools.lru_cache(maxsize=4096)
def _unit_price(number: Decimal) -> str:
    return format_currency(
        number, "EUR", format="#,##0.00##\u00a0¤", locale="fr_FR", currency_digits=False
    )


@functools.lru_cache(maxsize=256)
def _percent(number: Decimal) -> str:
    return percent_display(number)


@register.filter
def input_decimal(value, places: int = 2) -> str:
    """A value to put back in an input: a decimal comma, no thousands separator, and only
    the decimals that say something (1.500 -> '1,5'; a price keeps at least 2)."""
    number = _decimal(value)
    if number is None:
        return ""
    minimum = 2 if int(places) >= 4 else 0
    pattern = "0." + "0" * minimum + "#" * (int(places) - minimum)
    return format_decimal(number, format=pattern, locale="fr_FR", group_separator=False)
