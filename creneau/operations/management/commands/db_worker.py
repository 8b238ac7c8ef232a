"""`manage.py db_worker`: django-tasks-db's worker, unchanged, with a heartbeat.

It takes the place of django-tasks-db's command of the same name (creneau.operations is
listed before django_tasks_db in INSTALLED_APPS), so that every way of starting a worker
(make run, compose.yaml, systemd, the tests) beats without a new command to learn. The
heartbeat (creneau.operations.heartbeat) is what /healthz reads; each task's log lines
carry `task-<id>` as their request id (creneau.operations.request_id)."""

from __future__ import annotations

import os

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from creneau.operations.heartbeat import Heartbeat


class Command(db_worker.Command):
    help = "Run a database background worker (with the heartbeat read by /healthz)"

    def handle(self, *args, **options) -> None:
        # With --reload the parent process only watches the files; its child works.
        working = not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        if options["batch"]:
            working = True  # --batch turns the reloader off
        heartbeat = None
        if working:
            heartbeat = Heartbeat(
                worker_id=options["worker_id"], interval=settings.WORKER_HEARTBEAT_SECONDS
            )
            heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            if heartbeat is not None:
                heartbeat.stop()
