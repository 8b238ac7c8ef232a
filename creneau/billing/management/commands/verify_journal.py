"""Walk the inalterable journal and say whether it still holds. Run it daily (cron), or
before sending the accounts:

    manage.py verify_journal

Exits 0 when every entry chains to the one before and every issued invoice still has the
figures it was journaled with; otherwise exits 1, naming the first broken entry. Each run
is recorded (the journal's page shows the last one).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format

from creneau.billing.journal import journal_verify


class Command(BaseCommand):
    help = (
        "Vérifie le journal inaltérable des factures : chaînage des empreintes et "
        "chiffres des factures émises. Code de sortie non nul à la première rupture."
    )

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        verification = journal_verify()
        elapsed = time.perf_counter() - started
        entries = number_format(verification.entries, force_grouping=True)
        if not verification.ok:
            raise CommandError(
                f"Journal rompu : {verification.message} "
                f"({entries} écriture(s) lue(s) en {elapsed:.1f} s)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Journal intègre : {entries} écriture(s) vérifiée(s) en {elapsed:.1f} s."
            )
        )
