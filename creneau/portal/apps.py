from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "creneau.portal"
    label = "portal"
    verbose_name = _("Portail client")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from creneau.core.models import Company
        from creneau.portal import checks  # noqa: F401  (registers the deploy check)
        from creneau.portal.company import forget_portal_company

        for signal in (post_save, post_delete):
            signal.connect(forget_portal_company, sender=Company, dispatch_uid="portal_company")
