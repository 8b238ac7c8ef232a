from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "creneau.portal"
    label = "portal"
    verbose_name = _("Portail client")

    def ready(self) -> None:
        from creneau.portal import checks  # noqa: F401  (registers the deploy check)
