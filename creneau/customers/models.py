"""The customer record: families, customers, their sites, contacts and documents."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from creneau.core.models import Address, CleanTextMixin, LimitedTextField, NormalisedFieldsMixin
from creneau.core.text import NAME_MAX_LENGTH, NOTES_MAX_LENGTH
from creneau.core.validators import (
    check_address,
    normalise_bic,
    normalise_iban,
    normalise_phone,
    normalise_siren_or_siret,
    normalise_vat_number,
)


class Family(CleanTextMixin, models.Model):
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


class Customer(NormalisedFieldsMixin, Address):
    """Who orders and pays (donneur d'ordre): holds the billing address; work is on its sites.

    The address fields inherited from Address are the billing address.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Particulier")
        BUSINESS = "business", _("Professionnel")

    NORMALISERS = {
        "phone": normalise_phone,
        "mobile": normalise_phone,
        "iban": normalise_iban,
        "bic": normalise_bic,
        "siret": normalise_siren_or_siret,
        "vat_number": normalise_vat_number,
    }

    code = models.CharField(_("code client"), max_length=20, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    name = models.CharField(_("nom"), max_length=NAME_MAX_LENGTH)
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
    notes = LimitedTextField(_("observations"), max_length=NOTES_MAX_LENGTH, blank=True)
    siret = models.CharField(_("SIREN / SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("n° de TVA intracommunautaire"), max_length=20, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    accounting_code = models.CharField(_("code comptable"), max_length=30, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("délai de paiement (jours)"), default=30
    )
    visit_reminders = models.BooleanField(
        _("rappel de passage par e-mail"),
        default=False,
        help_text=_("Un e-mail la veille de chaque intervention, à l'adresse du client."),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # Lower-case, accent-free words of the name, code, phones, e-mail, address and of every
    # site's name and address: what the search box matches (trigram-indexed on PostgreSQL).
    search_text = models.TextField(editable=False, default="")
    # The name without accents nor capitals (core.collation.name_key), set by the services:
    # lists sort on it, in the French order and through an index, and the duplicate check
    # compares it ("Residence les Tilleuls" is "Résidence Les Tilleuls").
    name_key = models.CharField(max_length=200, editable=False, default="")

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name_key", "id"]
        indexes = [
            models.Index(fields=["sales_rep", "name_key", "id"], name="customer_rep_name_key"),
            models.Index(fields=["postcode", "name_key"], name="customer_postcode_name_key"),
            models.Index(fields=["email"], name="customer_email"),
            models.Index(fields=["phone"], name="customer_phone"),
            models.Index(fields=["mobile"], name="customer_mobile"),
            # The list's sort orders (SORTABLE in selectors.py) and its city filter, so that
            # a page of 25 is read in index order instead of sorting 100,000 rows.
            models.Index(fields=["name_key", "id"], name="customer_name_key_id"),
            models.Index(fields=["city", "name_key", "id"], name="customer_city_name_key"),
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
        check_address(self, required=True)


billing_group_validator = RegexValidator(
    r"^[A-Z0-9]$", _("Le groupe de facturation est une lettre (A-Z) ou un chiffre (0-9).")
)


class Site(Address):
    """A place where work is done (site d'intervention); a customer has one or many."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField(_("nom du site"), max_length=NAME_MAX_LENGTH)
    access_notes = LimitedTextField(
        _("observations d'accès"),
        max_length=NOTES_MAX_LENGTH,
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


class Contact(NormalisedFieldsMixin, models.Model):
    """A person at the customer (interlocuteur), optionally attached to one of its sites."""

    class Role(models.TextChoices):
        DIRECTION = "direction", _("Direction")
        ACCOUNTING = "accounting", _("Comptabilité")
        TECHNICAL = "technical", _("Technique")
        FAMILY = "family", _("Membre de la famille")
        OTHER = "other", _("Autre")

    NORMALISERS = {"phone": normalise_phone, "mobile": normalise_phone}

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
    name = models.CharField(_("nom"), max_length=NAME_MAX_LENGTH)
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
        if self.site_id and self.customer_id and self.site.customer_id != self.customer_id:
            raise ValidationError({"site": _("Ce site appartient à un autre client.")})


class InvoiceRecipient(CleanTextMixin, models.Model):
    """Who receives a billing group's invoices and/or reminders (destinataire de
    facturation): a contact of the customer, or a plain e-mail address. Without any, the
    customer's own e-mail is used."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="invoice_recipients",
    )
    billing_group = models.CharField(
        _("groupe de facturation"),
        max_length=1,
        default="A",
        validators=[billing_group_validator],
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("interlocuteur"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invoice_recipients",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    for_invoices = models.BooleanField(_("factures"), default=True)
    for_reminders = models.BooleanField(_("relances"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("destinataire de facturation")
        verbose_name_plural = _("destinataires de facturation")
        ordering = ["customer", "billing_group", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(contact__isnull=False, email="")
                    | models.Q(contact__isnull=True) & ~models.Q(email="")
                ),
                name="invoicerecipient_contact_or_email",
                violation_error_message=_(
                    "Un destinataire est un interlocuteur ou une adresse e-mail, l'un des deux."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(for_invoices=True) | models.Q(for_reminders=True),
                name="invoicerecipient_receives_something",
                violation_error_message=_("Cochez au moins les factures ou les relances."),
            ),
            models.CheckConstraint(
                condition=models.Q(billing_group__regex=r"^[A-Z0-9]$"),
                name="invoicerecipient_billing_group_valid",
                violation_error_message=_(
                    "Le groupe de facturation est une lettre (A-Z) ou un chiffre (0-9)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        """The e-mail address to write to (a contact's own, which may be empty)."""
        return self.contact.email if self.contact_id else self.email

    def clean(self) -> None:
        if self.contact_id and self.customer_id and self.contact.customer_id != self.customer_id:
            raise ValidationError({"contact": _("Cet interlocuteur est celui d'un autre client.")})
        if self.contact_id and self.email:
            raise ValidationError(
                {"email": _("Choisissez un interlocuteur ou une adresse e-mail, pas les deux.")}
            )
        if not self.contact_id and not self.email:
            raise ValidationError(
                {"email": _("Choisissez un interlocuteur ou saisissez une adresse e-mail.")}
            )


def document_storage_path(instance: Document, filename: str) -> str:
    """Where a document's bytes are stored: documents/<customer id>/<random id>.

    Never derived from the name the user gave, so that no name can reach another path or
    overwrite another file; two uploads of "rib.pdf" get two paths.
    """
    return f"documents/{instance.customer_id}/{uuid.uuid4().hex}"


class Document(CleanTextMixin, models.Model):
    """A file attached to a customer (RIB, identity card, contract, photo of a site...),
    kept in private storage and opened only through views that apply the visibility rule.

    `name` is the cleaned original name, shown and used when the file is downloaded; the
    stored path never depends on it. The content type is judged from the bytes at upload.
    """

    class Kind(models.TextChoices):
        RIB = "rib", _("RIB")
        IDENTITY = "identity", _("Pièce d'identité")
        PHOTO = "photo", _("Photo")
        CONTRACT = "contract", _("Contrat")
        OTHER = "other", _("Autre")

    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.PROTECT, related_name="documents"
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    name = models.CharField(_("nom du fichier"), max_length=255)
    file = models.FileField(_("fichier"), upload_to=document_storage_path, max_length=255)
    content_type = models.CharField(_("type de contenu"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    note = models.CharField(_("note"), max_length=500, blank=True)
    portal_visible = models.BooleanField(
        _("visible sur le portail"),
        default=False,
        help_text=_("Le client peut le télécharger depuis son portail."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/webp")

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-uploaded_at"], name="document_customer_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["rib", "identity", "photo", "contract", "other"]),
                name="document_kind_valid",
                violation_error_message=_("Type de document inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(size__gt=0),
                name="document_size_positive",
                violation_error_message=_("Le fichier est vide."),
            ),
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="document_sha256_hex",
                violation_error_message=_("Empreinte SHA-256 invalide."),
            ),
            models.UniqueConstraint(
                fields=["file"],
                name="document_file_unique",
                violation_error_message=_("Ce fichier stocké appartient déjà à un document."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.site_id and self.customer_id and self.site.customer_id != self.customer_id:
            raise ValidationError({"site": _("Ce site appartient à un autre client.")})

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def opens_inline(self) -> bool:
        """Browsers show PDF and common images themselves; the rest is downloaded."""
        return self.content_type in self.INLINE_TYPES
