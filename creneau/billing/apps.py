from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "creneau.billing"
    label = "billing"
    verbose_name = _("Facturation")

    def ready(self) -> None:
        from creneau.billing.sending import invoice_email_sent
        from creneau.core.services import email_sent_handler_register

        # An invoice records when its e-mail has left (the mail server accepted it).
        email_sent_handler_register("invoice", invoice_email_sent)
