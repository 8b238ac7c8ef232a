"""The customer record: families, customers, their sites and contacts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from creneau.core.models import Address
from creneau.core.validators import (
    normalise_bic,
    normalise_iban,
    normalise_phone,
    normalise_siren_or_siret,
    normalise_vat_number,
    validate_postcode,
)


def normalise_fields(instance: models.Model, normalisers: dict) -> None:
    """Put typed values in their stored form (E.164 phones, compact IBAN...), or raise
    one ValidationError naming every bad field."""
    errors = {}
    for field, normalise in normalisers.items():
        try:
            setattr(instance, field, normalise(getattr(instance, field)))
        except ValidationError as error:
            errors[field] = error
    if errors:
        raise ValidationError(errors)


def check_address(instance: Address, *, required: bool) -> None:
    errors = {}
    if required:
        for field in ("street", "postcode", "city"):
            if not getattr(instance, field).strip():
                errors[field] = ValidationError(_("Ce champ est obligatoire."), code="required")
    if instance.postcode and "postcode" not in errors:
        try:
            validate_postcode(instance.postcode, instance.country)
        except ValidationError as error:
            errors["postcode"] = error
    if errors:
        raise ValidationError(errors)


class Family(models.Model):
    """A segment of customers (Particuliers, Syndics, Banques...), used to filter and search."""

    name = models.CharField(_("nom"), max_length=100)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("famille")
        verbose_name_plural = _("familles")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="family_name_unique",
                violation_error_message=_("Une famille porte déjà ce nom."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Customer(Address):
    """Who orders and pays (donneur d'ordre): holds the billing address; work is on its sites.

    The address fields inherited from Address are the billing address.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Particulier")
        BUSINESS = "business", _("Professionnel")

    code = models.CharField(_("code client"), max_length=20, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    name = models.CharField(_("nom"), max_length=200)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    family = models.ForeignKey(
        Family, verbose_name=_("famille"), null=True, blank=True, on_delete=models.SET_NULL
    )
    sales_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commercial"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portfolio",
    )
    notes = models.TextField(_("observations"), blank=True)
    siret = models.CharField(_("SIREN / SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("n° de TVA intracommunautaire"), max_length=20, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    accounting_code = models.CharField(_("code comptable"), max_length=30, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("délai de paiement (jours)"), default=30
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # Lower-case, accent-free words of the name, code, phones, e-mail, address and of every
    # site's name and address: what the search box matches (trigram-indexed on PostgreSQL).
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "id"]
        indexes = [
            models.Index(Lower("name"), "id", name="customer_name_ci"),
            models.Index(fields=["sales_rep", "name"], name="customer_rep_name"),
            models.Index(fields=["postcode"], name="customer_postcode"),
            models.Index(fields=["email"], name="customer_email"),
            models.Index(fields=["phone"], name="customer_phone"),
            models.Index(fields=["mobile"], name="customer_mobile"),
            # The list's sort orders (SORTABLE in selectors.py) and its city filter, so that
            # a page of 25 is read in index order instead of sorting 100,000 rows.
            models.Index(fields=["name", "id"], name="customer_name_id"),
            models.Index(fields=["city", "name", "id"], name="customer_city_name"),
            models.Index(fields=["created_at", "id"], name="customer_created"),
            # A rep's list counts its active customers from the index alone.
            models.Index(fields=["sales_rep", "is_active"], name="customer_rep_active"),
            models.Index(Upper("city"), name="customer_city_ci"),
            # E-mail searches and the duplicate check compare e-mails case-insensitively.
            models.Index(Upper("email"), name="customer_email_ci"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["individual", "business"]),
                name="customer_kind_valid",
                violation_error_message=_("Type de client inconnu."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        normalise_fields(
            self,
            {
                "phone": normalise_phone,
                "mobile": normalise_phone,
                "iban": normalise_iban,
                "bic": normalise_bic,
                "siret": normalise_siren_or_siret,
                "vat_number": normalise_vat_number,
            },
        )
        check_address(self, required=True)


billing_group_validator = RegexValidator(
    r"^[A-Z0-9]$", _("Le groupe de facturation est une lettre (A-Z) ou un chiffre (0-9).")
)


class Site(Address):
    """A place where work is done (site d'intervention); a customer has one or many."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField(_("nom du site"), max_length=200)
    access_notes = models.TextField(
        _("observations d'accès"),
        blank=True,
        help_text=_("Interphone, digicode, boîte à clés, consignes."),
    )
    billing_group = models.CharField(
        _("groupe de facturation"),
        max_length=1,
        default="A",
        validators=[billing_group_validator],
        help_text=_(
            "Les sites d'un client qui partagent le même groupe sont facturés ensemble ; "
            "des groupes différents donnent des factures séparées."
        ),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["customer", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(billing_group__regex=r"^[A-Z0-9]$"),
                name="site_billing_group_valid",
                violation_error_message=_(
                    "Le groupe de facturation est une lettre (A-Z) ou un chiffre (0-9)."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        check_address(self, required=False)


class Contact(models.Model):
    """A person at the customer (interlocuteur), optionally attached to one of its sites."""

    class Role(models.TextChoices):
        DIRECTION = "direction", _("Direction")
        ACCOUNTING = "accounting", _("Comptabilité")
        TECHNICAL = "technical", _("Technique")
        FAMILY = "family", _("Membre de la famille")
        OTHER = "other", _("Autre")

    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contacts"
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    name = models.CharField(_("nom"), max_length=200)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.OTHER)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("interlocuteur")
        verbose_name_plural = _("interlocuteurs")
        ordering = ["customer", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        normalise_fields(self, {"phone": normalise_phone, "mobile": normalise_phone})
        if self.site_id and self.customer_id and self.site.customer_id != self.customer_id:
            raise ValidationError({"site": _("Ce site appartient à un autre client.")})
