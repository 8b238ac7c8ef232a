"""How customer values are shown to people (pages, forms, history)."""

from __future__ import annotations


def iban_groups(value: str) -> str:
    """FR7630006000011234567890189 -> FR76 3000 6000 0112 3456 7890 189."""
    return " ".join(value[index : index + 4] for index in range(0, len(value), 4))


def mask_iban(value: str) -> str:
    """An IBAN for who does not need it whole: country, key and the last four characters."""
    return f"{value[:4]} •••• {value[-4:]}" if len(value) > 8 else "••••"
