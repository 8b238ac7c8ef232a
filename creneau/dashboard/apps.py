from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "creneau.dashboard"
    label = "dashboard"
    verbose_name = _("Tableau de bord")

    def ready(self) -> None:
        from creneau.dashboard.cache import versions_listen

        # Every save or delete of an invoice, a payment, an allocation or a visit bumps the
        # version of its topic after commit; bulk writes say so themselves
        # (core.versions.data_changed).
        versions_listen()

        from django.db.models.signals import post_migrate

        from creneau.dashboard.tasks import dashboard_warm_on_migrate

        # The night's computation of the day's figures is a chain of tasks
        # (dashboard.tasks), started again by every migrate if it is not waiting.
        post_migrate.connect(
            dashboard_warm_on_migrate, sender=self, dispatch_uid="creneau_dashboard_warm_daily"
        )
