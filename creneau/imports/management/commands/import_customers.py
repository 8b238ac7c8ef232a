"""manage.py import_customers FILE [--mapping NAME] [--dry-run]: the host's import.

Checks the file (the report goes to stdout, one line per error or likely duplicate),
then, without --dry-run and when no error remains, imports it in one transaction. Likely
duplicates are skipped (the screen lets one choose per row). Exit code 1 on any error.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from creneau.imports.models import ImportBatch, ImportMapping
from creneau.imports.selectors import batch_issues
from creneau.imports.services import (
    batch_check,
    batch_confirm,
    batch_convert,
    batch_start_check,
    batch_upload,
    mapping_apply,
)
from creneau.imports.writer import ImportRefused, batch_execute


class Command(BaseCommand):
    help = "Importe des clients, sites, interlocuteurs et mandats d'un fichier CSV ou .xlsx."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", help="Nom d'un modèle d'import enregistré.")
        parser.add_argument("--dry-run", action="store_true", help="Vérifier sans importer.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            batch = self._prepare(path, options["mapping"])
            batch_start_check(batch=batch, enqueue=False)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        batch = batch_check(batch_id=batch.pk)
        self._report(batch)
        if batch.error_count:
            raise CommandError(f"{batch.error_count} erreur(s) : rien n'a été importé.")
        if options["dry_run"]:
            self.stdout.write("Vérification seule (--dry-run) : rien n'a été importé.")
            return
        batch_confirm(batch=batch, by=None, enqueue=False)
        try:
            batch = batch_execute(batch_id=batch.pk)
        except ImportRefused as refusal:
            raise CommandError(f"{refusal} Rien n'a été importé.") from refusal
        created = batch.created_ids
        self.stdout.write(
            f"Import n° {batch.pk} : {len(created['customer'])} clients, "
            f"{len(created['site'])} sites, {len(created['contact'])} interlocuteurs, "
            f"{len(created['mandate'])} mandats créés."
        )

    def _prepare(self, path: Path, mapping_name: str | None) -> ImportBatch:
        with path.open("rb") as handle:
            batch = batch_upload(
                by=None, upload=handle, name=path.name, size=path.stat().st_size, enqueue=False
            )
        if batch.status == ImportBatch.Status.CONVERTING:  # a workbook: read here, at once
            batch = batch_convert(batch_id=batch.pk)
            if batch.status == ImportBatch.Status.FAILED:
                raise CommandError(batch.error)
        if mapping_name:
            mapping = ImportMapping.objects.filter(name__iexact=mapping_name).first()
            if mapping is None:
                raise CommandError(f"Modèle d'import inconnu : {mapping_name}")
            batch = mapping_apply(batch=batch, mapping=mapping)
        return batch

    def _report(self, batch: ImportBatch) -> None:
        self.stdout.write(
            f"{batch.row_count} lignes, {batch.customer_count} clients, {batch.site_count} "
            f"sites ; {batch.error_count} erreur(s), "
            f"{batch.duplicate_count} doublon(s) probable(s)."
        )
        for issue in batch_issues(batch=batch).iterator(2000):
            where = f"ligne {issue.row}" + (f", colonne « {issue.column} »" if issue.column else "")
            if issue.kind == "duplicate":
                self.stdout.write(
                    f"{where} : doublon probable du client n° {issue.existing_customer_id} "
                    "(ignoré ; choisissez à l'écran pour mettre à jour ou créer)."
                )
            else:
                self.stdout.write(f"{where} : {issue.message}")
