from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "creneau.core"
    label = "core"
    verbose_name = _("Société et utilisateurs")

    def ready(self) -> None:
        from django.apps import apps
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from creneau.core.collation import register_sqlite_collation
        from creneau.core.roles import roles_sync

        # SQLite learns the French order (french_collate) on each connection it opens.
        connection_created.connect(
            register_sqlite_collation, dispatch_uid="creneau_sqlite_collation"
        )

        # post_migrate is sent once per app, in INSTALLED_APPS order, and each app's
        # permissions are created by its own signal: the roles can only be given every
        # permission (customers.*, later apps...) after the last app's signal.
        last_app = [app for app in apps.get_app_configs() if app.models_module is not None][-1]
        post_migrate.connect(roles_sync, sender=last_app, dispatch_uid="creneau_roles_sync")
