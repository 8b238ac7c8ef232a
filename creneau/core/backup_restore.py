"""Restore: rebuild an empty instance (database and storage) from a backup archive.

1. Read the whole archive once and check it: the manifest's format, every member's
   size and sha256, no member the manifest does not list, no name that climbs out of
   its folder, every migration known to this code. A corrupted or tampered archive is
   refused here, before anything is changed.
2. Refuse a database or storage in use (unless `force`): a restore replaces them.
3. The database. Portable dump: migrate to the archive's own migrations, empty the
   tables migrate filled, insert every row as it was (one transaction), reset the
   PostgreSQL sequences. pg_dump: pg_restore in one transaction. Then `migrate` brings
   the schema and data up to this code's migrations, when the archive is older.
4. The files, put back in the default storage under their own names.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from creneau.core import backup_dump
from creneau.core.backup import (
    COPY_CHUNK,
    DATABASE_PREFIX,
    FILES_PREFIX,
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_NAME,
    PG_DUMP_MEMBER,
    BackupError,
    storage_walk,
)
from creneau.core.backup_dump import PG_DUMP, DumpError

SPOOL_IN_MEMORY = 8 * 1024 * 1024


@dataclass
class RestoreSummary:
    database_format: str
    tables: int = 0
    rows: int = 0
    files: int = 0
    created_at: str = ""


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and "" not in path.parts[1:]


def archive_check(path: str) -> dict:
    """Read every member, compare it with the manifest; return the manifest."""
    seen: dict[str, tuple[int, str]] = {}
    manifest = None
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in tar:
                if not member.isfile() or not _safe_name(member.name):
                    raise BackupError(f"Archive refusée : membre inattendu « {member.name} ».")
                source = tar.extractfile(member)
                if member.name == MANIFEST_NAME:
                    manifest = json.loads(source.read())
                    continue
                digest = hashlib.sha256()
                size = 0
                while chunk := source.read(COPY_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                seen[member.name] = (size, digest.hexdigest())
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise BackupError(f"Archive illisible ou tronquée : {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise BackupError("Archive refusée : pas de manifeste Créneau (manifest.json).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"Archive refusée : version de format {manifest.get('format_version')} inconnue."
        )
    listed = {member["name"]: (member["size"], member["sha256"]) for member in manifest["members"]}
    for name in sorted(set(listed) | set(seen)):
        if name not in seen:
            raise BackupError(f"Archive refusée : « {name} » manque.")
        if name not in listed:
            raise BackupError(f"Archive refusée : « {name} » n'est pas dans le manifeste.")
        if seen[name] != listed[name]:
            raise BackupError(f"Archive refusée : « {name} » a été modifié (sha256 différent).")
    _check_migrations_known(manifest["migrations"])
    return manifest


def _check_migrations_known(migrations: dict[str, list[str]]) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}"
        for app, names in migrations.items()
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            "Archive refusée : elle vient d'une version plus récente de Créneau "
            f"(migrations inconnues : {', '.join(unknown[:5])}). Installez cette version d'abord."
        )


def target_check(*, manifest: dict, storage: Storage, force: bool) -> None:
    if manifest["database"]["format"] == PG_DUMP and connection.vendor != "postgresql":
        raise BackupError(
            "Cette archive contient un pg_dump : elle ne se restaure que dans PostgreSQL "
            "(faites la sauvegarde avec --database-format portable pour changer de base)."
        )
    if force:
        return
    in_use = backup_dump.tables_in_use()
    if in_use:
        raise BackupError(
            "La base de données n'est pas vide (tables "
            f"{', '.join(in_use[:5])}…) : la restauration la remplacerait. Restaurez dans une "
            "base neuve, ou ajoutez --force pour la remplacer."
        )
    first_file = next(storage_walk(storage), None)
    if first_file is not None:
        raise BackupError(
            f"Le stockage des fichiers n'est pas vide (« {first_file} ») : restaurez dans un "
            "stockage neuf, ou ajoutez --force pour écraser les fichiers de même nom."
        )


def _migrate_to(migrations: dict[str, list[str]]) -> None:
    """Bring the schema to the archive's migrations exactly (its rows fit that schema)."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    applied = {(app, name) for app, names in migrations.items() for name in names}
    leaves = [
        node
        for node in applied
        if not any(child.key in applied for child in graph.node_map[node].children)
    ]
    executor.migrate(sorted(leaves))


def _each_member(path: str, handle: Callable[[tarfile.TarInfo, object], None]) -> None:
    with tarfile.open(path, mode="r|*") as tar:
        for member in tar:
            handle(member, tar.extractfile(member))


def _database_portable(path: str, manifest: dict, summary: RestoreSummary) -> None:
    _migrate_to(manifest["migrations"])
    tables = [model._meta.db_table for model in backup_dump.dumped_models()]
    existing = set(connection.introspection.table_names())
    loaded = []

    def load(member, source) -> None:
        if member.name.startswith(DATABASE_PREFIX) and member.name.endswith(".jsonl"):
            model, rows = backup_dump.table_load(source)
            loaded.append(model)
            summary.rows += rows

    with transaction.atomic():
        backup_dump.tables_clear([table for table in tables if table in existing])
        _each_member(path, load)
        backup_dump.sequences_reset(loaded)
    summary.tables = len(loaded)


def _database_pg_dump(path: str, summary: RestoreSummary) -> None:
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "database.pgdump"

        def extract(member, source) -> None:
            if member.name == PG_DUMP_MEMBER:
                with dump.open("wb") as output:
                    while chunk := source.read(COPY_CHUNK):
                        output.write(chunk)

        _each_member(path, extract)
        has_tables = bool(connection.introspection.table_names())
        backup_dump.pg_restore_from(dump, clean=has_tables)
    summary.tables = len(backup_dump.dumped_models())


def _files(path: str, storage: Storage, summary: RestoreSummary, *, force: bool) -> None:
    def put_back(member, source) -> None:
        if not member.name.startswith(FILES_PREFIX):
            return
        name = member.name[len(FILES_PREFIX) :]
        if force and storage.exists(name):
            storage.delete(name)
        # A streamed tar member cannot seek, and S3's upload wants to: each file goes
        # through a spooled copy (in memory up to 8 MB, on disk beyond).
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as copy:
            while chunk := source.read(COPY_CHUNK):
                copy.write(chunk)
            copy.seek(0)
            saved = storage.save(name, File(copy, name=name))
        if saved != name:
            raise BackupError(f"Le fichier « {name} » a été enregistré sous « {saved} ».")
        summary.files += 1

    _each_member(path, put_back)


def restore_from_file(*, path: str, force: bool = False, storage=None, log=None) -> RestoreSummary:
    storage = storage or default_storage
    log = log or (lambda message: None)
    manifest = archive_check(path)
    log(f"Archive vérifiée : {len(manifest['members'])} membre(s), sha256 conformes.")
    target_check(manifest=manifest, storage=storage, force=force)
    database_format = manifest["database"]["format"]
    summary = RestoreSummary(database_format=database_format, created_at=manifest["created_at"])
    try:
        if database_format == PG_DUMP:
            _database_pg_dump(path, summary)
        else:
            _database_portable(path, manifest, summary)
    except DumpError as error:
        raise BackupError(str(error)) from error
    call_command("migrate", interactive=False, verbosity=0)
    rows = f", {summary.rows} ligne(s)" if database_format != PG_DUMP else ""
    log(f"Base restaurée ({database_format}) : {summary.tables} table(s){rows}.")
    _files(path, storage, summary, force=force)
    log(f"Fichiers restaurés : {summary.files}.")
    return summary
