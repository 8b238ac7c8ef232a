"""The company itself, its counters, the audit trail and API tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets

from babel import Locale
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Company(Address):
    """The service company using Créneau: its legal identity, printed on every document.

    There is one row (pk=1), edited by direction in Paramètres > Société.
    """

    legal_name = models.CharField(_("raison sociale"), max_length=200, default="Ma société")
    legal_form = models.CharField(_("forme juridique"), max_length=50, blank=True)
    capital = models.DecimalField(
        _("capital (€)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    siret = models.CharField(_("SIREN / SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("n° de TVA intracommunautaire"), max_length=20, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    sap_number = models.CharField(_("n° de déclaration SAP"), max_length=30, blank=True)
    sepa_creditor_id = models.CharField(
        _("identifiant créancier SEPA (ICS)"), max_length=35, blank=True
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    logo = models.ImageField(_("logo"), upload_to="company/", blank=True)

    class Meta:
        verbose_name = _("société")
        verbose_name_plural = _("société")

    def __str__(self) -> str:
        return self.legal_name

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
