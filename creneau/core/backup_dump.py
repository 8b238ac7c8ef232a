"""The database half of a backup: a dump and its load, portable or by pg_dump.

Two formats, chosen by `backup --database-format` (auto by default):

- **portable** (any database): one JSON-lines file per table, the first line naming the
  model and its columns, then one JSON array per row in primary-key order. Values are read
  through the ORM (so a SQLite boolean and a PostgreSQL one both come out as `true`) and
  written back through each field's `to_python`, as raw rows: no `save()`, no signal, no
  `auto_now`, so an issued invoice keeps its timestamps and the journal its hashes. It
  restores into PostgreSQL or SQLite alike, from either (SQLite to PostgreSQL is the usual
  move up). It is read inside one transaction, a snapshot: REPEATABLE READ on PostgreSQL, a
  deferred read transaction on SQLite (WAL lets writers go on meanwhile).
- **pg_dump** (PostgreSQL, with a `pg_dump` of the server's major version in PATH): the
  custom format, restored by `pg_restore` in one transaction. Faster on a large base and
  complete (indexes, extensions, sequences), but only into PostgreSQL. pg_dump takes its
  own snapshot, so it is consistent by itself.

`auto` takes pg_dump when it can and the portable dump otherwise.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils.duration import duration_iso_string

PORTABLE = "portable"
PG_DUMP = "pg_dump"
READ_CHUNK_ROWS = 2000

# Tables that `migrate` itself fills (content types, permissions, the role groups, the
# VAT rates and dunning levels of the data migrations, the tasks that post_migrate
# queues): rows there do not make a database "in use".
FILLED_BY_MIGRATE = {
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "django_content_type",
    "django_tasks_database_dbtaskresult",
    "catalog_vatrate",
    "payments_reminderlevel",
}


class DumpError(Exception):
    """A dump or a load that cannot go on; the message is for the operator."""


def dumped_models() -> list[type[models.Model]]:
    """Every table Django manages, many-to-many tables included, in a stable order."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    return sorted(found, key=lambda model: model._meta.db_table)


