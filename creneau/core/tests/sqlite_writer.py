"""One of the processes of test_sqlite_concurrency: many small read-then-write transactions
on a counter, through Django with the project's settings, on the SQLite file DATABASE_URL
names. Waits for the file `go` (so that every writer starts at once), then prints JSON:
how many increments succeeded and the errors met."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import django


def main(increments: int, go: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.db import OperationalError, connection, transaction

    connection.ensure_connection()
    Path(f"{go}.ready-{os.getpid()}").touch()
    while not go.exists():
        time.sleep(0.01)
    done, errors = 0, []
    for _ in range(increments):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # Read, think a little, write what was read plus one: the pattern of a
                # service that validates before saving. A lost update shows in the total.
                cursor.execute("SELECT value FROM counter WHERE id = 1")
                (value,) = cursor.fetchone()
                time.sleep(0.0005)
                cursor.execute("UPDATE counter SET value = %s WHERE id = 1", [value + 1])
            done += 1
        except OperationalError as error:
            errors.append(str(error))
    print(json.dumps({"done": done, "errors": errors[:5], "error_count": len(errors)}))


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
