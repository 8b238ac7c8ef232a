"""Quotes (devis): an offer to a customer, made of lines from the catalogue or free text."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.catalog.models import Service, VatRate
from creneau.core.amounts import AmountLine, DocumentTotals, document_totals, line_net
from creneau.core.models import CleanTextMixin, LimitedTextField
from creneau.core.text import DESCRIPTION_MAX_LENGTH, NOTES_MAX_LENGTH
from creneau.customers.models import Customer, Site
from creneau.quotes.bounds import line_bound_errors

DEFAULT_VALIDITY_DAYS = 30


def default_validity_date() -> date:
    return timezone.localdate() + timedelta(days=DEFAULT_VALIDITY_DAYS)


def quote_pdf_path(instance: Quote, filename: str) -> str:
    return f"quotes/{instance.customer_id}/{filename}"


class Quote(CleanTextMixin, models.Model):
    """An offer made to a customer (devis), optionally for one of its sites.

    A draft is edited freely and has no number. Finalising (or sending a draft) gives it
    the next number of its year (D-2026-00001, gapless) and freezes it: a finalised quote
    is no longer edited, it is duplicated into a new draft. It becomes "sent" when its
    e-mail has left (the mail server accepted it), not when it is queued. It is then
    accepted or refused, or expires when its validity date has passed.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        FINALISED = "finalised", _("Finalisé")
        SENT = "sent", _("Envoyé")
        ACCEPTED = "accepted", _("Accepté")
        REFUSED = "refused", _("Refusé")
        EXPIRED = "expired", _("Expiré")

    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.PROTECT, related_name="quotes"
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotes",
    )
    number = models.CharField(_("numéro"), max_length=20, null=True, blank=True, unique=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    validity_date = models.DateField(_("valable jusqu'au"), default=default_validity_date)
    notes = LimitedTextField(
        _("conditions et remarques"),
        max_length=NOTES_MAX_LENGTH,
        blank=True,
        help_text=_("Imprimées sous les totaux."),
    )
    total_net = models.DecimalField(_("total HT"), max_digits=14, decimal_places=2, default=0)
    total_vat = models.DecimalField(_("total TVA"), max_digits=14, decimal_places=2, default=0)
    total_gross = models.DecimalField(_("total TTC"), max_digits=14, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicated_from = models.ForeignKey(
        "self",
        verbose_name=_("dupliqué de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    finalized_at = models.DateTimeField(_("finalisé le"), null=True, blank=True)
    sent_at = models.DateTimeField(
        _("envoyé le"),
        null=True,
        blank=True,
        help_text=_("Quand le serveur d'envoi a accepté son premier e-mail."),
    )
    accepted_at = models.DateTimeField(_("accepté le"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refusé le"), null=True, blank=True)
    # Answered on the client portal: the name the customer typed to sign, and the address
    # the answer came from (the time is accepted_at or refused_at).
    answer_name = models.CharField(_("nom du signataire"), max_length=150, blank=True)
    answer_ip = models.GenericIPAddressField(_("adresse IP de la réponse"), null=True, blank=True)
    refusal_reason = models.CharField(_("motif du refus"), max_length=500, blank=True)
    # When "Planifier" made the schedules of its service lines: once only.
    planned_at = models.DateTimeField(_("planifié le"), null=True, blank=True)
    pdf = models.FileField(
        _("PDF finalisé"),
        upload_to=quote_pdf_path,
        blank=True,
        editable=False,
        help_text=_("Le PDF tel qu'il a été numéroté et envoyé (stockage privé)."),
    )

    class Meta:
        verbose_name = _("devis")
        verbose_name_plural = _("devis")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["-date", "-id"], name="quote_date"),
            models.Index(fields=["customer", "-date", "-id"], name="quote_customer_date"),
            models.Index(fields=["status", "validity_date"], name="quote_status_validity"),
            # The list's other sorts, read in index order down to the first page.
            models.Index(fields=["-total_net", "-id"], name="quote_total"),
            models.Index(fields=["validity_date", "id"], name="quote_validity"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["draft", "finalised", "sent", "accepted", "refused", "expired"]
                ),
                name="quote_status_valid",
                violation_error_message=_("Statut de devis inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(number__isnull=False),
                name="quote_numbered_unless_draft",
                violation_error_message=_("Un devis finalisé doit avoir un numéro."),
            ),
            models.CheckConstraint(
                condition=models.Q(validity_date__gte=models.F("date")),
                name="quote_validity_after_date",
                violation_error_message=_(
                    "La date de validité ne peut pas précéder la date du devis."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Brouillon n°{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_offered(self) -> bool:
        """Numbered and waiting for the customer's answer (finalised or sent)."""
        return self.status in OFFERED_STATUSES

    @property
    def effective_status(self) -> str:
        """The status as the user sees it: an offered quote past its validity date has
        expired, even before the daily expire_quotes command records it."""
        if self.is_offered and self.validity_date < timezone.localdate():
            return self.Status.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return self.Status(self.effective_status).label

    def clean(self) -> None:
        if self.site_id and self.customer_id and self.site.customer_id != self.customer_id:
            raise ValidationError({"site": _("Ce site appartient à un autre client.")})
        if self.date and self.validity_date and self.validity_date < self.date:
            raise ValidationError(
                {"validity_date": _("La date de validité ne peut pas précéder la date du devis.")}
            )

    def totals(self, lines: list[QuoteLine] | None = None) -> DocumentTotals:
        """The totals and VAT breakdown computed from the lines (the stored totals agree)."""
        if lines is None:
            lines = list(self.lines.select_related("vat_rate"))
        return quote_lines_totals(lines)


# Numbered quotes waiting for the customer's answer: handed over or e-mailed, a quote may
# be accepted, refused, sent (again), and expires at its validity date.
OFFERED_STATUSES = (Quote.Status.FINALISED, Quote.Status.SENT)


def quote_lines_totals(lines: list[QuoteLine]) -> DocumentTotals:
    return document_totals(
        AmountLine(net=line.net, rate=line.vat_rate.rate, vat_key=line.vat_rate_id)
        for line in lines
        if line.has_amount and line.vat_rate_id
    )


class LineType(models.TextChoices):
    SERVICE = "service", _("Prestation")
    FREE = "free", _("Ligne libre")
    DISCOUNT = "discount", _("Remise")
    SECTION = "section", _("Titre de section")
    COMMENT = "comment", _("Commentaire")


class DocumentLineMixin:
    """What every document line (of a quote, an invoice, a credit note) does with its
    fields: line_type, description, quantity, unit_price, vat_rate, discount_percent."""

    LineType = LineType
    AMOUNT_TYPES = (LineType.SERVICE, LineType.FREE, LineType.DISCOUNT)

    def __str__(self) -> str:
        return (self.description or "").split("\n", 1)[0][:80]

    @property
    def has_amount(self) -> bool:
        return self.line_type in self.AMOUNT_TYPES

    @classmethod
    def starting_description(cls, line_type: str) -> str:
        """The text a line added by hand starts with, for the user to type over."""
        texts = {
            cls.LineType.FREE: _("Nouvelle ligne"),
            cls.LineType.DISCOUNT: _("Remise"),
            cls.LineType.SECTION: _("Titre de section"),
            cls.LineType.COMMENT: _("Commentaire"),
        }
        return str(texts.get(line_type, texts[cls.LineType.FREE]))

    @property
    def has_starting_description(self) -> bool:
        """Still the text it was added with ("Nouvelle ligne"...): the editor selects it
        when the field is entered, so that typing replaces it."""
        return self.line_type != self.LineType.SERVICE and self.description == (
            self.starting_description(self.line_type)
        )

    @property
    def title(self) -> str:
        """The first line of the description, printed bold; the rest is its detail."""
        return (self.description or "").strip().split("\n", 1)[0]

    @property
    def detail(self) -> str:
        parts = (self.description or "").strip().split("\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""

    def compute_net(self) -> Decimal:
        if not self.has_amount:
            return Decimal("0.00")
        try:
            return line_net(
                quantity=self.quantity,
                unit_price=self.unit_price,
                discount_percent=self.discount_percent or 0,
            )
        except (InvalidOperation, TypeError):
            # Figures beyond the fields' digits: full_clean() names the field at fault.
            return Decimal("0.00")

    def clean(self) -> None:
        """Each bad input gets its own French message at its field."""
        errors: dict[str, str] = {}
        if not (self.description or "").strip():
            errors["description"] = _("Une ligne doit avoir un libellé.")
        if self.has_amount:
            errors.update(self._amount_errors())
        if errors:
            raise ValidationError(errors)

    def _amount_errors(self) -> dict[str, str]:
        errors = {}
        if self.line_type == self.LineType.SERVICE and not self.service_id:
            errors["service"] = _("Choisissez une prestation du catalogue.")
        if self.vat_rate_id is None:
            errors["vat_rate"] = _("Choisissez un taux de TVA.")
        elif not self.vat_rate.is_active:
            errors["vat_rate"] = _("Ce taux de TVA n'est pas dans la liste des taux actifs.")
        if self.quantity is not None:
            if self.line_type == self.LineType.DISCOUNT and self.quantity >= 0:
                errors["quantity"] = _("Une ligne de remise a une quantité négative (ex. -1).")
            elif self.line_type != self.LineType.DISCOUNT and self.quantity < 0:
                errors["quantity"] = _(
                    "La quantité ne peut pas être négative : pour une remise, "
                    "ajoutez une ligne de remise."
                )
        if self.unit_price is not None and self.unit_price < 0:
            errors["unit_price"] = _("Le prix unitaire ne peut pas être négatif.")
        if self.discount_percent is not None and not 0 <= self.discount_percent <= 100:
            errors["discount_percent"] = _("La remise est un pourcentage entre 0 et 100.")
        bounds = line_bound_errors(quantity=self.quantity, unit_price=self.unit_price)
        return {**bounds, **errors}


class QuoteLine(DocumentLineMixin, CleanTextMixin, models.Model):
    """A line of a quote: a catalogue service, free text, a discount, or (without amounts)
    a section title or a comment."""

    quote = models.ForeignKey(
        Quote, verbose_name=_("devis"), on_delete=models.CASCADE, related_name="lines"
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
    discount_percent = models.DecimalField(
        _("remise (%)"), max_digits=5, decimal_places=2, default=0
    )
    net = models.DecimalField(_("montant HT"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("ligne de devis")
        verbose_name_plural = _("lignes de devis")
        ordering = ["quote", "position", "id"]
        indexes = [models.Index(fields=["quote", "position"], name="quoteline_quote_position")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="quoteline_discount_range",
                violation_error_message=_("La remise est un pourcentage entre 0 et 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0) | models.Q(line_type="discount"),
                name="quoteline_quantity_not_negative",
                violation_error_message=_(
                    "La quantité ne peut pas être négative (sauf sur une ligne de remise)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="quoteline_price_not_negative",
                violation_error_message=_("Le prix unitaire ne peut pas être négatif."),
            ),
        ]
