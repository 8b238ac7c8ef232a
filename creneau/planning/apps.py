from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "creneau.planning"
    label = "planning"
    verbose_name = _("Planning")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from creneau.planning.tasks import daily_run_on_migrate

        # The daily runs of the planning are chains of tasks (see planning.tasks):
        # every migrate (`make run` starts with one) starts it again if it is not waiting.
        post_migrate.connect(
            daily_run_on_migrate, sender=self, dispatch_uid="creneau_planning_daily_run"
        )
