"""The dunning (relances): the levels set in Paramètres > Relances, the runs that propose
and send reminders, the reminders themselves with the invoices each one chases, and the
holds that keep an invoice or a customer out of the runs."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.billing.models import Invoice
from creneau.core.models import CleanTextMixin, LimitedTextField, OutboxEmail
from creneau.customers.models import Customer, billing_group_validator

REMINDER_BODY_MAX_LENGTH = 5000
RECOVERY_INDEMNITY = Decimal("40.00")  # Code de commerce L441-10 and D441-5: business only


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Courrier (PDF)")
    BOTH = "both", _("E-mail et courrier")


class ReminderLevel(CleanTextMixin, models.Model):
    """One step of the dunning: how many days after the due date, by which channel, with
    which words, and what it adds (a fee, the 40 € indemnity, late interest).

    Levels run in `rank` order (1, 2, 3...). The subject and text take placeholders, listed
    in docs/dunning.md: {client}, {factures}, {montant_du}, {echeances}, {solde}, {iban}..."""

    Channel = ReminderChannel

    rank = models.PositiveSmallIntegerField(_("niveau"), unique=True)
    name = models.CharField(_("nom"), max_length=100)
    days_after_due = models.PositiveSmallIntegerField(_("jours après l'échéance"))
    channel = models.CharField(
        _("envoi"), max_length=10, choices=ReminderChannel.choices, default=ReminderChannel.EMAIL
    )
    subject = models.CharField(_("objet"), max_length=200)
    body = LimitedTextField(_("texte"), max_length=REMINDER_BODY_MAX_LENGTH)
    fee = models.DecimalField(
        _("frais de relance"), max_digits=8, decimal_places=2, default=Decimal("0.00")
    )
    add_recovery_indemnity = models.BooleanField(
        _("indemnité forfaitaire de 40 € (clients professionnels)"), default=False
    )
    add_late_interest = models.BooleanField(_("intérêts de retard"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("niveau de relance")
        verbose_name_plural = _("niveaux de relance")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=9),
                name="reminderlevel_rank_range",
                violation_error_message=_("Un niveau va de 1 à 9."),
            ),
            models.CheckConstraint(
                condition=Q(days_after_due__lte=3650),
                name="reminderlevel_days_range",
                violation_error_message=_("Au plus 3 650 jours après l'échéance."),
            ),
            models.CheckConstraint(
                condition=Q(fee__gte=0, fee__lte=10000),
                name="reminderlevel_fee_range",
                violation_error_message=_("Les frais vont de 0 à 10 000 €."),
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ReminderChannel.values),
                name="reminderlevel_channel_valid",
                violation_error_message=_("Mode d'envoi inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.name}"


def dunning_letters_path(instance: DunningRun, filename: str) -> str:
    return f"dunning/{instance.pk}/{filename}"


class DunningRun(CleanTextMixin, models.Model):
    """A dunning run at a date (`as_of`, today unless a catch-up or a test says otherwise):
    first a preview of the reminders it proposes, which the user unticks, then sent."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Aperçu")
        SENDING = "sending", _("Envoi en cours")
        SENT = "sent", _("Envoyée")
        CANCELLED = "cancelled", _("Abandonnée")

    as_of = models.DateField(_("à la date du"), default=timezone.localdate)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    automatic = models.BooleanField(_("lancée par la tâche quotidienne"), default=False)
    letters_pdf = models.FileField(
        _("courriers (PDF)"),
        upload_to=dunning_letters_path,
        blank=True,
        editable=False,
        max_length=255,
        help_text=_("Les relances à poster, en un PDF à imprimer (stockage privé)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lancée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("campagne de relance")
        verbose_name_plural = _("campagnes de relance")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["preview", "sending", "sent", "cancelled"]),
                name="dunningrun_status_valid",
                violation_error_message=_("Statut inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"Relances au {self.as_of:%d/%m/%Y}"


class Reminder(CleanTextMixin, models.Model):
    """One reminder: the overdue invoices of one customer and one billing group at one
    level, sent together to the group's reminder recipients (else the customer's e-mail)
    and/or printed as a letter. Proposed by a run, unticked (`excluded`) or sent; the text
    is frozen as sent."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposée")
        SENT = "sent", _("Envoyée")
        DROPPED = "dropped", _("Abandonnée")

    run = models.ForeignKey(
        DunningRun, verbose_name=_("campagne"), on_delete=models.CASCADE, related_name="reminders"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.PROTECT, related_name="reminders"
    )
    billing_group = models.CharField(
        _("groupe de facturation"), max_length=1, validators=[billing_group_validator]
    )
    level = models.ForeignKey(
        ReminderLevel, verbose_name=_("niveau"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("envoi"), max_length=10, choices=ReminderChannel.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    excluded = models.BooleanField(_("décochée"), default=False)
    recipients = models.JSONField(_("destinataires"), default=list, blank=True)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    body = LimitedTextField(_("texte"), max_length=20000, blank=True)
    amount_due = models.DecimalField(_("montant dû"), max_digits=14, decimal_places=2, default=0)
    fees = models.DecimalField(_("frais"), max_digits=14, decimal_places=2, default=0)
    email = models.ForeignKey(
        OutboxEmail,
        verbose_name=_("e-mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["run", "customer", "billing_group"]
        indexes = [
            models.Index(fields=["customer", "-sent_at"], name="reminder_customer_sent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "customer", "billing_group"], name="reminder_once_per_run_group"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "sent", "dropped"]),
                name="reminder_status_valid",
                violation_error_message=_("Statut inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} \u2013 {self.customer}"


class ReminderInvoice(models.Model):
    """An invoice chased by a reminder, at the reminder's level: what was due, and what
    the reminder adds for it. `sent` is copied from the reminder when it goes, so that the
    database itself refuses the same level twice and the 40 € indemnity twice."""

    reminder = models.ForeignKey(
        Reminder, verbose_name=_("relance"), on_delete=models.CASCADE, related_name="items"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("facture"), on_delete=models.PROTECT, related_name="reminders"
    )
    level_rank = models.PositiveSmallIntegerField(_("niveau"))
    amount_due = models.DecimalField(_("reste dû"), max_digits=14, decimal_places=2)
    fee = models.DecimalField(_("frais"), max_digits=10, decimal_places=2, default=0)
    indemnity = models.DecimalField(
        _("indemnité forfaitaire"), max_digits=10, decimal_places=2, default=0
    )
    interest = models.DecimalField(
        _("intérêts de retard"), max_digits=12, decimal_places=2, default=0
    )
    sent = models.BooleanField(_("envoyée"), default=False)
    sent_on = models.DateField(_("envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("facture relancée")
        verbose_name_plural = _("factures relancées")
        ordering = ["reminder", "invoice"]
        indexes = [models.Index(fields=["invoice", "level_rank"], name="reminderinvoice_level")]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "level_rank"],
                condition=Q(sent=True),
                name="reminderinvoice_level_once",
                violation_error_message=_("Cette facture a déjà reçu ce niveau de relance."),
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(sent=True, indemnity__gt=0),
                name="reminderinvoice_indemnity_once",
                violation_error_message=_("L'indemnité forfaitaire est déjà réclamée."),
            ),
            models.UniqueConstraint(
                fields=["reminder", "invoice"], name="reminderinvoice_once_per_reminder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} \u2013 niveau {self.level_rank}"


class DunningHold(CleanTextMixin, models.Model):
    """Keeps an invoice, or a whole customer, out of the dunning (a dispute, a payment
    plan): with a reason and an optional end date. Released by hand, or by its end date
    passing; kept afterwards as history."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dunning_holds",
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("facture"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dunning_holds",
    )
    reason = models.CharField(_("motif"), max_length=255)
    until = models.DateField(_("jusqu'au"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)
    released_at = models.DateTimeField(_("levée le"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("levée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("suspension des relances")
        verbose_name_plural = _("suspensions des relances")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer"], name="dunninghold_customer"),
            models.Index(fields=["invoice"], name="dunninghold_invoice"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False, invoice__isnull=True)
                | Q(customer__isnull=True, invoice__isnull=False),
                name="dunninghold_customer_or_invoice",
                violation_error_message=_("Une suspension vise un client ou une facture."),
            ),
            # One hold in force at a time per customer and per invoice.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(released_at__isnull=True, customer__isnull=False),
                name="dunninghold_customer_once",
                violation_error_message=_("Les relances de ce client sont déjà suspendues."),
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(released_at__isnull=True, invoice__isnull=False),
                name="dunninghold_invoice_once",
                violation_error_message=_("Les relances de cette facture sont déjà suspendues."),
            ),
        ]

    def __str__(self) -> str:
        return self.reason
