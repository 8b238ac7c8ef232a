"""Queue the visit reminders of a day (tomorrow by default): an e-mail to each customer who
opted in, for each planned visit. Running it twice sends nothing twice.

With --daily, it sends nothing now: it starts the daily run in the task worker
(planning.tasks), unless it is already waiting in the queue."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.planning.reminders import visit_reminders_send
from creneau.planning.tasks import visit_reminders_daily_ensure


class Command(BaseCommand):
    help = _("Envoie les rappels de passage des interventions d'un jour (demain par défaut).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="day", help=_("jour des interventions (AAAA-MM-JJ)"))
        parser.add_argument(
            "--daily",
            action="store_true",
            help=_("lancer l'envoi quotidien dans le gestionnaire de tâches (db_worker)"),
        )

    def handle(self, *args, day: str | None = None, daily: bool = False, **options) -> None:
        if daily:
            queued = visit_reminders_daily_ensure()
            self.stdout.write(
                _("Envoi quotidien des rappels de passage programmé.")
                if queued
                else _("Envoi quotidien des rappels de passage déjà programmé.")
            )
            return
        try:
            visits_day = date.fromisoformat(day) if day else timezone.localdate() + timedelta(1)
        except ValueError as error:
            raise CommandError(
                _("Date invalide : %(value)s (AAAA-MM-JJ).") % {"value": day}
            ) from error
        queued = visit_reminders_send(day=visits_day)
        self.stdout.write(
            _("%(count)s rappel(s) de passage mis en file d'envoi pour le %(date)s.")
            % {"count": queued, "date": visits_day.strftime("%d/%m/%Y")}
        )
