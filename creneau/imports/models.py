"""Imports of customers, sites, contacts and mandates from a CSV or Excel file, and the
named column mappings reused from one import to the next."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from creneau.core.models import CleanTextMixin


class ImportMapping(CleanTextMixin, models.Model):
    """A named column mapping (modèle d'import): which column of the file feeds which field,
    kept for the next import of the same kind of file."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    # {field name: column header}, field names from imports.fields.FIELDS.
    columns = models.JSONField(_("colonnes"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("modèle d'import")
        verbose_name_plural = _("modèles d'import")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(CleanTextMixin, models.Model):
    """One import: the uploaded file (kept as a UTF-8 CSV in private storage; a workbook is
    stored as it is and converted by the task worker, status "converting"), its mapping,
    the preview's report, and once imported what it created, so that it can be undone."""

    class Status(models.TextChoices):
        CONVERTING = "converting", _("Conversion en cours")
        UPLOADED = "uploaded", _("Fichier déposé")
        CHECKING = "checking", _("Vérification en cours")
        CHECKED = "checked", _("Vérifié")
        IMPORTING = "importing", _("Import en cours")
        IMPORTED = "imported", _("Importé")
        FAILED = "failed", _("Échec")
        UNDONE = "undone", _("Annulé")

    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    original_name = models.CharField(_("fichier"), max_length=255)
    file_kind = models.CharField(_("format"), max_length=10)  # csv / xlsx
    encoding = models.CharField(_("encodage"), max_length=20, blank=True)
    delimiter = models.CharField(_("séparateur"), max_length=5, blank=True)
    csv_path = models.CharField(max_length=255, editable=False)
    headers = models.JSONField(_("colonnes du fichier"), default=list)
    columns = models.JSONField(_("correspondance"), default=dict)
    row_count = models.PositiveIntegerField(_("lignes"), default=0)
    error_count = models.PositiveIntegerField(_("erreurs"), default=0)
    duplicate_count = models.PositiveIntegerField(_("doublons probables"), default=0)
    customer_count = models.PositiveIntegerField(_("clients"), default=0)
    site_count = models.PositiveIntegerField(_("sites"), default=0)
    progress_done = models.PositiveIntegerField(_("faites"), default=0)
    progress_total = models.PositiveIntegerField(_("à faire"), default=0)
    error = models.CharField(_("erreur"), max_length=500, blank=True)
    # What the check read (the file, the mapping, the families), hashed: the import trusts
    # the check's per-row model validation only while it is unchanged (services.check_digest).
    checked_digest = models.CharField(max_length=64, blank=True, editable=False)
    # What the import wrote, for the undo: ids by kind, and the updated customers' values
    # before the import ({customer id: {field: value}}).
    created_ids = models.JSONField(default=dict, editable=False)
    updated_before = models.JSONField(default=dict, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    imported_at = models.DateTimeField(_("importé le"), null=True, blank=True)
    undone_at = models.DateTimeField(_("annulé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("Import n° %(id)s (%(name)s)") % {"id": self.pk, "name": self.original_name}


class ImportIssue(CleanTextMixin, models.Model):
    """One line of the preview's report: an error at a row and column, or a likely
    duplicate of an existing customer with the choice made for it."""

    class Kind(models.TextChoices):
        ERROR = "error", _("Erreur")
        DUPLICATE = "duplicate", _("Doublon probable")

    class Decision(models.TextChoices):
        SKIP = "skip", _("Ignorer")
        UPDATE = "update", _("Mettre à jour")
        CREATE = "create", _("Créer quand même")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    row = models.PositiveIntegerField(_("ligne"))
    column = models.CharField(_("colonne"), max_length=255, blank=True)
    message = models.CharField(_("message"), max_length=500)
    existing_customer_id = models.PositiveBigIntegerField(null=True, blank=True)
    decision = models.CharField(
        _("choix"), max_length=10, choices=Decision.choices, default=Decision.SKIP
    )

    class Meta:
        verbose_name = _("point du rapport d'import")
        verbose_name_plural = _("rapport d'import")
        ordering = ["batch", "kind", "row", "id"]
        indexes = [models.Index(fields=["batch", "kind", "row"], name="importissue_batch_kind_row")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["error", "duplicate"]),
                name="importissue_kind_valid",
                violation_error_message=_("Type inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=["skip", "update", "create"]),
                name="importissue_decision_valid",
                violation_error_message=_("Choix inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"
