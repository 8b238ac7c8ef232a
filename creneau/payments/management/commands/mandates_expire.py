"""Expire the SEPA mandates with no collection for 36 months (the daily task does it too).

manage.py mandates_expire [--as-of 2027-01-31]
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.payments.mandates import mandates_expire


class Command(BaseCommand):
    help = _("Mandats SEPA : expire ceux sans prélèvement depuis 36 mois.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help=_("date du jour (AAAA-MM-JJ), aujourd'hui"))

    def handle(self, *args, **options) -> None:
        as_of = timezone.localdate()
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError as error:
                raise CommandError(
                    _("Date invalide : %(value)s (AAAA-MM-JJ).") % {"value": options["as_of"]}
                ) from error
        count = mandates_expire(as_of)
        self.stdout.write(
            _("%(count)s mandat(s) expiré(s) au %(date)s.")
            % {"count": count, "date": f"{as_of:%d/%m/%Y}"}
        )
