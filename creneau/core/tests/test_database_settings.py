"""Database connections: none kept by runserver's threads, persistent and health-checked
elsewhere; SQLite set up for several writing processes (config/database.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from config.database import database_settings

SQLITE = Path("/srv/creneau/var/creneau.sqlite3")
POSTGRES = {"DATABASE_URL": "postgresql://creneau@db.example:5432/creneau"}
RUNSERVER = ["manage.py", "runserver", "127.0.0.1:8000"]
GUNICORN = ["/srv/creneau/.venv/bin/gunicorn", "config.wsgi"]


def settings_for(environ: dict[str, str], argv: list[str]) -> dict:
    return database_settings(environ=environ, argv=argv, default_sqlite_path=SQLITE)


@pytest.mark.parametrize("environ", [POSTGRES, {**POSTGRES, "DB_CONN_MAX_AGE": "60"}, {}])
def test_runserver_keeps_no_connection_whatever_the_environment_says(environ):
    assert settings_for(environ, RUNSERVER)["CONN_MAX_AGE"] == 0
    assert settings_for(environ, ["-m django", "runserver"])["CONN_MAX_AGE"] == 0


def test_gunicorn_keeps_connections_and_checks_them_before_reuse():
    database = settings_for(POSTGRES, GUNICORN)
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
    assert settings_for({**POSTGRES, "DB_CONN_MAX_AGE": "300"}, GUNICORN)["CONN_MAX_AGE"] == 300
    assert settings_for({**POSTGRES, "DB_CONN_MAX_AGE": "0"}, GUNICORN)["CONN_MAX_AGE"] == 0
    assert "OPTIONS" not in database or "transaction_mode" not in database["OPTIONS"]


def test_sqlite_waits_for_other_writers_instead_of_failing():
    database = settings_for({}, GUNICORN)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(SQLITE)
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 10
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert "synchronous=NORMAL" in database["OPTIONS"]["init_command"]
    # The tests use a file too, not SQLite's shared-cache memory database.
    assert database["TEST"]["NAME"].endswith(".sqlite3")


def test_the_settings_module_closes_connections_under_runserver():
    """config/settings.py itself, imported as `manage.py runserver` imports it."""
    script = (
        "import sys; sys.argv = ['manage.py', 'runserver'];"
        "import django; from django.conf import settings; django.setup();"
        "database = settings.DATABASES['default'];"
        "print(database['CONN_MAX_AGE'], database['CONN_HEALTH_CHECKS'])"
    )
    environment = {"DJANGO_SETTINGS_MODULE": "config.settings", "DB_CONN_MAX_AGE": "60"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "True"]


# The connection pool (DB_POOL, docs/scaling.md) ------------------------------------------


def test_no_pool_unless_asked():
    assert "pool" not in settings_for(POSTGRES, GUNICORN).get("OPTIONS", {})
    assert "pool" not in settings_for({**POSTGRES, "DB_POOL": "false"}, GUNICORN).get("OPTIONS", {})


def test_pool_on_postgresql_with_its_sizes_and_no_persistent_connection():
    environ = {**POSTGRES, "DB_POOL": "true", "DB_CONN_MAX_AGE": "600"}
    database = settings_for(environ, GUNICORN)
    assert database["CONN_MAX_AGE"] == 0  # Django refuses a pool beside persistent ones
    assert database["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 4, "timeout": 10}
    assert database["CONN_HEALTH_CHECKS"] is True  # Django then checks each lent connection
    sized = {**environ, "DB_POOL_MIN_SIZE": "1", "DB_POOL_MAX_SIZE": "8", "DB_POOL_TIMEOUT": "3"}
    pool = settings_for(sized, GUNICORN)["OPTIONS"]["pool"]
    assert pool == {"min_size": 1, "max_size": 8, "timeout": 3}
    assert settings_for(environ, RUNSERVER)["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize(
    "extra",
    [
        {"DB_POOL_MAX_SIZE": "0"},
        {"DB_POOL_MIN_SIZE": "deux"},
        {"DB_POOL_MIN_SIZE": "5", "DB_POOL_MAX_SIZE": "4"},
        {"DB_POOL_TIMEOUT": "-1"},
    ],
)
def test_pool_sizes_that_make_no_sense_are_refused_at_start(extra):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        settings_for({**POSTGRES, "DB_POOL": "on", **extra}, GUNICORN)


def test_pool_is_refused_on_sqlite():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        settings_for({"DB_POOL": "true"}, GUNICORN)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only"
)
def test_the_settings_module_opens_a_working_pool_on_postgresql():
    """Django itself accepts the settings: a query goes through the pool."""
    script = (
        "import django; from django.conf import settings; django.setup();"
        "from django.db import connection;"
        "cursor = connection.cursor(); cursor.execute('SELECT 1');"
        "print(cursor.fetchone()[0], connection.pool is not None,"
        " settings.DATABASES['default']['CONN_MAX_AGE'])"
    )
    environment = {"DJANGO_SETTINGS_MODULE": "config.settings", "DB_POOL": "true"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "True", "0"]
