from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running Créneau in production: the health check (/healthz), the task workers'
    heartbeat, request ids and structured logs (docs/deploy.md)."""

    name = "creneau.operations"
    label = "operations"
    verbose_name = _("Exploitation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started
        from django_tasks_db.compat import task_finished, task_started

        from creneau.operations.request_id import (
            request_id_forget,
            task_id_on_finish,
            task_id_on_start,
        )

        request_started.connect(request_id_forget, dispatch_uid="creneau_request_id_start")
        request_finished.connect(request_id_forget, dispatch_uid="creneau_request_id_end")
        task_started.connect(task_id_on_start, dispatch_uid="creneau_operations_task_start")
        task_finished.connect(task_id_on_finish, dispatch_uid="creneau_operations_task_end")
