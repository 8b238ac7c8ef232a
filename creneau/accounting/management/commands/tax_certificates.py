"""The annual tax certificates, from a script: generate a year's, with their PDFs, right
here (no task worker needed), and with --send e-mail those still to send.

    manage.py tax_certificates --year 2025 [--send] [--user direction] [--jobs 2]
"""

from __future__ import annotations

import time

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from creneau.accounting.rules import user_may_manage_tax_certificates
from creneau.accounting.tax_certificate_sending import tax_certificates_send_year
from creneau.accounting.tax_certificate_services import (
    default_year,
    tax_certificate_pdfs_render,
    tax_certificate_year_check,
    tax_certificates_generate,
)
from creneau.core.selectors import direction_users


class Command(BaseCommand):
    help = _("Attestations fiscales : générer celles d'une année (et leurs PDF), puis envoyer.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", help=_("année des sommes versées (par défaut : l'an passé)"))
        parser.add_argument("--send", action="store_true", help=_("envoyer celles à envoyer"))
        parser.add_argument("--user", help=_("identifiant de l'utilisateur qui les établit"))
        parser.add_argument(
            "--jobs", type=int, default=1, help=_("processus qui font les PDF (1 par défaut)")
        )

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
        else:
            user = direction_users().order_by("pk").first()
        if user is None or not user_may_manage_tax_certificates(user):
            raise CommandError(
                _("Il faut un utilisateur actif de la direction ou de la comptabilité.")
            )
        return user

    def handle(self, *args, **options) -> None:
        user = self._user(options["user"])
        try:
            year = tax_certificate_year_check(options["year"] or default_year())
            started = time.monotonic()
            summary = tax_certificates_generate(year=year, by=user)
            jobs = max(1, min(options["jobs"], 16))
            made = tax_certificate_pdfs_render(year=year, jobs=jobs)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _(
                "Attestations %(year)s : créées %(created)s, mises à jour %(updated)s, "
                "inchangées %(unchanged)s, retirées %(removed)s ; PDF faits %(pdfs)s "
                "en %(seconds).1f s ; clients sans attestation : %(excluded)s."
            )
            % {
                "year": year,
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "removed": summary.removed,
                "pdfs": made,
                "seconds": time.monotonic() - started,
                "excluded": len(summary.excluded),
            }
        )
        if options["send"]:
            sent, unreachable, failed = tax_certificates_send_year(year=year, by=user)
            self.stdout.write(
                _("Envoyées : %(sent)s ; sans adresse e-mail : %(none)s ; en échec : %(failed)s.")
                % {"sent": sent, "none": unreachable, "failed": failed}
            )
            if failed:
                raise CommandError(_("%(failed)s envois en échec.") % {"failed": failed})
