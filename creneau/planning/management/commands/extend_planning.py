"""Make the schedules' visits up to the planning horizon (PLANNING_HORIZON_WEEKS ahead), or
up to --until. Running it twice creates nothing twice.

It runs daily in the task worker (planning.tasks.extend_planning_daily, a chain of tasks
that every `migrate` starts); --schedule-daily starts that chain by hand if no run is
waiting, e.g. after the queue was emptied."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from creneau.planning.generation import planning_horizon, schedules_extend
from creneau.planning.tasks import extend_planning_daily_ensure


class Command(BaseCommand):
    help = _("Crée les interventions des programmations jusqu'à l'horizon du planning.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--until", help=_("dernière date (AAAA-MM-JJ)"))
        parser.add_argument(
            "--schedule-daily",
            action="store_true",
            help=_(
                "programme aussi l'exécution quotidienne (à 2 h) dans le traitement des "
                "tâches (db_worker), si elle n'est pas déjà programmée"
            ),
        )

    def handle(
        self, *args, until: str | None = None, schedule_daily: bool = False, **options
    ) -> None:
        try:
            last = date.fromisoformat(until) if until else planning_horizon()
        except ValueError as error:
            raise CommandError(
                _("Date invalide : %(value)s (AAAA-MM-JJ).") % {"value": until}
            ) from error
        created = schedules_extend(until=last)
        self.stdout.write(
            _("%(count)s intervention(s) créée(s) jusqu'au %(date)s.")
            % {"count": created, "date": last.strftime("%d/%m/%Y")}
        )
        if schedule_daily:
            self._schedule_daily()

    def _schedule_daily(self) -> None:
        run_after = extend_planning_daily_ensure()
        if run_after is None:
            self.stderr.write(
                _(
                    "Le traitement des tâches configuré ne peut pas différer une tâche : "
                    "lancez extend_planning chaque jour autrement (cron)."
                )
            )
            return
        self.stdout.write(
            _("Prochaine exécution quotidienne : %(when)s.")
            % {"when": date_format(timezone.localtime(run_after), "SHORT_DATETIME_FORMAT")}
        )
