"""The embedded SQLite under several writers (the web server, the task worker and the
outbox loop of `make run`): two processes hammer one row with read-then-write
transactions. None may fail with "database is locked", and no update may be lost.

It makes its own SQLite file, so it runs whatever database the suite uses."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

from django.conf import settings as django_settings

INCREMENTS = 150
WRITERS = 2


def test_two_processes_writing_sqlite_at_once_neither_fail_nor_lose_updates(tmp_path):
    database = tmp_path / "concurrent.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)")
        connection.execute("INSERT INTO counter VALUES (1, 0)")
    go = tmp_path / "go"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "creneau.core.tests.sqlite_writer", str(INCREMENTS), str(go)],
            cwd=django_settings.BASE_DIR,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WRITERS)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.ready-*"))) < WRITERS and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    results = []
    for writer in writers:
        stdout, stderr = writer.communicate(timeout=180)
        assert writer.returncode == 0, stderr
        results.append(json.loads(stdout.strip().splitlines()[-1]))

    assert [result["errors"] for result in results] == [[]] * WRITERS
    assert [result["done"] for result in results] == [INCREMENTS] * WRITERS
    with sqlite3.connect(database) as connection:
        (total,) = connection.execute("SELECT value FROM counter WHERE id = 1").fetchone()
    assert total == INCREMENTS * WRITERS  # no update lost
