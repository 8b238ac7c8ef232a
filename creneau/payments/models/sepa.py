"""SEPA direct debit (prélèvement): the mandates a customer signs, and the collection
batches that turn unpaid invoices into a pain.008 file for the bank (docs/sepa.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creneau.billing.models import Invoice
from creneau.core.models import CleanTextMixin, NormalisedFieldsMixin
from creneau.core.validators import normalise_bic, normalise_iban
from creneau.customers.models import Customer
from creneau.payments.models.payments import Payment

RUM_MAX_LENGTH = 35  # the rulebook's MandateId (Max35Text)


class MandateScheme(models.TextChoices):
    CORE = "CORE", _("CORE (particuliers)")
    B2B = "B2B", _("B2B (professionnels)")


class MandateType(models.TextChoices):
    RECURRENT = "RCUR", _("Récurrent")
    ONE_OFF = "OOFF", _("Ponctuel")


class MandateStatus(models.TextChoices):
    ACTIVE = "active", _("Actif")
    REVOKED = "revoked", _("Révoqué")
    # 36 months without a collection: the mandate lapses (SEPA rulebook).
    EXPIRED = "expired", _("Expiré")


class SequenceType(models.TextChoices):
    FIRST = "FRST", _("Premier")
    RECURRENT = "RCUR", _("Récurrent")
    ONE_OFF = "OOFF", _("Ponctuel")
    FINAL = "FNAL", _("Dernier")


class Mandate(NormalisedFieldsMixin, models.Model):
    """A SEPA direct-debit mandate (mandat de prélèvement) signed by a customer: the
    authority to debit its account. Its reference (RUM) is generated and can be edited until
    the mandate is first used; a customer with an active mandate pays by direct debit."""

    Scheme = MandateScheme
    Type = MandateType
    Status = MandateStatus

    NORMALISERS = {"iban": normalise_iban, "bic": normalise_bic}

    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.PROTECT, related_name="mandates"
    )
    rum = models.CharField(_("référence unique du mandat (RUM)"), max_length=RUM_MAX_LENGTH)
    debtor_name = models.CharField(_("titulaire du compte"), max_length=140, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    scheme = models.CharField(
        _("schéma"), max_length=4, choices=MandateScheme.choices, default=MandateScheme.CORE
    )
    type = models.CharField(
        _("type"), max_length=4, choices=MandateType.choices, default=MandateType.RECURRENT
    )
    signature_date = models.DateField(_("date de signature"), null=True, blank=True)
    signature_place = models.CharField(_("lieu de signature"), max_length=100, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=MandateStatus.choices, default=MandateStatus.ACTIVE
    )
    # The first and the last transmitted collection: FRST until the first, and the 36
    # months of validity run from the last (or from the signature).
    first_collection_date = models.DateField(_("premier prélèvement"), null=True, blank=True)
    last_collection_date = models.DateField(_("dernier prélèvement"), null=True, blank=True)
    revoked_on = models.DateField(_("révoqué le"), null=True, blank=True)
    revocation_reason = models.CharField(_("motif de révocation"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("mandat de prélèvement")
        verbose_name_plural = _("mandats de prélèvement")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rum"],
                name="mandate_rum_unique",
                violation_error_message=_("Cette référence de mandat (RUM) existe déjà."),
            ),
            # One mandate at a time collects a customer's invoices.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="active"),
                name="mandate_one_active_per_customer",
                violation_error_message=_(
                    "Ce client a déjà un mandat actif : révoquez-le d'abord."
                ),
            ),
            models.CheckConstraint(
                condition=Q(scheme__in=MandateScheme.values),
                name="mandate_scheme_valid",
                violation_error_message=_("Schéma de prélèvement inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(type__in=MandateType.values),
                name="mandate_type_valid",
                violation_error_message=_("Type de mandat inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=MandateStatus.values),
                name="mandate_status_valid",
                violation_error_message=_("Statut de mandat inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return self.rum

    @property
    def is_used(self) -> bool:
        """Once collected, the RUM, account and scheme are what the bank knows: frozen."""
        return self.first_collection_date is not None


class SepaBatchStatus(models.TextChoices):
    PREPARED = "prepared", _("Préparé")
    TRANSMITTED = "transmitted", _("Transmis")


def sepa_batch_xml_path(instance: SepaBatch, filename: str) -> str:
    return f"sepa/{instance.collection_date:%Y}/{filename}"


class SepaBatch(CleanTextMixin, models.Model):
    """A collection batch (remise de prélèvements): the invoices debited on one date, as
    one pain.008 file for the bank. The file is written once and kept: downloading it again
    gives the same bytes."""

    Status = SepaBatchStatus

    collection_date = models.DateField(_("date de prélèvement"))
    due_by = models.DateField(_("échéances jusqu'au"), null=True, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=SepaBatchStatus.choices,
        default=SepaBatchStatus.PREPARED,
    )
    pain_version = models.CharField(_("format"), max_length=20)
    message_id = models.CharField(_("identifiant du message"), max_length=35, unique=True)
    xml = models.FileField(
        _("fichier XML"), upload_to=sepa_batch_xml_path, blank=True, max_length=255, editable=False
    )
    xml_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    item_count = models.PositiveIntegerField(_("prélèvements"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("préparé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("préparé le"), auto_now_add=True)
    transmitted_at = models.DateTimeField(_("transmis le"), null=True, blank=True)
    transmitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("transmis par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("remise de prélèvements")
        verbose_name_plural = _("remises de prélèvements")
        ordering = ["-collection_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SepaBatchStatus.values),
                name="sepabatch_status_valid",
                violation_error_message=_("Statut de remise inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"Prélèvements du {self.collection_date:%d/%m/%Y}"


class SepaItemStatus(models.TextChoices):
    PENDING = "pending", _("À transmettre")
    COLLECTED = "collected", _("Prélevé")
    REJECTED = "rejected", _("Rejeté")


class SepaBatchItem(CleanTextMixin, models.Model):
    """One debit of a batch: one invoice, under one mandate, for what it still owed. Once
    transmitted it has its payment; a reject (R-code) reverses that payment."""

    Status = SepaItemStatus

    batch = models.ForeignKey(
        SepaBatch, verbose_name=_("remise"), on_delete=models.CASCADE, related_name="items"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("facture"), on_delete=models.PROTECT, related_name="sepa_items"
    )
    mandate = models.ForeignKey(
        Mandate, verbose_name=_("mandat"), on_delete=models.PROTECT, related_name="sepa_items"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.PROTECT, related_name="sepa_items"
    )
    amount = models.DecimalField(_("montant"), max_digits=14, decimal_places=2)
    sequence_type = models.CharField(_("séquence"), max_length=4, choices=SequenceType.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=SepaItemStatus.choices, default=SepaItemStatus.PENDING
    )
    prenotified_at = models.DateTimeField(_("débiteur prévenu le"), null=True, blank=True)
    payment = models.OneToOneField(
        Payment,
        verbose_name=_("règlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sepa_item",
    )
    reject_code = models.CharField(_("motif de rejet"), max_length=4, blank=True)
    rejected_on = models.DateField(_("rejeté le"), null=True, blank=True)
    reject_fee_invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("facture des frais de rejet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("prélèvement")
        verbose_name_plural = _("prélèvements")
        ordering = ["batch", "id"]
        constraints = [
            # An invoice is collected once at a time; a rejected debit frees it for another
            # batch.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=~Q(status="rejected"),
                name="sepaitem_invoice_once",
                violation_error_message=_(
                    "Cette facture est déjà dans une remise de prélèvements."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="sepaitem_amount_positive",
                violation_error_message=_("Le montant d'un prélèvement est positif."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=SepaItemStatus.values),
                name="sepaitem_status_valid",
                violation_error_message=_("Statut de prélèvement inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(sequence_type__in=SequenceType.values),
                name="sepaitem_sequence_valid",
                violation_error_message=_("Séquence de prélèvement inconnue."),
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"], name="sepaitem_customer_status")]

    def __str__(self) -> str:
        return f"{self.invoice} ({self.amount} €)"
