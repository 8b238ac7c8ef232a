"""Send the outbox's due e-mails: once (for cron), or in a loop beside the task worker."""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from creneau.core.services import emails_send_due


class Command(BaseCommand):
    help = (
        "Envoie les e-mails en attente ou à réessayer dont l'heure est passée. "
        "Sans option : une passe puis fin (cron) ; --loop : toutes les --interval secondes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="Recommencer sans fin.")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="Secondes entre deux passes (--loop)."
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=getattr(settings, "OUTBOX_SWEEP_GRACE_SECONDS", 60),
            help="Laisser ce nombre de secondes à la tâche d'envoi avant de prendre le relais.",
        )

    def handle(self, *args: Any, loop: bool, interval: float, grace: float, **options) -> None:
        self._running = True
        if loop:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        while True:
            close_old_connections()
            counts = emails_send_due(grace=timedelta(seconds=grace))
            if counts and options["verbosity"] >= 1:
                summary = ", ".join(f"{status}: {count}" for status, count in counts.items())
                self.stdout.write(f"send_outbox: {summary}")
            if not loop or not self._running:
                return
            self._sleep(interval)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._running and time.monotonic() < deadline:
            time.sleep(min(0.5, deadline - time.monotonic()))

    def _stop(self, signum: int, frame: Any) -> None:
        # First signal: finish the current pass, then leave. Second: leave now; the e-mail
        # being sent rolls back to its previous status (see email_send).
        if not self._running:
            raise SystemExit(1)
        self._running = False
