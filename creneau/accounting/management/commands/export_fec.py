"""The FEC of the fiscal year that closes in a year, from a script:

    manage.py export_fec --year 2026 [--output FILE]

Written to FILE (by default <SIREN>FEC<AAAAMMJJ>.txt in the current folder; `-` for the
standard output). A closed year's FEC is the file kept at its closing."""

from __future__ import annotations

import sys
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from creneau.accounting.fec import fec_filename
from creneau.accounting.selectors import fiscal_year_for
from creneau.accounting.services import fec_content


class Command(BaseCommand):
    help = _("Exporte le FEC de l'exercice qui se clôt dans l'année donnée.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help=_("année de clôture"))
        parser.add_argument("--output", help=_("fichier à écrire (« - » : sortie standard)"))

    def handle(self, *args, **options) -> None:
        try:
            fiscal_year = fiscal_year_for(options["year"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        output = options.get("output") or fec_filename(fiscal_year)
        started = time.perf_counter()
        size = 0
        if output == "-":
            for chunk in fec_content(fiscal_year):
                sys.stdout.buffer.write(chunk)
                size += len(chunk)
            sys.stdout.buffer.flush()
            return
        with open(output, "wb") as handle:
            for chunk in fec_content(fiscal_year):
                handle.write(chunk)
                size += len(chunk)
        self.stderr.write(
            _("%(file)s : %(size)s octets en %(seconds).1f s")
            % {"file": output, "size": size, "seconds": time.perf_counter() - started}
        )
