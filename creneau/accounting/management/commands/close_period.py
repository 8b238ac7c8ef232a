"""Close the books, from a script:

manage.py close_period --until 2026-06-30        (nothing dated then or before changes)
manage.py close_period --fiscal-year 2026        (the year that closes in 2026: the
                                                 period, then its FEC kept for good)
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from creneau.accounting.selectors import fiscal_year_for
from creneau.accounting.services import books_close, fiscal_year_close


class Command(BaseCommand):
    help = _("Clôt la période jusqu'à une date, ou un exercice (et conserve son FEC).")

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--until", help=_("dernier jour clos (AAAA-MM-JJ)"))
        group.add_argument("--fiscal-year", type=int, help=_("année de clôture de l'exercice"))

    def handle(self, *args, **options) -> None:
        try:
            if options.get("until"):
                try:
                    until = date.fromisoformat(options["until"])
                except ValueError as error:
                    raise CommandError(
                        _("Date invalide : %(value)s (AAAA-MM-JJ).") % {"value": options["until"]}
                    ) from error
                books_close(by=None, until=until)
                self.stdout.write(
                    _("Période close jusqu'au %(date)s.") % {"date": f"{until:%d/%m/%Y}"}
                )
                return
            fiscal_year = fiscal_year_close(
                by=None, fiscal_year=fiscal_year_for(options["fiscal_year"])
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _("Exercice %(year)s clôturé ; FEC %(file)s (SHA-256 %(hash)s).")
            % {"year": fiscal_year, "file": fiscal_year.fec.name, "hash": fiscal_year.fec_sha256}
        )
