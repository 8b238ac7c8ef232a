"""Mark as expired the sent quotes whose validity date has passed. Run it daily (cron):

    manage.py expire_quotes

Pages and the API already show such quotes as expired; this records it, with a line in
each quote's history.
"""

from django.core.management.base import BaseCommand

from creneau.quotes.services import quotes_expire


class Command(BaseCommand):
    help = "Marque « expirés » les devis envoyés dont la date de validité est passée."

    def handle(self, *args, **options) -> None:
        count = quotes_expire()
        self.stdout.write(f"{count} devis expiré(s).")
