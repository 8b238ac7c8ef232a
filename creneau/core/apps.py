from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "creneau.core"
    label = "core"
    verbose_name = _("Société et utilisateurs")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from creneau.core.roles import roles_sync

        post_migrate.connect(roles_sync, sender=self)
