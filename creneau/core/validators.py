"""Validators for what users type: French postcodes, phones, IBAN/BIC, SIREN/SIRET, VAT.

Each raises Django's ValidationError with a French message, so that forms and the API
report the same words at the same field. The normalise_* helpers return the canonical
form to store (no spaces, upper case, E.164 for phones).
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren, siret

# Metropolitan departments 01-95 (Corsica is 20xxx), overseas 97x and 98x.
FRENCH_POSTCODE = re.compile(r"^(0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def validate_postcode(postcode: str, country: str = "FR") -> None:
    if country in ("FR", "") and not FRENCH_POSTCODE.match(postcode or ""):
        raise ValidationError(
            _("Code postal invalide : un code postal français a 5 chiffres (ex. 75011)."),
            code="postcode",
        )


def normalise_phone(value: str) -> str:
    """Return the phone in E.164 (+33612345678); French numbers may be typed nationally."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(_("Numéro de téléphone invalide."), code="phone") from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Numéro de téléphone invalide."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(value: str) -> str:
    """Display a stored phone: national format for France (06 12 34 56 78), else international."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_iban(value: str) -> str:
    value = re.sub(r"\s+", "", value or "").upper()
    if not value:
        return ""
    try:
        return IBAN(value).compact
    except SchwiftyException as error:
        raise ValidationError(
            _("IBAN invalide : vérifiez le pays, la longueur et la clé."), code="iban"
        ) from error


def normalise_bic(value: str) -> str:
    value = re.sub(r"\s+", "", value or "").upper()
    if not value:
        return ""
    try:
        return str(BIC(value))
    except SchwiftyException as error:
        raise ValidationError(
            _("BIC invalide : 8 ou 11 caractères (ex. BNPAFRPPXXX)."), code="bic"
        ) from error


def bic_from_iban(iban: str) -> str:
    """The BIC that an IBAN's bank code points to, when schwifty knows it (French banks)."""
    try:
        bic = IBAN(iban).bic
    except SchwiftyException:
        return ""
    return str(bic) if bic else ""


def normalise_siren_or_siret(value: str) -> str:
    value = re.sub(r"[\s.]+", "", value or "")
    if not value:
        return ""
    module = siren if len(value) == 9 else siret
    try:
        return module.validate(value)
    except StdnumError as error:
        raise ValidationError(
            _("SIREN (9 chiffres) ou SIRET (14 chiffres) invalide."), code="siret"
        ) from error


def normalise_vat_number(value: str) -> str:
    value = re.sub(r"[\s.\-]+", "", value or "").upper()
    if not value:
        return ""
    try:
        return vat.validate(value)
    except StdnumError as error:
        raise ValidationError(
            _("Numéro de TVA intracommunautaire invalide (ex. FR40303265045)."), code="vat"
        ) from error
