"""The services catalogue (table des prestations): VAT rates, services, their images and
the prices that a site overrides."""

from __future__ import annotations

import uuid
from decimal import Decimal

from babel.numbers import format_decimal
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from creneau.core.models import CleanTextMixin, LimitedTextField
from creneau.core.text import NAME_MAX_LENGTH
from creneau.customers.models import Site

# A service line of a quote starts as the label, a line break and this description: the
# three must fit in a quote line (core.text.DESCRIPTION_MAX_LENGTH, 2,000 characters).
SERVICE_DESCRIPTION_MAX_LENGTH = 1500


class VatRate(CleanTextMixin, models.Model):
    """A VAT rate that documents may use (20 %, 10 %, 5,5 %, 2,1 %, 0 %).

    A 0 % rate carries the wording that justifies it ("TVA non applicable, art. 293 B du
    CGI"), printed on every document that uses it. An inactive rate stays on the documents
    that used it but cannot be chosen any more.
    """

    label = models.CharField(_("libellé"), max_length=100)
    rate = models.DecimalField(
        _("taux (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    exemption_wording = models.CharField(
        _("mention d'exonération"),
        max_length=255,
        blank=True,
        help_text=_("Imprimée sur les documents ; obligatoire pour un taux nul."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("taux de TVA")
        verbose_name_plural = _("taux de TVA")
        ordering = ["position", "-rate", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=100),
                name="vatrate_rate_range",
                violation_error_message=_("Le taux doit être compris entre 0 et 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(rate__gt=0) | ~models.Q(exemption_wording=""),
                name="vatrate_zero_has_wording",
                violation_error_message=_(
                    "Un taux nul doit porter sa mention d'exonération "
                    "(ex. « TVA non applicable, art. 293 B du CGI »)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.rate_display

    @property
    def rate_display(self) -> str:
        return percent_display(self.rate)


def percent_display(rate: Decimal) -> str:
    """20 %, 5,5 %, 2,1 %: a rate the French way, without useless zeros."""
    return f"{format_decimal(Decimal(rate), format='#,##0.##', locale='fr_FR')}\u00a0%"


class Service(CleanTextMixin, models.Model):
    """A service of the catalogue (prestation): what quotes and invoices are made of."""

    class Unit(models.TextChoices):
        HOUR = "hour", _("heure")
        VISIT = "visit", _("passage")
        SQUARE_METRE = "m2", _("m²")
        FLAT = "flat", _("forfait")
        PIECE = "piece", _("pièce")

    code = models.CharField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("libellé"), max_length=NAME_MAX_LENGTH)
    description = LimitedTextField(
        _("description détaillée"), max_length=SERVICE_DESCRIPTION_MAX_LENGTH, blank=True
    )
    unit = models.CharField(_("unité"), max_length=10, choices=Unit.choices, default=Unit.HOUR)
    unit_price = models.DecimalField(
        _("prix unitaire HT"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0))],
    )
    vat_rate = models.ForeignKey(
        VatRate, verbose_name=_("taux de TVA"), on_delete=models.PROTECT, related_name="+"
    )
    is_personal_service = models.BooleanField(
        _("services à la personne"),
        default=False,
        help_text=_("Ouvre droit à l'attestation fiscale annuelle (crédit d'impôt)."),
    )
    revenue_account = models.CharField(
        _("compte de produits"),
        max_length=20,
        blank=True,
        help_text=_("Compte comptable de vente, ex. 706100 (pour les exports comptables)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("prestation")
        verbose_name_plural = _("prestations")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="service_price_not_negative",
                violation_error_message=_("Le prix unitaire ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit__in=["hour", "visit", "m2", "flat", "piece"]),
                name="service_unit_valid",
                violation_error_message=_("Unité inconnue."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.label}"


def service_image_path(instance: ServiceImage, filename: str) -> str:
    # A new name for every upload: documents cache images by file name.
    return f"catalog/services/{instance.service_id}/{uuid.uuid4().hex}/{filename}"


class ServiceImage(models.Model):
    """A picture of a service, shown (small) on quotes; stored privately, served after login."""

    service = models.ForeignKey(
        Service, verbose_name=_("prestation"), on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(_("image"), upload_to=service_image_path)
    width = models.PositiveIntegerField(_("largeur"), default=0, editable=False)
    height = models.PositiveIntegerField(_("hauteur"), default=0, editable=False)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(_("ajoutée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("image de prestation")
        verbose_name_plural = _("images de prestation")
        ordering = ["service", "position", "id"]

    def __str__(self) -> str:
        return f"{self.service.code} #{self.position}"


class SitePrice(models.Model):
    """A site's own price for a service, used instead of the catalogue price on that site."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="service_prices"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("prestation"), on_delete=models.CASCADE, related_name="site_prices"
    )
    unit_price = models.DecimalField(
        _("prix unitaire HT"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0))],
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("prix du site")
        verbose_name_plural = _("prix des sites")
        ordering = ["site", "service__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "service"],
                name="siteprice_site_service_unique",
                violation_error_message=_("Ce site a déjà un prix pour cette prestation."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="siteprice_not_negative",
                violation_error_message=_("Le prix unitaire ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} - {self.service.code}"
