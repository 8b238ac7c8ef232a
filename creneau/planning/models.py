"""The planning: employees, the recurring schedules of the sites, and the interventions.

An intervention is one visit on a site. Most are occurrences of a schedule, made ahead by
the generator (planning.generation) over a rolling horizon; the others are one-off visits.
Times are stored in UTC and shown in Europe/Paris (settings.TIME_ZONE).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creneau.catalog.models import Service
from creneau.core.models import CleanTextMixin, LimitedTextField, NormalisedFieldsMixin
from creneau.core.text import NOTES_MAX_LENGTH
from creneau.core.validators import normalise_phone
from creneau.customers.models import Site

# The longest visit: a day. The form, the API and the database agree on it.
MAX_DURATION_MINUTES = 24 * 60
REASON_MAX_LENGTH = 200
RRULE_MAX_LENGTH = 300

color_validator = RegexValidator(
    r"^#[0-9a-f]{6}$", _("Une couleur s'écrit #rrvvbb (par exemple #1f77b4).")
)


def new_ical_token() -> str:
    return secrets.token_urlsafe(32)


class Employee(NormalisedFieldsMixin, models.Model):
    """Who performs the interventions (intervenant), with their availability and absences.

    An employee may have a staff login with the `intervenant` role, which sees only its own
    day sheet and planning."""

    NORMALISERS = {"phone": normalise_phone, "mobile": normalise_phone}

    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    mobile = models.CharField(_("portable"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    color = models.CharField(
        _("couleur"), max_length=7, default="#1f77b4", validators=[color_validator]
    )
    is_active = models.BooleanField(_("actif"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identifiant de connexion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
    )
    incompatible_sites = models.ManyToManyField(
        Site,
        verbose_name=_("sites incompatibles"),
        blank=True,
        related_name="incompatible_employees",
        help_text=_("Sites où cet intervenant ne doit jamais être envoyé."),
    )
    # The secret of the employee's calendar feed (/planning/ical/<token>.ics). Kept in clear:
    # the URL must be shown again; renewing it makes the old URL answer 404.
    ical_token = models.CharField(
        _("jeton du calendrier"), max_length=64, unique=True, default=new_ical_token
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("intervenant")
        verbose_name_plural = _("intervenants")
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Availability(models.Model):
    """A weekly slot when the employee works (Monday 08:00-12:00). An employee without any
    slot is taken as available at any time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("lundi")
        TUESDAY = 1, _("mardi")
        WEDNESDAY = 2, _("mercredi")
        THURSDAY = 3, _("jeudi")
        FRIDAY = 4, _("vendredi")
        SATURDAY = 5, _("samedi")
        SUNDAY = 6, _("dimanche")

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="availabilities")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    start_time = models.TimeField(_("de"))
    end_time = models.TimeField(_("à"))

    class Meta:
        verbose_name = _("disponibilité")
        verbose_name_plural = _("disponibilités")
        ordering = ["employee", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="availability_end_after_start",
                violation_error_message=_("L'heure de fin doit suivre l'heure de début."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class DayRange(CleanTextMixin, models.Model):
    """A period of whole days, both inclusive, with its reason: an absence, a closure."""

    start_date = models.DateField(_("du"))
    end_date = models.DateField(_("au"))
    reason = models.CharField(_("motif"), max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="%(class)s_end_after_start",
                violation_error_message=_("La date de fin ne peut précéder la date de début."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.start_date} - {self.end_date}"


class Absence(DayRange):
    """A period when the employee does not work (holiday, illness, training)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="absences")

    class Meta(DayRange.Meta):
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["employee", "start_date"]


class SiteClosure(DayRange):
    """A period when a site is closed (August, works): schedules that skip closures make no
    visit then, and a visit planned then is flagged."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="closures"
    )

    class Meta(DayRange.Meta):
        verbose_name = _("fermeture du site")
        verbose_name_plural = _("fermetures du site")
        ordering = ["site", "start_date"]


class BillingMode(models.TextChoices):
    """How a schedule's visits are billed: each done visit at its price, a monthly flat
    fee whatever the number of visits, or not at all."""

    PER_UNIT = "per_unit", _("À l'unité")
    MONTHLY_FLAT = "monthly_flat", _("Forfait mensuel")
    NOT_BILLED = "not_billed", _("Non facturé")


class Schedule(CleanTextMixin, models.Model):
    """A recurring visit on a site (programmation): a service, an employee or none ("à
    pourvoir"), a time and duration, and a recurrence stored as an RFC 5545 RRULE."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="schedules"
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("prestation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schedules",
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("intervenant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schedules",
    )
    rrule = models.CharField(_("récurrence"), max_length=RRULE_MAX_LENGTH)
    start_date = models.DateField(_("première date"))
    end_date = models.DateField(_("dernière date"), null=True, blank=True)
    start_time = models.TimeField(_("heure de début"))
    duration_minutes = models.PositiveIntegerField(
        _("durée (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    skip_public_holidays = models.BooleanField(_("sauter les jours fériés"), default=True)
    skip_site_closures = models.BooleanField(_("sauter les fermetures du site"), default=True)
    notes = LimitedTextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)
    billing_mode = models.CharField(
        _("facturation"),
        max_length=12,
        choices=BillingMode.choices,
        default=BillingMode.PER_UNIT,
    )
    flat_amount = models.DecimalField(
        _("forfait mensuel HT (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Facturé une fois par mois, quel que soit le nombre de passages."),
    )
    # The last date up to which occurrences were made (None: none yet).
    generated_until = models.DateField(_("généré jusqu'au"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("programmation")
        verbose_name_plural = _("programmations")
        ordering = ["site", "start_time", "id"]
        indexes = [models.Index(fields=["generated_until"], name="schedule_generated_until")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="schedule_end_after_start",
                violation_error_message=_("La dernière date ne peut précéder la première date."),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="schedule_duration_bounded",
                violation_error_message=_("La durée va de 1 minute à 24 heures."),
            ),
        ]

    def __str__(self) -> str:
        service = self.service.label if self.service_id else _("Intervention")
        return f"{service}, {self.start_time:%H:%M}"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    def clean(self) -> None:
        # Said at the field (the constraint alone would say it above the form).
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": _("La dernière date ne peut précéder la première date.")}
            )
        if self.billing_mode == BillingMode.MONTHLY_FLAT and not self.flat_amount:
            raise ValidationError({"flat_amount": _("Indiquez le montant du forfait mensuel.")})
        if self.billing_mode == BillingMode.MONTHLY_FLAT and not self.service_id:
            # The flat fee is invoiced under its service's name and VAT rate.
            raise ValidationError(
                {"service": _("Un forfait mensuel se facture sous une prestation : choisissez-la.")}
            )


class InterventionQuerySet(models.QuerySet):
    def active(self) -> InterventionQuerySet:
        """Visits that take the employee's time: planned or done."""
        return self.filter(status__in=[Intervention.Status.PLANNED, Intervention.Status.DONE])


class Intervention(CleanTextMixin, models.Model):
    """One visit on a site (intervention, passage): an occurrence of a schedule, or a
    one-off visit. Planned, then done, cancelled, or missed (the customer was absent)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planifiée")
        DONE = "done", _("Réalisée")
        CANCELLED = "cancelled", _("Annulée")
        MISSED = "missed", _("Client absent")

    schedule = models.ForeignKey(
        Schedule,
        verbose_name=_("programmation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interventions",
        db_index=False,  # the unique (schedule, occurrence_date) constraint's index serves
    )
    # The date the schedule's rule gave this occurrence; it stays when the visit is moved,
    # so that the generator never makes that occurrence twice.
    occurrence_date = models.DateField(_("date d'occurrence"), null=True, blank=True)
    # No index of their own on site and employee: the (site, start) and (employee, start)
    # indexes serve them, and each index costs every generated visit an insert.
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        related_name="interventions",
        db_index=False,
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("prestation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interventions",
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("intervenant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interventions",
        db_index=False,
    )
    start = models.DateTimeField(_("début prévu"))
    end = models.DateTimeField(_("fin prévue"))
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    actual_start = models.DateTimeField(_("début réel"), null=True, blank=True)
    actual_end = models.DateTimeField(_("fin réelle"), null=True, blank=True)
    # Hours (or units) done; None: the duration (real if entered, else planned).
    quantity = models.DecimalField(
        _("quantité"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("99999.99"))],
    )
    notes = LimitedTextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)
    # True once a user moved, reassigned, cancelled or marked it: the generator then leaves
    # it alone when its schedule changes.
    user_owned = models.BooleanField(_("modifiée à la main"), default=False)
    # iCalendar SEQUENCE: bumped on every change, so phones update their copy.
    sequence = models.PositiveIntegerField(default=0)
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = InterventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["start"], name="intervention_start"),
            # The dashboard's hours by day and status and its served sites, from the index
            # alone (planning.report's rules read these columns).
            models.Index(
                fields=["start"],
                include=["status", "end", "quantity", "actual_start", "actual_end", "site"],
                name="intervention_start_hours",
            ),
            models.Index(fields=["employee", "start"], name="intervention_employee_start"),
            models.Index(fields=["site", "start"], name="intervention_site_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "occurrence_date"],
                name="intervention_one_per_occurrence",
                violation_error_message=_("Cette occurrence de la programmation existe déjà."),
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="intervention_end_after_start",
                violation_error_message=_("La fin doit suivre le début."),
            ),
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True)
                | Q(actual_end__isnull=True)
                | Q(actual_end__gt=F("actual_start")),
                name="intervention_actual_end_after_start",
                violation_error_message=_("La fin réelle doit suivre le début réel."),
            ),
        ]

    def __str__(self) -> str:
        service = self.service.label if self.service_id else _("Intervention")
        return f"{service}, {self.start:%d/%m/%Y}"

    @property
    def hours(self) -> Decimal:
        """The quantity, or the duration in hours: real if both real times are entered (a
        visit done), else planned. planning.report sums the same in the database."""
        if self.quantity is not None:
            return self.quantity
        if self.actual_start and self.actual_end:
            start, end = self.actual_start, self.actual_end
        else:
            start, end = self.start, self.end
        # Timestamps, not `end - start`: two times in Europe/Paris would subtract as wall-clock
        # times, an hour off across a change of summer time.
        seconds = round(end.timestamp() - start.timestamp())
        return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))
