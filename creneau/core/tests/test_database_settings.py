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
