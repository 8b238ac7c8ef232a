"""The task worker's heartbeat: a thread of the worker process that writes its
WorkerHeartbeat row every WORKER_HEARTBEAT_SECONDS, also while a long task runs (a billing
run keeps the worker's loop busy for minutes: the worker is still alive)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime

from django.db import connection
from django.utils import timezone

from creneau.operations.services import worker_heartbeat_forget, worker_heartbeat_record

logger = logging.getLogger(__name__)


class Heartbeat:
    """Beats at once on start(), then every `interval` seconds until stop()."""

    def __init__(self, *, worker_id: str, interval: float):
        self.worker_id = worker_id
        self.interval = interval
        self.hostname = socket.gethostname()
        self.pid = os.getpid()
        self.started_at: datetime = timezone.now()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)

    def beat(self) -> bool:
        """Write the row now; False (and a warning in the log) when the database refused."""
        try:
            worker_heartbeat_record(
                worker_id=self.worker_id,
                hostname=self.hostname,
                pid=self.pid,
                started_at=self.started_at,
            )
            return True
        except Exception:
            logger.warning("Worker heartbeat not recorded", exc_info=True)
            return False

    def start(self) -> None:
        # The first beat in the caller's thread: a worker run with --batch beats once too.
        self.beat()
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        """Stop beating and take the row away (a clean stop: the worker is gone)."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 5)
        try:
            worker_heartbeat_forget(worker_id=self.worker_id)
        except Exception:
            logger.warning("Worker heartbeat not removed", exc_info=True)
