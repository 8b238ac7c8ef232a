"""Write one backup archive: the database dump, every stored file, a manifest of sha256.

    manage.py backup [--output FILE] [--database-format auto|pg_dump|portable]

FILE ending in .tar.gz or .tgz is compressed; `-` writes the archive to standard output
(to pipe it into gpg or an upload). What is inside, and why: creneau/core/backup.py and
docs/backup.md.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from creneau.core.backup import BackupError, backup_to_file, backup_write
from creneau.core.backup_dump import DumpError


def default_output() -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return str(settings.VAR_DIR / "backups" / f"creneau-{stamp}.tar.gz")


class Command(BaseCommand):
    help = (
        "Écrit une archive de sauvegarde : la base de données, tous les fichiers stockés "
        "et un manifeste (sha256 de chaque membre)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            help="Fichier écrit (.tar, ou .tar.gz compressé) ; « - » pour la sortie standard. "
            "Par défaut var/backups/creneau-<date>.tar.gz.",
        )
        parser.add_argument(
            "--database-format",
            choices=["auto", "pg_dump", "portable"],
            default="auto",
            help="auto : pg_dump sur PostgreSQL s'il est de la même version, sinon portable.",
        )

    def handle(self, *args, output: str | None, database_format: str, **options) -> None:
        try:
            if output == "-":
                summary = backup_write(
                    output=sys.stdout.buffer, compression="gz", database_format=database_format
                )
                self.stderr.write(
                    f"Sauvegarde écrite sur la sortie standard ({summary.files} fichier(s))."
                )
                return
            summary = backup_to_file(
                path=output or default_output(), database_format=database_format
            )
        except (BackupError, DumpError) as error:
            raise CommandError(str(error)) from error
        megabytes = summary.archive_bytes / 1_000_000
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {summary.path} ({megabytes:.1f} Mo, "
                f"base {summary.database_format}, "
                f"{summary.tables} table(s), {summary.files} fichier(s), {summary.seconds:.1f} s)."
            )
        )
