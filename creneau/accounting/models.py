"""Accounting: the accounts that the FEC and the exports write to, the fiscal years and
their closing, and the annual tax certificates (attestations fiscales) of home services."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creneau.catalog.models import VatRate
from creneau.core.models import CleanTextMixin
from creneau.customers.models import Customer
from creneau.payments.models import PaymentMethod

ACCOUNT_MAX_LENGTH = 20
JOURNAL_CODE_MAX_LENGTH = 10


class AccountingSettings(CleanTextMixin, models.Model):
    """Paramètres > Comptabilité: the general accounts and journals, with the usual French
    defaults (plan comptable général). One row (pk 1)."""

    customers_account = models.CharField(
        _("compte collectif clients"), max_length=ACCOUNT_MAX_LENGTH, default="411000"
    )
    default_revenue_account = models.CharField(
        _("compte de produits par défaut"), max_length=ACCOUNT_MAX_LENGTH, default="706000"
    )
    # Cheques received go to this account until they are deposited at the bank; empty,
    # they go straight to the bank account of their method.
    cheques_to_deposit_account = models.CharField(
        _("compte des chèques à encaisser"), max_length=ACCOUNT_MAX_LENGTH, blank=True
    )
    sales_journal_code = models.CharField(
        _("code du journal des ventes"), max_length=JOURNAL_CODE_MAX_LENGTH, default="VT"
    )
    sales_journal_label = models.CharField(
        _("libellé du journal des ventes"), max_length=100, default="Ventes"
    )
    bank_journal_code = models.CharField(
        _("code du journal de banque"), max_length=JOURNAL_CODE_MAX_LENGTH, default="BQ"
    )
    bank_journal_label = models.CharField(
        _("libellé du journal de banque"), max_length=100, default="Banque"
    )

    class Meta:
        verbose_name = _("paramètres comptables")
        verbose_name_plural = _("paramètres comptables")

    def __str__(self) -> str:
        return str(_("Paramètres comptables"))

    @classmethod
    def load(cls) -> AccountingSettings:
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class VatRateAccount(CleanTextMixin, models.Model):
    """The accounts of one VAT rate: where its VAT collected goes (44571…), and its revenue
    account when the service sold has none of its own."""

    vat_rate = models.OneToOneField(
        VatRate, verbose_name=_("taux de TVA"), on_delete=models.CASCADE, related_name="accounts"
    )
    vat_account = models.CharField(
        _("compte de TVA collectée"), max_length=ACCOUNT_MAX_LENGTH, default="445710"
    )
    revenue_account = models.CharField(
        _("compte de produits"), max_length=ACCOUNT_MAX_LENGTH, blank=True
    )

    class Meta:
        verbose_name = _("comptes d'un taux de TVA")
        verbose_name_plural = _("comptes des taux de TVA")

    def __str__(self) -> str:
        return f"{self.vat_rate}: {self.vat_account}"


class PaymentMethodAccount(CleanTextMixin, models.Model):
    """The bank (or cash) account that receives one payment method (512…, 530…)."""

    method = models.CharField(
        _("mode de règlement"), max_length=20, choices=PaymentMethod.choices, unique=True
    )
    account = models.CharField(_("compte"), max_length=ACCOUNT_MAX_LENGTH, default="512000")
    label = models.CharField(_("libellé du compte"), max_length=100, default="Banque")

    class Meta:
        verbose_name = _("compte d'un mode de règlement")
        verbose_name_plural = _("comptes des modes de règlement")
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values),
                name="paymentmethodaccount_method_valid",
                violation_error_message=_("Mode de règlement inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.account}"


def fec_path(instance: FiscalYear, filename: str) -> str:
    return f"fec/{filename}"


class FiscalYear(CleanTextMixin, models.Model):
    """A fiscal year (exercice): its first day and its closing date. Its FEC can be made
    once the closing date is set; closing it locks everything dated in it and keeps its FEC
    as it was then."""

    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("date de clôture"), unique=True)
    closed_at = models.DateTimeField(_("clôturé le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clôturé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The FEC as it was at closing: the file of a closed year never changes.
    fec = models.FileField(_("FEC"), upload_to=fec_path, blank=True, max_length=255, editable=False)
    fec_sha256 = models.CharField(_("empreinte SHA-256 du FEC"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("exercice")
        verbose_name_plural = _("exercices")
        ordering = ["-end_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="fiscalyear_end_after_start",
                violation_error_message=_("La date de clôture suit le début de l'exercice."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_date:%d/%m/%Y} – {self.end_date:%d/%m/%Y}"  # noqa: RUF001

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class TaxCertificateStatus(models.TextChoices):
    DRAFT = "draft", _("À envoyer")
    SENT = "sent", _("Envoyée")


def tax_certificate_pdf_path(instance: TaxCertificate, filename: str) -> str:
    return f"tax-certificates/{instance.year}/{instance.customer_id}/{filename}"


class TaxCertificate(CleanTextMixin, models.Model):
    """The annual tax certificate (attestation fiscale, services à la personne) of an
    individual customer for one year: what it paid for home services, which it may declare
    for the tax credit (CGI art. 199 sexdecies), the CESU préfinancés stated apart, and who
    did the work. Regenerating it replaces the current version; the last one sent stays
    as it was sent."""

    Status = TaxCertificateStatus

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="tax_certificates",
    )
    year = models.PositiveSmallIntegerField(_("année"))
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=TaxCertificateStatus.choices,
        default=TaxCertificateStatus.DRAFT,
    )
    amount_paid = models.DecimalField(
        _("montant déclarable"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    cesu_prefinanced = models.DecimalField(
        _("dont CESU préfinancés (à part)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
    )
    hours = models.DecimalField(_("heures"), max_digits=10, decimal_places=2, default=0)
    # [{"name", "hours"}]: who did the work, and how long, in the year.
    employees = models.JSONField(_("intervenants"), default=list, blank=True)
    # Everything the PDF prints, frozen at generation.
    data = models.JSONField(_("données"), default=dict, blank=True)
    pdf = models.FileField(
        _("PDF"), upload_to=tax_certificate_pdf_path, blank=True, max_length=255, editable=False
    )
    generated_at = models.DateTimeField(_("établie le"), null=True, blank=True)
    # The last version sent, kept as it was sent while a newer one is made.
    sent_pdf = models.FileField(
        _("PDF envoyé"),
        upload_to=tax_certificate_pdf_path,
        blank=True,
        max_length=255,
        editable=False,
    )
    sent_amount_paid = models.DecimalField(
        _("montant envoyé"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("attestation fiscale")
        verbose_name_plural = _("attestations fiscales")
        ordering = ["-year", "customer__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "year"],
                name="taxcertificate_one_per_customer_year",
                violation_error_message=_("Ce client a déjà une attestation pour cette année."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="taxcertificate_year_range",
                violation_error_message=_("Année hors limites."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=TaxCertificateStatus.values),
                name="taxcertificate_status_valid",
                violation_error_message=_("Statut d'attestation inconnu."),
            ),
        ]
        indexes = [models.Index(fields=["year", "status"], name="taxcertificate_year_status")]

    def __str__(self) -> str:
        return f"Attestation fiscale {self.year} – {self.customer}"  # noqa: RUF001
