from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotesConfig(AppConfig):
    name = "creneau.quotes"
    label = "quotes"
    verbose_name = _("Devis")

    def ready(self) -> None:
        from creneau.core.services import email_sent_handler_register
        from creneau.quotes.services import quote_email_sent

        # A quote is "sent" when the outbox says its e-mail has left.
        email_sent_handler_register("quote", quote_email_sent)
