"""The monthly billing run, from a script: the preview of a period (one proposed invoice
per customer and billing group), then with --issue its issuing, right here rather than in
the task worker, and with --send the e-mails (queued for the worker).

    manage.py billing_run --start 2026-03-01 --end 2026-03-31 [--customer 12 ...]
        [--include-missed] [--issue [--send]] [--user direction]
    manage.py billing_run --resume 42      (a run whose worker stopped: what is left)
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from creneau.billing.models import BillingRun
from creneau.billing.rules import user_may_issue_invoices
from creneau.billing.runs import (
    billing_run_create,
    billing_run_execute,
    billing_run_invoice_ids,
    billing_run_issue,
)
from creneau.core.selectors import direction_users
from creneau.core.templatetags.creneau import money as format_money


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("Date invalide : %(value)s (AAAA-MM-JJ).") % {"value": value}
        ) from error


class Command(BaseCommand):
    help = _("Facturation mensuelle : aperçu d'une période, puis émission des factures.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", help=_("premier jour (AAAA-MM-JJ)"))
        parser.add_argument("--end", help=_("dernier jour (AAAA-MM-JJ)"))
        parser.add_argument(
            "--customer", type=int, action="append", default=[], help=_("id d'un client")
        )
        parser.add_argument(
            "--include-missed", action="store_true", help=_("facturer les passages manqués")
        )
        parser.add_argument("--issue", action="store_true", help=_("émettre les factures"))
        parser.add_argument("--send", action="store_true", help=_("les envoyer par e-mail"))
        parser.add_argument(
            "--resume", type=int, help=_("reprendre l'émission de cette facturation")
        )
        parser.add_argument("--user", help=_("identifiant de l'utilisateur qui facture"))

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
        else:
            user = direction_users().order_by("pk").first()
        if user is None or not user_may_issue_invoices(user):
            raise CommandError(
                _("Il faut un utilisateur actif de la direction ou de la comptabilité.")
            )
        return user

    def handle(self, *args, **options) -> None:
        if options["resume"]:
            return self._resume(options["resume"])
        if not options["start"] or not options["end"]:
            raise CommandError(_("Indiquez --start et --end."))
        if options["send"] and not options["issue"]:
            raise CommandError(_("--send va avec --issue."))
        user = self._user(options["user"])
        try:
            run = billing_run_create(
                by=user,
                period_start=_date(options["start"]),
                period_end=_date(options["end"]),
                customer_ids=options["customer"],
                include_missed=options["include_missed"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        items = list(run.items.all())
        total = sum((item.total_gross for item in items), start=0)
        self.stdout.write(
            _("Facturation n°%(id)s : %(count)s facture(s) proposée(s), %(total)s TTC.")
            % {"id": run.pk, "count": len(items), "total": format_money(total)}
        )
        if options["issue"]:
            billing_run_issue(run=run, by=user, send=options["send"], enqueue=False)
            self._execute(run.pk)

    def _resume(self, run_id: int) -> None:
        run = BillingRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(_("Facturation inconnue : %(id)s.") % {"id": run_id})
        if run.status == BillingRun.Status.PREVIEW:
            raise CommandError(_("Cette facturation n'est pas encore émise : utilisez --issue."))
        self._execute(run.pk)

    def _execute(self, run_id: int) -> None:
        run = billing_run_execute(run_id=run_id)
        self.stdout.write(
            _("%(count)s facture(s) émise(s).") % {"count": len(billing_run_invoice_ids(run))}
        )