def migrations_applied() -> dict[str, list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


# --- portable dump ------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _encode_row(row: tuple, json_columns: set[int]) -> bytes:
    # A JSONField's value is already JSON data: written as it is, never re-typed.
    values = [
        value if index in json_columns else _json_value(value) for index, value in enumerate(row)
    ]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def table_dump(model: type[models.Model], output: IO[bytes]) -> int:
    """Write one table as JSON lines to output; returns its number of rows."""
    fields = model._meta.local_concrete_fields
    header = {"model": model._meta.label, "table": model._meta.db_table}
    header["columns"] = [field.attname for field in fields]
    output.write(json.dumps(header).encode() + b"\n")
    json_columns = {
        index for index, field in enumerate(fields) if isinstance(field, models.JSONField)
    }
    rows = (
        model._base_manager.order_by("pk")
        .values_list(*header["columns"])
        .iterator(chunk_size=READ_CHUNK_ROWS)
    )
    count = 0
    for row in rows:
        output.write(_encode_row(row, json_columns))
        count += 1
    return count


@contextmanager
def read_snapshot() -> Iterator[None]:
    """One consistent view of the database while the tables are read."""
    connection.ensure_connection()
    if connection.in_atomic_block:  # called inside a transaction: it is the snapshot
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # The settings open SQLite transactions with BEGIN IMMEDIATE (the write lock):
        # a backup must not hold it for minutes. A deferred BEGIN whose first read takes
        # the WAL snapshot leaves the writers free.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            try:
                cursor.execute("SELECT count(*) FROM django_migrations")
                yield
            finally:
                cursor.execute("COMMIT")
        return
    with transaction.atomic():
        yield


# --- portable load --------------------------------------------------------------------


def _python_value(field: models.Field, value):
    if value is None or isinstance(field, models.JSONField):
        return value
    if isinstance(field, models.BinaryField):
        return base64.b64decode(value)
    return field.to_python(value)


def table_load(lines: IO[bytes]) -> tuple[type[models.Model], int]:
    """Insert one dumped table's rows, as they were (raw: no save(), no auto_now)."""
    header = json.loads(lines.readline())
    try:
        model = apps.get_model(header["model"])
    except LookupError as error:
        raise DumpError(f"Table inconnue de cette version : {header['model']}") from error
    by_name = {field.attname: field for field in model._meta.local_concrete_fields}
    missing = [column for column in header["columns"] if column not in by_name]
    if missing:
        raise DumpError(f"{header['model']} : colonnes inconnues {', '.join(missing)}")
    fields = [by_name[column] for column in header["columns"]]
    batch_size = max(1, min(500, connection.ops.bulk_batch_size(fields, [None] * 500)))
    batch: list[models.Model] = []
    count = 0
    for line in lines:
        values = json.loads(line)
        instance = model(
            **{
                field.attname: _python_value(field, value)
                for field, value in zip(fields, values, strict=True)
            }
        )
        batch.append(instance)
        if len(batch) >= batch_size:
            model._base_manager._insert(batch, fields=fields, raw=True)
            count += len(batch)
            batch = []
    if batch:
        model._base_manager._insert(batch, fields=fields, raw=True)
        count += len(batch)
    return model, count


def tables_clear(tables: list[str]) -> None:
    """Empty the tables that the load fills (migrate's own rows included): the archive's
    rows come with their ids. The foreign keys are deferred until commit."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")


def sequences_reset(model_list: list[type[models.Model]]) -> None:
    """PostgreSQL's id sequences start after the restored rows (SQLite's AUTOINCREMENT
    follows the inserted ids by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def tables_in_use() -> list[str]:
    """Tables of this database that hold rows, besides those migrate fills itself."""
    existing = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    in_use = []
    with connection.cursor() as cursor:
        for model in dumped_models():
            table = model._meta.db_table
            if table in FILLED_BY_MIGRATE or table not in existing:
                continue
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
            if cursor.fetchone():
                in_use.append(table)
    return in_use


# --- pg_dump / pg_restore ---------------------------------------------------------------


def _pg_environment() -> dict[str, str]:
    settings = connection.settings_dict
    environment = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings.get(key):
            environment[name] = str(settings[key])
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]
    environment["PGDATABASE"] = settings["NAME"]
    return environment


def _tool_major_version(tool: str) -> int | None:
    path = shutil.which(tool)
    if not path:
        return None
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    try:
        return int(output.split(")")[1].split()[0].split(".")[0])
    except (IndexError, ValueError):
        return None


def pg_dump_usable() -> bool:
    """pg_dump is in PATH with the server's major version (an older one refuses a newer
    server; a newer one writes archives an older pg_restore cannot read)."""
    if connection.vendor != "postgresql":
        return False
    connection.ensure_connection()
    return _tool_major_version("pg_dump") == connection.pg_version // 10000


def _cache_tables() -> list[str]:
    """The tables of the database caches (settings.CACHES): their rows are not data."""
    return [
        config["LOCATION"]
        for config in settings.CACHES.values()
        if config["BACKEND"].endswith(".DatabaseCache")
    ]


def pg_dump_to(path: Path) -> None:
    command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"]
    command += [f"--exclude-table-data={table}" for table in _cache_tables()]
    done = subprocess.run(
        command, env=_pg_environment(), capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise DumpError(f"pg_dump a échoué : {done.stderr.strip()}")


def pg_restore_from(path: Path, *, clean: bool) -> None:
    if _tool_major_version("pg_restore") is None:
        raise DumpError("pg_restore est introuvable (paquet postgresql-client).")
    command = [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ]
    if clean:
        command += ["--clean", "--if-exists"]
    command += [f"--dbname={connection.settings_dict['NAME']}", str(path)]
    connection.close()  # pg_restore works on its own connection
    done = subprocess.run(
        command, env=_pg_environment(), capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise DumpError(f"pg_restore a échoué : {done.stderr.strip()}")
