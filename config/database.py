"""The database settings, from the environment and the command that runs.

Apart from settings.py so that a test can call it with any environment and command line.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import dj_database_url

# Seconds a persistent connection is kept when DB_CONN_MAX_AGE does not say.
DEFAULT_CONN_MAX_AGE = 60

# The embedded SQLite is written by the web server, the task worker and the outbox loop at
# once. A transaction that reads and then writes ("DEFERRED", SQLite's default) cannot wait
# for another writer: SQLite answers "database is locked" at once. BEGIN IMMEDIATE takes
# the write lock first, and the busy timeout lets the others wait for it instead of failing.
# WAL lets readers go on while one writes; synchronous=NORMAL is safe with WAL (a power cut
# may lose the last commits, never corrupt the file) and saves an fsync per commit.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def runs_under_runserver(argv: Sequence[str]) -> bool:
    """`manage.py runserver` (or `python -m django runserver`), autoreloader child included."""
    return len(argv) > 1 and argv[1] == "runserver"


def database_settings(
    *, environ: Mapping[str, str], argv: Sequence[str], default_sqlite_path: Path
) -> dict:
    """DATABASES["default"]: DATABASE_URL, or SQLite at default_sqlite_path.

    runserver serves each request in a thread of its own that ends with the request. A
    persistent connection belongs to its thread, so with CONN_MAX_AGE > 0 every request
    left one connection open behind it until PostgreSQL refused new clients. Under
    runserver connections are therefore closed after each request, whatever
    DB_CONN_MAX_AGE says. Elsewhere (gunicorn's workers, the task worker) a connection is
    kept DB_CONN_MAX_AGE seconds (60 by default; 0 closes it after each request), and
    checked before a request reuses it, so that a database restart costs no error page.
    """
    config = dj_database_url.parse(
        environ.get("DATABASE_URL") or f"sqlite:///{default_sqlite_path}",  # empty: unset
        conn_max_age=int(environ.get("DB_CONN_MAX_AGE", DEFAULT_CONN_MAX_AGE)),
        conn_health_checks=True,
    )
    if runs_under_runserver(argv):
        config["CONN_MAX_AGE"] = 0
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
        config["TEST"] = {"NAME": str(sqlite_test_path())}
    return config


def sqlite_test_path() -> Path:
    """Where the tests' SQLite database lives: a file of this test process, as in production.

    Django would otherwise test on a shared-cache memory database, where a transaction
    locks out the other connections without waiting (no busy timeout there): the live
    server's concurrent requests in the browser tests would fail where a file waits."""
    return Path(tempfile.gettempdir()) / f"creneau-test-{os.getpid()}.sqlite3"
