"""File sizes as people read them, in the interface and the history: one way everywhere
(the documents of a customer, the attachments of an e-mail)."""

from __future__ import annotations

from babel.numbers import format_decimal
from django.utils.translation import get_language, pgettext


def file_size(size: int | None) -> str:
    """A size as people read it, French style: 512 o, 12,5 Ko, 1,2 Mo (1 Ko = 1024 o)."""
    if size is None:
        return ""
    locale = "fr_FR" if (get_language() or "fr").startswith("fr") else "en_GB"
    # A context, so that "Go" is not taken for the button of Django's own catalogue.
    units = [
        pgettext("taille de fichier", "o"),
        pgettext("taille de fichier", "Ko"),
        pgettext("taille de fichier", "Mo"),
        pgettext("taille de fichier", "Go"),
        pgettext("taille de fichier", "To"),
    ]
    value, unit = float(size), 0
    while round(value, 1) >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    number = format_decimal(round(value, 1), format="#,##0.#", locale=locale)
    return f"{number}\u00a0{units[unit]}"
