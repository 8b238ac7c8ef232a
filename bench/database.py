"""The benchmark's own PostgreSQL database: chosen before Django starts, created if missing.

BENCH_DATABASE_URL names it (default: postgresql://postgres@127.0.0.1:5432/creneau_bench).
DATABASE_URL is deliberately not read, so that a shell set up for development never
receives 100,000 generated customers.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_bench"


def bench_database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def configure_environment(url: str | None = None) -> str:
    """Point Django at the bench database (`url`, by default BENCH_DATABASE_URL's) with
    production-like settings (DEBUG off, so that no query log is kept and templates are
    cached). Call before django.setup()."""
    url = url or bench_database_url()
    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"The benchmark runs on PostgreSQL, not on {url!r}.")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    # The static files as they are: no collectstatic before a bench (STATIC_MANIFEST is
    # on by default with DEBUG off, and a page would fail on the missing manifest).
    os.environ.setdefault("STATIC_MANIFEST", "false")
    return url


def database_create_if_missing(url: str) -> bool:
    """Create the database named in `url` on its server; True if it was created."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            return False
        connection.execute(f'CREATE DATABASE "{name}"')
    return True
