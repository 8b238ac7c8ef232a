"""Rebuild an empty instance from a backup archive.

    manage.py restore FILE [--force]

Checks every sha256 of the archive first and changes nothing if one differs; refuses a
database or storage that already holds data unless --force. Then migrates, loads the
data, puts the files back and resets the sequences. Afterwards, run verify_journal.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from creneau.core.backup import BackupError
from creneau.core.backup_restore import restore_from_file


class Command(BaseCommand):
    help = (
        "Restaure une archive de sauvegarde dans une instance vide (base et stockage), "
        "après avoir vérifié le sha256 de chaque membre."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="Archive écrite par manage.py backup.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Remplacer une base qui contient déjà des données, "
            "écraser les fichiers de même nom.",
        )

    def handle(self, *args, archive: str, force: bool, **options) -> None:
        if not Path(archive).is_file():
            raise CommandError(f"Archive introuvable : {archive}")
        try:
            summary = restore_from_file(path=archive, force=force, log=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            raise CommandError(f"Base de données inaccessible (DATABASE_URL) : {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restauration terminée (sauvegarde du {summary.created_at}), "
                f"{summary.files} fichier(s). Vérifiez le journal : manage.py verify_journal"
            )
        )
