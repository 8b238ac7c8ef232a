"""A SEPA collection batch from a script: every invoice proposed at a collection date goes
into one batch, its pain.008 file written and stored, the debtors e-mailed.

    manage.py sepa_batch --collection-date 2027-02-05 [--due-by 2027-02-10] [--dry-run]
                         [--user compta]

--dry-run lists what would be debited and writes nothing.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from creneau.core.selectors import direction_users
from creneau.core.templatetags.creneau import money
from creneau.payments.rules import user_may_run_sepa_batches
from creneau.payments.sepa_batches import collection_date_check, sepa_batch_create, sepa_proposal


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        message = _("Date invalide : %(value)s (AAAA-MM-JJ).") % {"value": value}
        raise CommandError(message) from error


class Command(BaseCommand):
    help = _("Prélèvements SEPA : une remise des factures à prélever à une date.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--collection-date", required=True, help=_("date de prélèvement (AAAA-MM-JJ)")
        )
        parser.add_argument("--due-by", help=_("échéances jusqu'au (AAAA-MM-JJ)"))
        parser.add_argument("--dry-run", action="store_true", help=_("afficher sans créer"))
        parser.add_argument("--user", help=_("identifiant de l'utilisateur qui prépare"))

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
        else:
            user = direction_users().order_by("pk").first()
        if user is None or not user_may_run_sepa_batches(user):
            raise CommandError(
                _("Il faut un utilisateur actif de la direction ou de la comptabilité.")
            )
        return user

    def handle(self, *args, **options) -> None:
        collection = _date(options["collection_date"])
        due_by = _date(options["due_by"]) if options["due_by"] else None
        try:
            collection_date_check(collection)
            if options["dry_run"]:
                self._dry_run(collection, due_by)
                return
            batch = sepa_batch_create(
                collection_date=collection, due_by=due_by, by=self._user(options["user"])
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        summary = ngettext(
            "Remise %(id)s du %(day)s : %(count)s prélèvement, %(total)s ; fichier %(file)s.",
            "Remise %(id)s du %(day)s : %(count)s prélèvements, %(total)s ; fichier %(file)s.",
            batch.item_count,
        )
        self.stdout.write(
            summary
            % {
                "id": batch.pk,
                "day": batch.collection_date.strftime("%d/%m/%Y"),
                "count": batch.item_count,
                "total": money(batch.total),
                "file": batch.message_id,
            }
        )

    def _dry_run(self, collection: date, due_by: date | None) -> None:
        proposal = sepa_proposal(collection_date=collection, due_by=due_by)
        for debit in proposal.debits:
            self.stdout.write(
                f"{debit.invoice.number}\t{debit.invoice.customer_name}\t{debit.mandate.rum}"
                f"\t{debit.sequence_type}\t{money(debit.amount)}"
            )
        for invoice, _mandate, reason in proposal.left_out:
            self.stdout.write(_("Écartée : %(number)s (%(reason)s)") % {
                "number": invoice.number, "reason": reason})  # fmt: skip
        count = len(proposal.debits)
        message = ngettext(
            "Simulation : %(count)s prélèvement, %(total)s ; rien n'est créé.",
            "Simulation : %(count)s prélèvements, %(total)s ; rien n'est créé.",
            count,
        )
        self.stdout.write(message % {"count": count, "total": money(proposal.total)})
