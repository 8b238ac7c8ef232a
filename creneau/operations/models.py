"""The task workers' heartbeat, read by the health check (/healthz)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from creneau.core.models import CleanTextMixin

WORKER_ID_MAX_LENGTH = 64  # django-tasks-db's own limit on --worker-id


class WorkerHeartbeat(CleanTextMixin, models.Model):
    """One running task worker (`manage.py db_worker`) and when it last said it was alive.

    Each worker writes its row every WORKER_HEARTBEAT_SECONDS; the health check is unhealthy
    when no row is younger than WORKER_HEARTBEAT_STALE_SECONDS. A stopped worker leaves its
    row behind, which the others delete after a day."""

    worker_id = models.CharField(_("identifiant du worker"), max_length=WORKER_ID_MAX_LENGTH)
    hostname = models.CharField(_("machine"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("processus"))
    started_at = models.DateTimeField(_("démarré le"))
    beat_at = models.DateTimeField(_("dernier signe de vie"), db_index=True)

    class Meta:
        verbose_name = _("signe de vie d'un worker")
        verbose_name_plural = _("signes de vie des workers")
        constraints = [
            models.UniqueConstraint(
                fields=["worker_id"],
                name="operations_heartbeat_worker_unique",
                violation_error_message=_("Ce worker a déjà un signe de vie."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
