"""`manage.py create_api_token USERNAME [--name NAME] [--expires YYYY-MM-DD]`: print a new
bearer token for the REST API. Tokens are also created and revoked in "Mon compte"."""

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from creneau.core.services import api_token_create


class Command(BaseCommand):
    help = (
        "Crée un jeton d'API pour un utilisateur actif et l'affiche (une seule fois : "
        "seule son empreinte est conservée). À envoyer dans « Authorization: Bearer <jeton> »."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Identifiant de l'utilisateur.")
        parser.add_argument(
            "--name",
            default="",
            help="Nom du jeton, affiché dans « Mon compte » (par défaut : « Ligne de commande »).",
        )
        parser.add_argument(
            "--expires",
            default=None,
            metavar="AAAA-MM-JJ",
            help="Dernier jour de validité (au plus deux ans ; par défaut : jusqu'à révocation).",
        )

    def handle(self, *args, username: str, name: str, expires: str | None, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(
                _("Utilisateur inconnu : « %(username)s ».") % {"username": username}
            )
        if not user.is_active:
            raise CommandError(
                _("L'utilisateur « %(username)s » est désactivé.") % {"username": username}
            )
        try:
            expires_on = date.fromisoformat(expires) if expires else None
        except ValueError as error:
            raise CommandError(_("Saisissez une date valide (AAAA-MM-JJ).")) from error
        try:
            key = api_token_create(
                user=user, name=name or _("Ligne de commande"), expires_on=expires_on, by=None
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        # Only the token on stdout, so that scripts can capture it: `TOKEN=$(... )`.
        self.stdout.write(key)
