"""Backup: one tar archive with the database dump, every stored file, and a manifest.

    database/<table>.jsonl      the portable dump, one file per table (backup_dump.py)
    database/database.pgdump    or pg_dump's custom format, on PostgreSQL
    files/<name>                every file of the default storage, under its own name
    manifest.json               last: sha256 and size of every member, the format
                                version, the app version, the migrations applied, the
                                database vendor and the date

The archive is written as a stream (tar, gzip when the name ends in .gz or .tgz): files
go from the storage (a folder or S3) into it one at a time, never all in memory. A tar
member's header carries its size, so each table is first dumped to a temporary file.
The manifest comes last because it holds the sums computed while writing; restore reads
the archive once to check every sum before it changes anything (backup_restore.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO

from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.utils import timezone

from creneau.core import backup_dump
from creneau.core.backup_dump import PG_DUMP, PORTABLE

FORMAT_NAME = "creneau-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_PREFIX = "database/"
FILES_PREFIX = "files/"
PG_DUMP_MEMBER = "database/database.pgdump"
COPY_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message is for the operator."""


@dataclass
class BackupSummary:
    path: str
    database_format: str
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    archive_bytes: int = 0
    seconds: float = 0.0
    members: list[dict] = field(default_factory=list)


class HashingReader(io.RawIOBase):
    """Reads through a file, keeping the sha256 and the count of what went by."""

    def __init__(self, source: IO[bytes]):
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def storage_walk(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name of a storage, folders walked depth first, in a stable order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local storage whose folder does not exist yet
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from storage_walk(storage, f"{folder}/{sub}" if folder else sub)


def app_version() -> str:
    try:
        return metadata.version("creneau")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        for line in pyproject.read_text().splitlines():
            if line.startswith("version"):
                return line.split("=", 1)[1].strip().strip('"')
        return "inconnue"


def choose_database_format(requested: str) -> str:
    if requested == PG_DUMP and not backup_dump.pg_dump_usable():
        raise BackupError(
            "pg_dump n'est pas utilisable : base non PostgreSQL, ou pg_dump absent du PATH "
            "ou d'une autre version majeure que le serveur."
        )
    if requested == "auto":
        return PG_DUMP if backup_dump.pg_dump_usable() else PORTABLE
    return requested


class ArchiveWriter:
    """Adds members to a tar stream and records their sha256 for the manifest."""

    def __init__(self, tar: tarfile.TarFile):
        self.tar = tar
        self.members: list[dict] = []

    def add_stream(self, name: str, source: IO[bytes], size: int) -> dict:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(time.time())
        info.mode = 0o600
        reader = HashingReader(source)
        self.tar.addfile(info, reader)
        if reader.size != size:
            raise BackupError(f"{name} : {reader.size} octets lus au lieu de {size}.")
        member = {"name": name, "size": size, "sha256": reader.digest.hexdigest()}
        self.members.append(member)
        return member

    def add_temporary(self, name: str, write: Callable[[IO[bytes]], object]) -> object:
        with tempfile.TemporaryFile() as spool:
            result = write(spool)
            size = spool.tell()
            spool.seek(0)
            self.add_stream(name, spool, size)
        return result

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, io.BytesIO(data), len(data))


def _database_portable(writer: ArchiveWriter, summary: BackupSummary) -> None:
    with backup_dump.read_snapshot():
        migrations = backup_dump.migrations_applied()
        for model in backup_dump.dumped_models():
            name = f"{DATABASE_PREFIX}{model._meta.db_table}.jsonl"
            rows = writer.add_temporary(
                name, lambda spool, m=model: backup_dump.table_dump(m, spool)
            )
            summary.tables += 1
            summary.rows += rows
    return migrations


def _database_pg_dump(writer: ArchiveWriter, summary: BackupSummary) -> dict:
    migrations = backup_dump.migrations_applied()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "database.pgdump"
        backup_dump.pg_dump_to(path)
        with path.open("rb") as dump:
            writer.add_stream(PG_DUMP_MEMBER, dump, path.stat().st_size)
    summary.tables = len(backup_dump.dumped_models())
    return migrations


def _files(writer: ArchiveWriter, storage: Storage, summary: BackupSummary) -> None:
    for name in storage_walk(storage):
        size = storage.size(name)
        with storage.open(name, "rb") as source:
            writer.add_stream(f"{FILES_PREFIX}{name}", source, size)
        summary.files += 1
        summary.file_bytes += size


def manifest_build(*, database_format: str, migrations: dict, members: list[dict]) -> dict:
    connection.ensure_connection()
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "app_version": app_version(),
        "database": {
            "vendor": connection.vendor,
            "server_version": _server_version(),
            "format": database_format,
        },
        "migrations": migrations,
        "members": members,
    }


def _server_version() -> str:
    if connection.vendor == "postgresql":
        return str(connection.pg_version)
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    return ""


def compression_of(path: str) -> str:
    return "gz" if path.endswith((".gz", ".tgz")) else ""


def backup_write(
    *, output: IO[bytes], compression: str = "", database_format: str = "auto", storage=None
) -> BackupSummary:
    """Write the whole archive to an open binary stream (a file, or stdout)."""
    storage = storage or default_storage
    started = time.perf_counter()
    chosen = choose_database_format(database_format)
    summary = BackupSummary(path="", database_format=chosen)
    mode = f"w|{compression}" if compression else "w|"
    with tarfile.open(fileobj=output, mode=mode, format=tarfile.PAX_FORMAT) as tar:
        writer = ArchiveWriter(tar)
        if chosen == PG_DUMP:
            migrations = _database_pg_dump(writer, summary)
        else:
            migrations = _database_portable(writer, summary)
        _files(writer, storage, summary)
        manifest = manifest_build(
            database_format=chosen, migrations=migrations, members=writer.members
        )
        writer.add_bytes(MANIFEST_NAME, json.dumps(manifest, indent=1, ensure_ascii=False).encode())
    summary.members = writer.members
    summary.seconds = time.perf_counter() - started
    return summary


def backup_to_file(*, path: str, database_format: str = "auto", storage=None) -> BackupSummary:
    """Write the archive beside its final name, then rename it: a half-written archive
    never takes the name of a good one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("wb") as output:
            summary = backup_write(
                output=output,
                compression=compression_of(path),
                database_format=database_format,
                storage=storage,
            )
            output.flush()
            os.fsync(output.fileno())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    summary.path = str(target)
    summary.archive_bytes = target.stat().st_size
    return summary
