"""The dunning run, from a script (cron, a catch-up): the preview at a date, and with
--send its sending, right here.

    manage.py dunning_run [--as-of 2027-01-31] [--send] [--user direction]
    manage.py dunning_run --resume 42      (a run whose sending stopped: what is left)
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core.selectors import direction_users
from creneau.payments.dunning import dunning_run_create, money_text
from creneau.payments.dunning_send import dunning_run_resume, dunning_run_send, run_counts
from creneau.payments.models import DunningRun
from creneau.payments.rules import user_may_run_dunning


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("Date invalide : %(value)s (AAAA-MM-JJ).") % {"value": value}
        ) from error


class Command(BaseCommand):
    help = _("Relances : aperçu à une date, puis envoi.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help=_("date de la campagne (AAAA-MM-JJ), aujourd'hui"))
        parser.add_argument("--send", action="store_true", help=_("envoyer les relances"))
        parser.add_argument("--resume", type=int, help=_("reprendre l'envoi de cette campagne"))
        parser.add_argument("--user", help=_("identifiant de l'utilisateur qui relance"))

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
        else:
            user = direction_users().order_by("pk").first()
        if user is None or not user_may_run_dunning(user):
            raise CommandError(
                _("Il faut un utilisateur actif de la direction ou de la comptabilité.")
            )
        return user

    def handle(self, *args, **options) -> None:
        user = self._user(options["user"])
        try:
            if options["resume"]:
                run = DunningRun.objects.filter(pk=options["resume"]).first()
                if run is None:
                    raise CommandError(_("Campagne inconnue : %(id)s.") % {"id": options["resume"]})
                return self._report(dunning_run_resume(run=run, by=user))
            as_of = _date(options["as_of"]) if options["as_of"] else timezone.localdate()
            run = dunning_run_create(as_of=as_of, by=user)
            reminders = list(run.reminders.all())
            self.stdout.write(
                _("Campagne n°%(id)s au %(date)s : %(count)s relance(s) proposée(s), %(due)s dus.")
                % {
                    "id": run.pk,
                    "date": f"{as_of:%d/%m/%Y}",
                    "count": len(reminders),
                    "due": money_text(sum((r.amount_due for r in reminders), start=0)),
                }
            )
            if options["send"]:
                self._report(dunning_run_send(run=run, by=user))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def _report(self, run: DunningRun) -> None:
        counts = run_counts(run)
        self.stdout.write(
            _("%(sent)s relance(s) envoyée(s), %(dropped)s abandonnée(s), %(emails)s e-mail(s), "
              "%(letters)s courrier(s).") % counts
        )  # fmt: skip
        if run.letters_pdf:
            self.stdout.write(_("Courriers à imprimer : %(name)s") % {"name": run.letters_pdf.name})
