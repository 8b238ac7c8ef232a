"""Invoices and credit notes (factures et avoirs), what they bill, the billing runs that
make them, and the inalterable journal of what was issued."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.catalog.models import Service, VatRate
from creneau.core.amounts import AmountLine, DocumentTotals, document_totals
from creneau.core.models import CleanTextMixin, LimitedTextField
from creneau.core.text import DESCRIPTION_MAX_LENGTH, NOTES_MAX_LENGTH
from creneau.customers.models import Customer, Site, billing_group_validator
from creneau.planning.models import Intervention, Schedule
from creneau.quotes.models import DocumentLineMixin, LineType, Quote

ZERO = Decimal("0.00")
# Street, postcode and city, and the country: what Address holds, with its line breaks.
BILLING_ADDRESS_MAX_LENGTH = 400


def invoice_pdf_path(instance: Invoice, filename: str) -> str:
    return f"invoices/{instance.customer_id}/{filename}"


class Invoice(CleanTextMixin, models.Model):
    """An invoice (facture) or a credit note (avoir) to a customer, for one billing group.

    A draft is edited freely and has no number. Issuing gives it the next number of its
    series and year (F-2026-00001, A-2026-00001: gapless, chronological), copies the
    customer's identity and addresses onto it and freezes it: it is never edited nor
    deleted again, and a mistake is corrected by a credit note.

    `status` and `amount_due` are derived by the services from the credit notes (and, with
    payments, the allocations); nobody types them.
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Facture")
        CREDIT_NOTE = "credit_note", _("Avoir")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        ISSUED = "issued", _("Émise")
        PARTIALLY_PAID = "partially_paid", _("Partiellement réglée")
        PAID = "paid", _("Réglée")
        CANCELLED = "cancelled", _("Annulée par avoir")

    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    number = models.CharField(_("numéro"), max_length=20, null=True, blank=True, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.PROTECT, related_name="invoices"
    )
    billing_group = models.CharField(
        _("groupe de facturation"),
        max_length=1,
        default="A",
        validators=[billing_group_validator],
    )
    sites = models.ManyToManyField(
        Site, verbose_name=_("sites"), blank=True, related_name="invoices"
    )
    quote = models.OneToOneField(
        Quote,
        verbose_name=_("devis"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice",
    )
    credited_invoice = models.ForeignKey(
        "self",
        verbose_name=_("facture créditée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    billing_run = models.ForeignKey(
        "BillingRun",
        verbose_name=_("facturation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )
    issue_date = models.DateField(_("date d'émission"), null=True, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    period_start = models.DateField(_("période du"), null=True, blank=True)
    period_end = models.DateField(_("période au"), null=True, blank=True)
    notes = LimitedTextField(
        _("remarques"),
        max_length=NOTES_MAX_LENGTH,
        blank=True,
        help_text=_("Imprimées sous les totaux."),
    )

    # Copied from the customer when issued (empty on a draft): what the law asks the
    # invoice to say, as it was that day.
    customer_name = models.CharField(_("nom du client"), max_length=200, blank=True)
    customer_code = models.CharField(_("code client"), max_length=20, blank=True)
    customer_kind = models.CharField(
        _("type de client"), max_length=20, choices=Customer.Kind.choices, blank=True
    )
    billing_address = LimitedTextField(
        _("adresse de facturation"), max_length=BILLING_ADDRESS_MAX_LENGTH, blank=True
    )
    customer_siren = models.CharField(_("SIREN du client"), max_length=9, blank=True)
    customer_vat_number = models.CharField(_("n° de TVA du client"), max_length=20, blank=True)
    # [{"id", "name", "address"}] of the billed sites: the service addresses.
    site_addresses = models.JSONField(_("adresses d'intervention"), default=list, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("délai de paiement (jours)"), null=True, blank=True
    )
    late_penalty_rate = models.DecimalField(
        _("taux des pénalités de retard (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )

    total_net = models.DecimalField(_("total HT"), max_digits=14, decimal_places=2, default=0)
    total_vat = models.DecimalField(_("total TVA"), max_digits=14, decimal_places=2, default=0)
    total_gross = models.DecimalField(_("total TTC"), max_digits=14, decimal_places=2, default=0)
    # [{"rate": "20.00", "base": "100.00", "vat": "20.00", "exemption": ""}], highest first.
    vat_breakdown = models.JSONField(_("ventilation de la TVA"), default=list, blank=True)
    amount_due = models.DecimalField(_("reste dû"), max_digits=14, decimal_places=2, default=0)

    pdf = models.FileField(
        _("PDF"),
        upload_to=invoice_pdf_path,
        blank=True,
        editable=False,
        max_length=255,
        help_text=_("Le PDF Factur-X tel qu'il a été émis (stockage privé)."),
    )
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    # Paid by SEPA direct debit: the mandate's reference (RUM) copied at issue, when the
    # customer had an active mandate; the invoice then prints the debit on its due date.
    debit_mandate_rum = models.CharField(
        _("prélevée sous le mandat"), max_length=35, blank=True, editable=False
    )
    # No e-mail to send it to when it was issued: the office posts it.
    needs_posting = models.BooleanField(_("à envoyer par courrier"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("émise par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    issued_at = models.DateTimeField(_("émise le"), null=True, blank=True)

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["-issue_date", "-id"], name="invoice_issue_date"),
            # The record's invoices, newest first; with what the customer's balance sums,
            # read from the index alone on PostgreSQL (40,000 invoices: 30 ms instead of 60).
            models.Index(
                fields=["customer", "-issue_date", "-id"],
                include=["kind", "status", "due_date", "total_gross", "amount_due"],
                name="invoice_customer_date",
            ),
            models.Index(fields=["status", "-issue_date", "-id"], name="invoice_status_date"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            # The list's count and totals of a status over a period, read from the index
            # alone on PostgreSQL (a year of paid invoices: 50 ms instead of 150).
            models.Index(
                fields=["status", "issue_date"],
                include=["id", "kind", "customer", "total_net", "total_gross", "amount_due"],
                name="invoice_status_totals",
            ),
            # What is still due, by customer (a few percent of the invoices), read from the
            # index alone: the aged balance (payments.aged; 180,000 open invoices of a
            # million: 100 ms instead of 1 s), the customer list's "avec un solde" and "en
            # retard" filters.
            models.Index(
                fields=["customer", "due_date"],
                include=["kind", "status", "amount_due", "issue_date"],
                condition=Q(amount_due__gt=0),
                name="invoice_open_due",
            ),
            # The dashboard's billing by day (issued documents only), from the index alone.
            models.Index(
                fields=["issue_date"],
                include=["kind", "total_net", "total_gross"],
                condition=~Q(status="draft"),
                name="invoice_issued_totals",
            ),
            # The dashboard's past amount due: the credit notes issued after a date (a few
            # percent of the documents), with what they credit, from the index alone.
            models.Index(
                fields=["issue_date"],
                include=["credited_invoice", "total_gross"],
                condition=Q(kind="credit_note") & ~Q(status="draft"),
                name="invoice_credit_notes",
            ),
            # An invoice's dates by its id, from the index alone: the dashboard's past amount
            # due looks them up for each allocation and credit note since a date.
            models.Index(fields=["id"], include=["issue_date", "due_date"], name="invoice_dates"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["invoice", "credit_note"]),
                name="invoice_kind_valid",
                violation_error_message=_("Type de document inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "issued", "partially_paid", "paid", "cancelled"]),
                name="invoice_status_valid",
                violation_error_message=_("Statut de facture inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(number__isnull=False, issue_date__isnull=False, due_date__isnull=False),
                name="invoice_numbered_unless_draft",
                violation_error_message=_(
                    "Une facture émise a un numéro, une date et une échéance."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice") | Q(credited_invoice__isnull=False),
                name="invoice_credit_note_references_invoice",
                violation_error_message=_("Un avoir désigne la facture qu'il corrige."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=F("issue_date")),
                name="invoice_due_after_issue",
                violation_error_message=_("L'échéance ne peut précéder la date d'émission."),
            ),
            models.CheckConstraint(
                condition=Q(billing_group__regex=r"^[A-Z0-9]$"),
                name="invoice_billing_group_valid",
                violation_error_message=_(
                    "Le groupe de facturation est une lettre (A-Z) ou un chiffre (0-9)."
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.number:
            return self.number
        return f"Brouillon n°{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def is_overdue(self) -> bool:
        """Shown, never stored: the due date has passed with an amount still due."""
        return (
            not self.is_draft
            and self.kind == self.Kind.INVOICE
            and self.amount_due > 0
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    @property
    def is_business(self) -> bool:
        kind = self.customer_kind or self.customer.kind
        return kind == Customer.Kind.BUSINESS

    def clean(self) -> None:
        for name in ("period_start", "period_end"):
            day = getattr(self, name)
            if day is not None and not 2000 <= day.year <= 2099:
                raise ValidationError({name: _("Une date de période va de 2000 à 2099.")})
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(
                {"period_end": _("La fin de la période ne peut précéder son début.")}
            )

    def totals(self, lines: list[InvoiceLine] | None = None) -> DocumentTotals:
        """The totals and VAT breakdown computed from the lines (the stored ones agree)."""
        if lines is None:
            lines = list(self.lines.all())
        return invoice_lines_totals(lines)


def invoice_lines_totals(lines: list[InvoiceLine]) -> DocumentTotals:
    """Lines at the same rate and exemption wording share one row of the breakdown."""
    return document_totals(
        AmountLine(
            net=line.net,
            rate=line.vat_rate_value,
            vat_key=(line.vat_rate_value.normalize(), line.vat_exemption),
        )
        for line in lines
        if line.has_amount and line.vat_rate_value is not None
    )


class InvoiceLine(DocumentLineMixin, CleanTextMixin, models.Model):
    """A line of an invoice or credit note: a service, free text, a discount, or (without
    amounts) a section title or a comment. The VAT rate and its exemption wording are
    copied onto the line, so that a later change of the rate list changes no invoice."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("facture"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(_("ordre"), default=0)
    line_type = models.CharField(
        _("type de ligne"), max_length=10, choices=LineType.choices, default=LineType.SERVICE
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("prestation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The site the line's work was done on (the billing run's lines group by site).
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = LimitedTextField(_("libellé"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    quantity = models.DecimalField(_("quantité"), max_digits=12, decimal_places=3, default=1)
    unit = models.CharField(_("unité"), max_length=10, choices=Service.Unit.choices, blank=True)
    unit_price = models.DecimalField(
        _("prix unitaire HT"), max_digits=12, decimal_places=4, default=0
    )
    vat_rate = models.ForeignKey(
        VatRate,
        verbose_name=_("TVA"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    vat_rate_value = models.DecimalField(
        _("taux de TVA (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    vat_exemption = models.CharField(_("mention d'exonération"), max_length=200, blank=True)
    discount_percent = models.DecimalField(
        _("remise (%)"), max_digits=5, decimal_places=2, default=0
    )
    net = models.DecimalField(_("montant HT"), max_digits=14, decimal_places=2, default=0)
    # A monthly flat fee (forfait) bills its schedule once per month: the month's first day.
    flat_schedule = models.ForeignKey(
        Schedule,
        verbose_name=_("programmation au forfait"),
        null=True,
        blank=True,
        # A deleted schedule leaves its invoices as they were issued.
        on_delete=models.SET_NULL,
        related_name="flat_fee_lines",
    )
    flat_month = models.DateField(_("mois du forfait"), null=True, blank=True)
    # On a credit note: the invoice line it credits (a partial credit by lines).
    credited_line = models.ForeignKey(
        "self",
        verbose_name=_("ligne créditée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_lines",
    )

    class Meta:
        verbose_name = _("ligne de facture")
        verbose_name_plural = _("lignes de facture")
        ordering = ["invoice", "position", "id"]
        indexes = [models.Index(fields=["invoice", "position"], name="invoiceline_position")]
        constraints = [
            models.UniqueConstraint(
                fields=["flat_schedule", "flat_month"],
                condition=Q(flat_schedule__isnull=False),
                name="invoiceline_flat_fee_once",
                violation_error_message=_("Ce forfait est déjà facturé pour ce mois."),
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="invoiceline_discount_range",
                violation_error_message=_("La remise est un pourcentage entre 0 et 100."),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) | Q(line_type="discount"),
                name="invoiceline_quantity_not_negative",
                violation_error_message=_(
                    "La quantité ne peut pas être négative (sauf sur une ligne de remise)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="invoiceline_price_not_negative",
                violation_error_message=_("Le prix unitaire ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return (self.description or "").split("\n", 1)[0][:80]


class BilledIntervention(models.Model):
    """The link from a done visit to the invoice line that bills it: a visit is billed at
    most once (the one-to-one is the database's guarantee, even for two runs at once)."""

    intervention = models.OneToOneField(
        Intervention,
        verbose_name=_("intervention"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="billing",
    )
    line = models.ForeignKey(
        InvoiceLine,
        verbose_name=_("ligne de facture"),
        on_delete=models.CASCADE,
        related_name="billed_interventions",
    )
    # Kept when the visit itself is deleted later: the invoice still says when it was.
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("intervention facturée")
        verbose_name_plural = _("interventions facturées")
        indexes = [models.Index(fields=["line"], name="billedintervention_line")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}"


class BillingRun(CleanTextMixin, models.Model):
    """A monthly billing run (facturation): a period and a selection of customers, its
    preview of one proposed invoice per (customer, billing group), then its issuing by the
    task worker."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Aperçu")
        ISSUING = "issuing", _("Émission en cours")
        ISSUED = "issued", _("Émise")
        FAILED = "failed", _("Échec")

    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    # {"family_ids": [...], "sales_rep_ids": [...], "customer_ids": [...]}
    filters = models.JSONField(_("filtres"), default=dict, blank=True)
    include_missed = models.BooleanField(_("facturer les passages manqués"), default=False)
    send = models.BooleanField(_("envoyer par e-mail"), default=False)
    progress_done = models.PositiveIntegerField(_("faites"), default=0)
    progress_total = models.PositiveIntegerField(_("à faire"), default=0)
    error = LimitedTextField(_("erreur"), max_length=NOTES_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lancée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    issued_at = models.DateTimeField(_("émise le"), null=True, blank=True)

    class Meta:
        verbose_name = _("facturation")
        verbose_name_plural = _("facturations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="billingrun_period_ordered",
                violation_error_message=_("La fin de la période ne peut précéder son début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%d/%m/%Y} - {self.period_end:%d/%m/%Y}"


class BillingRunItem(CleanTextMixin, models.Model):
    """One proposed invoice of a run: a customer and billing group, with its lines as the
    preview computed them (`proposal`), until it is issued (`invoice`) or left out."""

    run = models.ForeignKey(
        BillingRun, verbose_name=_("facturation"), on_delete=models.CASCADE, related_name="items"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+"
    )
    billing_group = models.CharField(_("groupe de facturation"), max_length=1)
    # {"site_ids": [...], "lines": [{..., "intervention_ids": [...], "flat_schedule_id",
    #  "flat_month"}]}: what issuing turns into an invoice, whatever was billed meanwhile
    # by another run being left out then.
    proposal = models.JSONField(_("proposition"), default=dict)
    total_net = models.DecimalField(_("total HT"), max_digits=14, decimal_places=2, default=0)
    total_vat = models.DecimalField(_("total TVA"), max_digits=14, decimal_places=2, default=0)
    total_gross = models.DecimalField(_("total TTC"), max_digits=14, decimal_places=2, default=0)
    excluded = models.BooleanField(_("écartée"), default=False)
    invoice = models.OneToOneField(
        Invoice,
        verbose_name=_("facture"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="run_item",
    )

    class Meta:
        verbose_name = _("facture proposée")
        verbose_name_plural = _("factures proposées")
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "customer", "billing_group"], name="billingrunitem_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.billing_group}"


class JournalEntry(CleanTextMixin, models.Model):
    """One entry of the inalterable journal: an issued invoice or credit note (later, a
    payment), with its key figures and the SHA-256 of the previous entry. Changing a row
    of the journal, or an issued invoice's figures, breaks the chain that verify_journal
    walks."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Facture")
        CREDIT_NOTE = "credit_note", _("Avoir")
        PAYMENT = "payment", _("Règlement")

    sequence = models.PositiveBigIntegerField(_("n° d'ordre"), unique=True)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("facture"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
    )
    # The key figures, as canonical JSON strings: number, date, customer, net, VAT, gross.
    figures = models.JSONField(_("données"))
    previous_hash = models.CharField(_("empreinte précédente"), max_length=64)
    hash = models.CharField(_("empreinte"), max_length=64, unique=True)
    recorded_at = models.DateTimeField(_("enregistrée le"), default=timezone.now)

    class Meta:
        verbose_name = _("écriture du journal")
        verbose_name_plural = _("journal inaltérable")
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"{self.sequence} {self.kind} {self.figures.get('number', '')}"


class JournalVerification(CleanTextMixin, models.Model):
    """A walk of the journal's chain (verify_journal, or the accountant's button): when,
    how many entries, and the first broken one if any."""

    checked_at = models.DateTimeField(_("vérifié le"), default=timezone.now)
    entries = models.PositiveBigIntegerField(_("écritures vérifiées"), default=0)
    ok = models.BooleanField(_("intègre"), default=True)
    first_broken_sequence = models.PositiveBigIntegerField(
        _("première écriture rompue"), null=True, blank=True
    )
    message = models.CharField(_("message"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("vérification du journal")
        verbose_name_plural = _("vérifications du journal")
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.checked_at:%d/%m/%Y %H:%M} {'ok' if self.ok else 'KO'}"
