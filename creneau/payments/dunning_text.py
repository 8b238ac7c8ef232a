"""The placeholders of a reminder's subject and text ({client}, {montant_du}...), checked
when a level is saved and filled in when a reminder is prepared.

Written by hand rather than with str.format or a template engine: str.format reads
attributes ("{client.__class__}") and Django's templates would let a level's text reach
objects and tags. Here a placeholder is a plain word between braces, looked up in a dict of
strings that Python has already formatted; anything else is refused when the level is
saved."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# The placeholders a level may use, with what each becomes (Paramètres > Relances lists
# them beside the text, and docs/dunning.md).
PLACEHOLDERS: dict[str, str] = {
    "client": gettext_lazy("le nom du client"),
    "code_client": gettext_lazy("le code du client"),
    "factures": gettext_lazy("les numéros des factures relancées"),
    "factures_detail": gettext_lazy(
        "une ligne par facture : numéro, date, échéance, montant, reste dû"
    ),
    "montant_du": gettext_lazy("le total restant dû des factures relancées"),
    "echeances": gettext_lazy("les dates d'échéance"),
    "solde": gettext_lazy("le solde du client, toutes factures confondues"),
    "frais": gettext_lazy("les frais, l'indemnité et les intérêts ajoutés par ce niveau"),
    "date_limite": gettext_lazy("la date limite de paiement (8 jours après l'envoi)"),
    "iban": gettext_lazy("l'IBAN de la société"),
    "bic": gettext_lazy("le BIC de la société"),
    "societe": gettext_lazy("le nom de la société"),
}


def reminder_text_check(text: str) -> None:
    """Refuse a subject or text naming a placeholder that does not exist."""
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        names = ", ".join(f"{{{name}}}" for name in unknown)
        raise ValidationError(
            _("Champ inconnu : %(names)s. Champs possibles : %(known)s.")
            % {"names": names, "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)}
        )


def reminder_text_render(text: str, values: dict[str, str]) -> str:
    """Fill the placeholders with `values` (strings already formatted the French way); a
    placeholder missing from `values` is left as it was typed."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)
