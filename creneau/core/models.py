"""The company itself, its counters, the audit trail, API tokens and the e-mail outbox."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from decimal import Decimal
from typing import Any

import pycountry
from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from creneau.core.collation import french_sort_key
from creneau.core.text import EMAIL_BODY_MAX_LENGTH, NAME_MAX_LENGTH, strip_invisible
from creneau.core.validators import (
    bic_from_iban,
    check_address,
    normalise_bic,
    normalise_iban,
    normalise_phone,
    normalise_sepa_creditor_id,
    normalise_siren_or_siret,
    normalise_vat_number,
    validate_logo,
)


def country_choices() -> list[tuple[str, str]]:
    """The ISO 3166-1 countries, named in the interface's language, France first, then in
    alphabetical order, accents and capitals aside ("Égypte" near "Équateur", not after
    "Zimbabwe")."""
    return list(_country_names(translation.get_language() or settings.LANGUAGE_CODE))


# Cached: Django evaluates callable choices at each full_clean() of an address, and sorting
# the names costs milliseconds each time (migrations reference country_choices itself,
# which stays a plain function).
@functools.cache
def _country_names(language: str) -> tuple[tuple[str, str], ...]:
    try:
        names = Locale.parse(translation.to_locale(language)).territories
    except (ValueError, UnknownLocaleError):
        names = Locale("fr").territories
    # Babel also names regions and pseudo-territories (EU "Union européenne", UN, XA
    # "pseudo-accents", ZZ "région indéterminée"...): only ISO 3166-1 codes are countries.
    codes = sorted(
        (country.alpha_2 for country in pycountry.countries if country.alpha_2 != "FR"),
        key=lambda code: french_sort_key(names.get(code, code)),
    )
    return tuple((code, names.get(code, code)) for code in ("FR", *codes))


class LimitedTextField(models.TextField):
    """A long text (several lines) whose max_length holds everywhere: Django's TextField
    only sizes the form's textarea with it, so the model's checks (full_clean, which the
    services and the API run) would accept a megabyte. Here they refuse it, in French."""

    def __init__(self, *args: Any, max_length: int, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))


class CleanTextMixin(models.Model):
    """Removes the invisible direction and zero-width characters (core.text) from every
    text field before the checks run, so that no name, label or note keeps them, whether it
    came from a page, the API or the admin: they all run full_clean before saving."""

    class Meta:
        abstract = True

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True) -> None:
        skipped = set(exclude or ())
        for field in self._meta.concrete_fields:
            if field.name in skipped or not isinstance(field, models.CharField | models.TextField):
                continue
            value = getattr(self, field.attname)
            if isinstance(value, str):
                setattr(self, field.attname, strip_invisible(value))
        super().full_clean(
            exclude=exclude,
            validate_unique=validate_unique,
            validate_constraints=validate_constraints,
        )


class Address(CleanTextMixin, models.Model):
    """A postal address: street, postcode, city and country (ISO code, France by default)."""

    street = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=2, default="FR", choices=country_choices)

    ADDRESS_FIELDS = ("street", "postcode", "city", "country")

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        lines = [self.street, f"{self.postcode} {self.city}".strip()]
        if self.country and self.country != "FR":
            lines.append(self.get_country_display())
        return [line for line in lines if line]


class NormalisedFieldsMixin(CleanTextMixin, models.Model):
    """Puts typed values in their stored form (E.164 phones, compact IBAN...) before the
    field checks run, so that "732 829 320 00074" is read as a 14-digit SIRET, and reports
    every bad field at once. NORMALISERS maps a field to its normaliser."""

    NORMALISERS: dict = {}

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None) -> None:
        exclude = set(exclude or ())
        errors: dict[str, list] = {}
        for field, normalise in self.NORMALISERS.items():
            if field in exclude:
                continue
            try:
                setattr(self, field, normalise(getattr(self, field)))
            except ValidationError as error:
                errors[field] = error.error_list
        try:
            super().clean_fields(exclude=exclude | set(errors))
        except ValidationError as error:
            errors.update(error.error_dict)
        if errors:
            raise ValidationError(errors)


def company_logo_path(instance: Company, filename: str) -> str:
    # A new name for every upload: documents cache images by file name.
    return f"company/{uuid.uuid4().hex}/{filename}"


class Company(NormalisedFieldsMixin, Address):
    """The service company using Créneau: its legal identity, printed on every document.

    There is one row (pk=1), edited by direction in Paramètres > Société.
    """

    NORMALISERS = {
        "phone": normalise_phone,
        "iban": normalise_iban,
        "bic": normalise_bic,
        "siret": normalise_siren_or_siret,
        "vat_number": normalise_vat_number,
        "sepa_creditor_id": normalise_sepa_creditor_id,
    }

    class Register(models.TextChoices):
        """Where the company is registered: a trading company at the RCS (its greffe's
        city), a craftsman at the Répertoire des métiers (its chamber's département)."""

        RCS = "rcs", _("RCS (registre du commerce et des sociétés)")
        RM = "rm", _("RM (répertoire des métiers)")

    legal_name = models.CharField(
        _("raison sociale"), max_length=NAME_MAX_LENGTH, default="Ma société"
    )
    legal_form = models.CharField(_("forme juridique"), max_length=50, blank=True)
    capital = models.DecimalField(
        _("capital (€)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    siret = models.CharField(_("SIREN / SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("n° de TVA intracommunautaire"), max_length=20, blank=True)
    register = models.CharField(
        _("registre d'immatriculation"), max_length=3, choices=Register.choices, blank=True
    )
    register_city = models.CharField(
        _("ville du greffe ou département"),
        max_length=100,
        blank=True,
        help_text=_("Ville du greffe (RCS Lyon) ou département de la chambre des métiers (RM)."),
    )
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    sap_number = models.CharField(_("n° de déclaration SAP"), max_length=30, blank=True)
    sap_declaration_date = models.DateField(_("date de la déclaration SAP"), null=True, blank=True)
    sepa_creditor_id = models.CharField(
        _("identifiant créancier SEPA (ICS)"), max_length=35, blank=True
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    logo = models.ImageField(_("logo"), upload_to=company_logo_path, blank=True)
    late_penalty_rate = models.DecimalField(
        _("taux des pénalités de retard (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Imprimé sur les factures (au moins trois fois le taux d'intérêt légal)."),
    )
    vat_on_debits = models.BooleanField(
        _("option pour le paiement de la TVA d'après les débits"),
        default=False,
        help_text=_("Imprimé sur les factures quand la société a pris cette option."),
    )
    # SEPA direct debit (docs/sepa.md): the bank's rulebook version, the notice given to
    # debtors, the fee billed for a rejected debit.
    sepa_pain_version = models.CharField(
        _("format des prélèvements"),
        max_length=20,
        choices=[
            ("pain.008.001.02", _("pain.008.001.02 (recueil 2009, le plus courant)")),
            ("pain.008.001.08", _("pain.008.001.08 (recueil 2019)")),
        ],
        default="pain.008.001.02",
    )
    sepa_prenotification_days = models.PositiveSmallIntegerField(
        _("préavis de prélèvement (jours)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "Chaque débiteur est prévenu du montant et de la date au moins ce délai avant."
        ),
    )
    sepa_reject_fee = models.DecimalField(
        _("frais de rejet de prélèvement (TTC)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
    )
    # Accounting (docs/accounting.md): nothing dated on or before this day can be issued,
    # reversed or allocated any more.
    books_closed_until = models.DateField(
        _("période close jusqu'au"), null=True, blank=True, editable=False
    )
    invoice_line_per_visit = models.BooleanField(
        _("une ligne de facture par passage"),
        default=False,
        help_text=_(
            "Sinon, les passages d'une même prestation sur un site sont regroupés en une ligne."
        ),
    )

    class Meta:
        verbose_name = _("société")
        verbose_name_plural = _("société")

    def __str__(self) -> str:
        return self.legal_name

    def clean(self) -> None:
        """Refuse what documents could not print: no address, a bad logo, a negative capital."""
        if self.iban and not self.bic:
            self.bic = bic_from_iban(self.iban)
        errors: dict = {}
        for check in (self._clean_address, self._clean_logo):
            try:
                check()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        errors.update(self._register_errors())
        if self.capital is not None and self.capital < 0:
            errors["capital"] = [ValidationError(_("Le capital ne peut pas être négatif."))]
        if errors:
            raise ValidationError(errors)

    def _register_errors(self) -> dict[str, list[ValidationError]]:
        """Invoices print "RCS <city> <SIREN>": the register, its city and the SIREN go
        together."""
        self.register_city = " ".join((self.register_city or "").split())
        if self.register and not self.register_city:
            message = _("Indiquez la ville du greffe (ou le département pour le RM).")
            return {"register_city": [ValidationError(message)]}
        if self.register_city and not self.register:
            return {"register": [ValidationError(_("Choisissez le registre (RCS ou RM)."))]}
        if self.register and not self.siret:
            message = _("Le numéro d'immatriculation est le SIREN : indiquez-le.")
            return {"siret": [ValidationError(message)]}
        return {}

    @property
    def registration(self) -> str:
        """The registration as invoices print it: "RCS Lyon 493 868 806", "RM 493 868 806
        (Rhône)"; empty when not given."""
        if not (self.register and self.register_city and self.siret):
            return ""
        siren = self.siret[:9]
        siren = f"{siren[:3]} {siren[3:6]} {siren[6:]}"
        if self.register == self.Register.RM:
            return f"RM {siren} ({self.register_city})"
        return f"RCS {self.register_city} {siren}"

    def _clean_address(self) -> None:
        check_address(self, required=True)

    def _clean_logo(self) -> None:
        # Only a newly uploaded file is checked; the stored one was checked when it came in.
        if self.logo and not self.logo._committed:
            try:
                extension = validate_logo(self.logo.file)
            except ValidationError as error:
                raise ValidationError({"logo": error}) from error
            self.logo.name = f"logo.{extension}"

    @classmethod
    def load(cls) -> Company:
        company, _created = cls.objects.get_or_create(pk=1)
        return company


class Counter(CleanTextMixin, models.Model):
    """A named sequence (customer codes, quote and invoice numbers), locked while it is used."""

    name = models.CharField(_("nom"), max_length=50, unique=True)
    value = models.PositiveBigIntegerField(_("dernière valeur"), default=0)

    class Meta:
        verbose_name = _("compteur")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class AuditEvent(CleanTextMixin, models.Model):
    """One change made by someone: what, to which object, when, and the fields before/after.

    Rows that concern a customer (the customer itself, its sites, contacts, documents...)
    carry that customer's id, so the record's history tab is one indexed query.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("création")
        UPDATE = "update", _("modification")
        DELETE = "delete", _("suppression")
        DEACTIVATE = "deactivate", _("désactivation")
        OTHER = "other", _("action")

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # A plain id, not a foreign key: core sits below customers, and the trail of a deleted
    # customer must outlive it.
    customer_id = models.PositiveBigIntegerField(_("client"), null=True, blank=True)
    object_type = models.CharField(_("type d'objet"), max_length=50)
    object_id = models.CharField(_("identifiant"), max_length=50)
    object_repr = models.CharField(_("objet"), max_length=255)
    changes = models.JSONField(_("changements"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("événement d'historique")
        verbose_name_plural = _("historique")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer_id", "-created_at"], name="audit_customer_date")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class ApiTokenQuerySet(models.QuerySet):
    """Tokens by state; a token's last day is a date in the company's time zone."""

    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at=None).filter(
            models.Q(expires_on=None) | models.Q(expires_on__gte=timezone.localdate())
        )

    def expired(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at=None, expires_on__lt=timezone.localdate())

    def revoked(self) -> ApiTokenQuerySet:
        return self.exclude(revoked_at=None)


class ApiToken(CleanTextMixin, models.Model):
    """A bearer token for the REST API, acting as one staff user. Only its hash is stored.

    Its owner names it (which script or tool uses it), may give it a last day, and revokes
    it in "Mon compte"; direction revokes anyone's. A revoked token stays, with who revoked
    it and when, so that the history of who could reach the API stays readable.
    """

    class State(models.TextChoices):
        ACTIVE = "active", _("actif")
        EXPIRED = "expired", _("expiré")
        REVOKED = "revoked", _("révoqué")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("utilisateur"), on_delete=models.CASCADE
    )
    name = models.CharField(_("nom"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # A day, not an instant: the token works until the end of that day (Europe/Paris).
    expires_on = models.DateField(_("expire le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("révoqué par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate_key(cls) -> str:
        return secrets.token_urlsafe(32)

    @property
    def state(self) -> ApiToken.State:
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_on is not None and self.expires_on < timezone.localdate():
            return self.State.EXPIRED
        return self.State.ACTIVE


def outbox_attachment_path(attachment: OutboxAttachment, filename: str) -> str:
    """One folder per e-mail, under the private storage (never a public URL)."""
    return f"outbox/{attachment.email.message_id.hex}/{get_valid_filename(filename)}"


class OutboxEmail(CleanTextMixin, models.Model):
    """An e-mail the application sends, written in the transaction that caused it.

    A task sends it over SMTP after commit; a failure is retried with back-off and shows
    on the E-mails screen with its error. `related_type`/`related_id` name the object it
    is about (a quote, an invoice...), so that object can list its e-mails.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        # Only ever written inside the transaction that holds the row's lock while the
        # SMTP server is talking: it never outlives that transaction (see core/outbox.py).
        SENDING = "sending", _("envoi en cours")
        SENT = "sent", _("envoyé")
        RETRYING = "retrying", _("nouvel essai prévu")
        FAILED = "failed", _("échec définitif")

    to = models.JSONField(_("destinataires"), default=list)
    cc = models.JSONField(_("copie à"), default=list, blank=True)
    reply_to = models.JSONField(_("répondre à"), default=list, blank=True)
    from_email = models.CharField(_("expéditeur"), max_length=255)
    subject = models.CharField(_("objet"), max_length=255)
    body = LimitedTextField(_("message"), max_length=EMAIL_BODY_MAX_LENGTH)
    # Room for the markup around the message.
    html_body = LimitedTextField(
        _("message HTML"), max_length=4 * EMAIL_BODY_MAX_LENGTH, blank=True
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    # The outbox keeps the first 2,000 characters of an error (core/services.py).
    last_error = LimitedTextField(_("dernière erreur"), max_length=2000, blank=True)
    next_attempt_at = models.DateTimeField(_("prochain essai"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Plain ids, like AuditEvent: core sits below the apps whose objects send e-mails.
    customer_id = models.PositiveBigIntegerField(_("client"), null=True, blank=True)
    related_type = models.CharField(_("type d'objet"), max_length=50, blank=True)
    related_id = models.CharField(_("identifiant de l'objet"), max_length=50, blank=True)
    related_repr = models.CharField(_("objet concerné"), max_length=255, blank=True)
    message_id = models.UUIDField(_("identifiant du message"), default=uuid.uuid4, unique=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due"),
            models.Index(fields=["related_type", "related_id"], name="outbox_related"),
            models.Index(fields=["customer_id", "-created_at"], name="outbox_customer_date"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    # The error's class (recorded first in last_error) in words a user can act on.
    ERROR_SUMMARIES = {
        "ConnectionRefusedError": _("Serveur d'envoi injoignable"),
        "TimeoutError": _("Serveur d'envoi trop lent à répondre"),
        "gaierror": _("Serveur d'envoi introuvable (nom d'hôte)"),
        "SMTPServerDisconnected": _("Connexion coupée par le serveur d'envoi"),
        "SMTPConnectError": _("Serveur d'envoi injoignable"),
        "SMTPAuthenticationError": _("Identifiant ou mot de passe SMTP refusé"),
        "SMTPRecipientsRefused": _("Destinataire refusé par le serveur"),
        "SMTPSenderRefused": _("Expéditeur refusé par le serveur"),
        "SMTPDataError": _("Message refusé par le serveur"),
        "FileNotFoundError": _("Pièce jointe introuvable"),
    }

    @property
    def error_summary(self) -> str:
        if not self.last_error:
            return ""
        kind = self.last_error.split(":", 1)[0]
        return str(self.ERROR_SUMMARIES.get(kind, _("Erreur d'envoi")))

    @property
    def message_id_header(self) -> str:
        """The Message-ID header: the same on every attempt, so a retry is recognisable."""
        domain = self.from_email.rsplit("@", 1)[-1].strip(" >") or "localhost"
        return f"<{self.message_id}@{domain}>"


class OutboxAttachment(CleanTextMixin, models.Model):
    """A file attached to an outbox e-mail (a quote's PDF...), kept on the private storage."""

    email = models.ForeignKey(
        OutboxEmail,
        verbose_name=_("e-mail"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("fichier"), upload_to=outbox_attachment_path, max_length=255)
    filename = models.CharField(_("nom du fichier"), max_length=255)
    mimetype = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename
