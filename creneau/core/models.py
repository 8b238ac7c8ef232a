"""The company itself, its counters, the audit trail, API tokens and the e-mail outbox."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid

from babel import Locale
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

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
    """ISO 3166 countries, named in French, France first."""
    return list(_french_country_names())


# Cached: Django evaluates callable choices at each full_clean() of an address, and sorting
# Babel's territories costs milliseconds each time (migrations reference country_choices
# itself, which stays a plain function).
@functools.cache
def _french_country_names() -> tuple[tuple[str, str], ...]:
    names = Locale("fr").territories
    codes = sorted((code for code in names if len(code) == 2 and code.isalpha()), key=names.get)
    return (("FR", names["FR"]), *((code, names[code]) for code in codes if code != "FR"))


class Address(models.Model):
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


class NormalisedFieldsMixin(models.Model):
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

    legal_name = models.CharField(_("raison sociale"), max_length=200, default="Ma société")
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
    sepa_creditor_id = models.CharField(
        _("identifiant créancier SEPA (ICS)"), max_length=35, blank=True
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    logo = models.ImageField(_("logo"), upload_to=company_logo_path, blank=True)

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


class Counter(models.Model):
    """A named sequence (customer codes, quote and invoice numbers), locked while it is used."""

    name = models.CharField(_("nom"), max_length=50, unique=True)
    value = models.PositiveBigIntegerField(_("dernière valeur"), default=0)

    class Meta:
        verbose_name = _("compteur")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class AuditEvent(models.Model):
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


class ApiToken(models.Model):
    """A bearer token for the REST API, acting as one staff user. Only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("utilisateur"), on_delete=models.CASCADE
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate_key(cls) -> str:
        return secrets.token_urlsafe(32)


def outbox_attachment_path(attachment: OutboxAttachment, filename: str) -> str:
    """One folder per e-mail, under the private storage (never a public URL)."""
    return f"outbox/{attachment.email.message_id.hex}/{get_valid_filename(filename)}"


class OutboxEmail(models.Model):
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
    body = models.TextField(_("message"))
    html_body = models.TextField(_("message HTML"), blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
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


class OutboxAttachment(models.Model):
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
