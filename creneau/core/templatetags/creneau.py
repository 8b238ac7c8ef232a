"""Template filters for French display: phones, money, file sizes, and HTMX helpers."""

import functools
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from django import template
from django.utils.translation import get_language

from creneau.core.file_sizes import file_size as _file_size
from creneau.core.validators import format_phone

register = template.Library()


def _locale() -> str:
    return "fr_FR" if (get_language() or "fr").startswith("fr") else "en_GB"


@register.filter
def phone(value: str) -> str:
    return format_phone(value)


@register.filter
def file_size(size: int | None) -> str:
    """34000 -> '33,2 Ko', as the documents show it (Django's filesizeformat says 'Kio')."""
    return _file_size(size)


@register.filter
def money(value: Decimal | None) -> str:
    """1234.5 -> '1 234,50 €' (narrow no-break space for thousands, no-break space before €)."""
    if value is None or value == "":
        return ""
    # + 0 turns -0.00 into 0.00: they share a cache entry, and "-0,00 €" means nothing.
    return _euros(Decimal(value) + 0, _locale())


# Babel formats a number in about 0.1 ms; pages and PDFs print the same amounts over and
# over (unit prices, rates, totals), so the formatted text is kept. Equal decimals (1.1 and
# 1.10) print the same with two decimals, so they may share an entry.
@functools.lru_cache(maxsize=8192)
def _euros(value: Decimal, locale: str) -> str:
    return format_currency(value, "EUR", locale=locale)


@register.filter
def number(value: Decimal | int | None, digits: int = 2) -> str:
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(value), format=f"#,##0.{'0' * int(digits)}", locale=_locale())


@register.filter
def siret(value: str) -> str:
    """'73282932000074' -> '732 829 320 00074' (a SIREN alone: '732 829 320')."""
    digits = (value or "").replace(" ", "")
    if not digits.isdigit() or len(digits) not in (9, 14):
        return value or ""
    grouped = f"{digits[:3]} {digits[3:6]} {digits[6:9]}"
    return f"{grouped} {digits[9:]}" if len(digits) == 14 else grouped
