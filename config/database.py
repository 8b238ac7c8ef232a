"""The database settings, from the environment and the command that runs.

Apart from settings.py so that a test can call it with any environment and command line.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# Seconds a persistent connection is kept when DB_CONN_MAX_AGE does not say.
DEFAULT_CONN_MAX_AGE = 60

# The connection pool of a process when DB_POOL is on (pool_options).
DEFAULT_POOL_MIN_SIZE = 2
DEFAULT_POOL_MAX_SIZE = 4
DEFAULT_POOL_TIMEOUT = 10

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
    pool = pool_options(environ)
    if pool is not None:
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DB_POOL needs PostgreSQL (DATABASE_URL=postgresql://…).")
        # A pooled connection goes back to the pool at the end of each request: Django
        # refuses a pool beside persistent connections.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "pool": pool}
    return config


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is a whole number, not {raw!r}.") from None
    if value < 1:
        raise ImproperlyConfigured(f"{name} is at least 1, not {value}.")
    return value


def pool_options(environ: Mapping[str, str]) -> dict[str, object] | None:
    """The psycopg connection pool of each process (DB_POOL=true), or None (no pool).

    DB_POOL_MIN_SIZE connections are opened when the process starts and kept; up to
    DB_POOL_MAX_SIZE are opened under load (at least the threads of a gunicorn worker);
    a request waits DB_POOL_TIMEOUT seconds for a free one before failing. Every process
    (each gunicorn worker, each task worker) has its own pool: PostgreSQL sees up to
    processes x DB_POOL_MAX_SIZE connections (docs/scaling.md)."""
    if environ.get("DB_POOL", "").strip().lower() not in {"1", "true", "yes", "on"}:
        return None
    min_size = _positive_int(environ, "DB_POOL_MIN_SIZE", DEFAULT_POOL_MIN_SIZE)
    max_size = _positive_int(environ, "DB_POOL_MAX_SIZE", DEFAULT_POOL_MAX_SIZE)
    if max_size < min_size:
        raise ImproperlyConfigured(
            f"DB_POOL_MAX_SIZE ({max_size}) is smaller than DB_POOL_MIN_SIZE ({min_size})."
        )
    timeout = _positive_int(environ, "DB_POOL_TIMEOUT", DEFAULT_POOL_TIMEOUT)
    # Django tests each connection before lending it (CONN_HEALTH_CHECKS, on): a database
    # restart costs no error page.
    return {"min_size": min_size, "max_size": max_size, "timeout": timeout}


def sqlite_test_path() -> Path:
    """Where the tests' SQLite database lives: a file of this test process, as in production.

    Django would otherwise test on a shared-cache memory database, where a transaction
    locks out the other connections without waiting (no busy timeout there): the live
    server's concurrent requests in the browser tests would fail where a file waits."""
    return Path(tempfile.gettempdir()) / f"creneau-test-{os.getpid()}.sqlite3"
