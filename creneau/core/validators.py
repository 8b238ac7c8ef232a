"""Validators for what users type: French postcodes, phones, IBAN/BIC, SIREN/SIRET, VAT,
the SEPA creditor identifier and image uploads.

Each raises Django's ValidationError with a French message, so that forms and the API
report the same words at the same field. The normalise_* helpers return the canonical
form to store (no spaces, upper case, E.164 for phones).
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _
from PIL import Image
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import at_02, vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren, siret

# Metropolitan departments 01-95 (Corsica is 20xxx), overseas 97x and 98x.
FRENCH_POSTCODE = re.compile(r"^(0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def normalise_postcode(postcode: str, country: str = "FR") -> str:
    """A French postcode typed "75 011" is 75011; others keep their inner spaces (SW1A 1AA)."""
    postcode = (postcode or "").strip()
    if country in ("FR", ""):
        return re.sub(r"[\s.]+", "", postcode)
    return postcode


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


# A French ICS: FR, 2 check digits, a 3-character creditor business code (often ZZZ) and
# a 6-character national identifier, 13 characters in all (Banque de France).
FRENCH_CREDITOR_ID = re.compile(r"^FR\d{2}[A-Z0-9]{3}[A-Z0-9]{6}$")
# Other SEPA countries: country code, 2 check digits, business code, national id (≤ 35).
SEPA_CREDITOR_ID = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")


def normalise_sepa_creditor_id(value: str) -> str:
    """Return the SEPA creditor identifier (ICS) compact and upper case, or refuse it.

    The ISO 7064 mod 97-10 check is python-stdnum's (stdnum.eu.at_02); the format of a
    French ICS, which stdnum does not know, is checked here first.
    """
    value = re.sub(r"[\s\-]+", "", value or "").upper()
    if not value:
        return ""
    pattern = FRENCH_CREDITOR_ID if value.startswith("FR") else SEPA_CREDITOR_ID
    if not pattern.match(value):
        raise ValidationError(
            _(
                "Identifiant créancier SEPA invalide : en France, 13 caractères "
                "(FR, 2 chiffres de clé, puis 9 lettres ou chiffres, ex. FR72ZZZ123456)."
            ),
            code="sepa_creditor_id",
        )
    try:
        return at_02.validate(value)
    except StdnumError as error:
        raise ValidationError(
            _("Identifiant créancier SEPA invalide : la clé de contrôle ne correspond pas."),
            code="sepa_creditor_id",
        ) from error


def check_address(instance: object, *, required: bool) -> None:
    """Refuse a missing street, postcode or city (when required) and a bad French postcode;
    a French postcode typed with a space is stored compact."""
    errors = {}
    if required:
        for field in ("street", "postcode", "city"):
            if not getattr(instance, field).strip():
                errors[field] = ValidationError(_("Ce champ est obligatoire."), code="required")
    instance.postcode = normalise_postcode(instance.postcode, instance.country)
    if instance.postcode and "postcode" not in errors:
        try:
            validate_postcode(instance.postcode, instance.country)
        except ValidationError as error:
            errors["postcode"] = error
    if errors:
        raise ValidationError(errors)


LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 4000
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}


def validate_logo(file: File) -> str:
    """Check that an uploaded logo is a real PNG, JPEG, WebP or GIF image of reasonable size,
    by reading its content (the name and the browser's content type prove nothing).
    Returns the file extension that matches the content."""
    if file.size > LOGO_MAX_BYTES:
        raise ValidationError(_("Le logo est trop lourd : 2 Mo au plus."), code="logo_too_big")
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("Le logo doit être une image PNG, JPEG, WebP ou GIF."), code="logo_not_image"
        ) from error
    finally:
        file.seek(0)
    if image_format not in LOGO_FORMATS:
        raise ValidationError(
            _("Le logo doit être une image PNG, JPEG, WebP ou GIF."), code="logo_not_image"
        )
    if max(width, height) > LOGO_MAX_PIXELS:
        raise ValidationError(
            _("Le logo est trop grand : 4000 pixels de côté au plus."), code="logo_too_big"
        )
    return LOGO_FORMATS[image_format]
