"""Make the schedules' visits up to the planning horizon (PLANNING_HORIZON_WEEKS ahead), or
up to --until. Runs daily in the task worker; running it twice creates nothing twice."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from creneau.planning.generation import planning_horizon, schedules_extend


class Command(BaseCommand):
    help = _("Crée les interventions des programmations jusqu'à l'horizon du planning.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--until", help=_("dernière date (AAAA-MM-JJ)"))

    def handle(self, *args, until: str | None = None, **options) -> None:
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
