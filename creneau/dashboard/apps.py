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
