"""Money helpers: every amount is a Decimal rounded half-up to the cent, here and only here."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money_round(value: Decimal | int | str) -> Decimal:
    """Round an amount half-up to the cent (0.125 -> 0.13), the French invoicing rule."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
