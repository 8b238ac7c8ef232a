"""`manage.py create_api_token USERNAME`: print a new bearer token for the REST API."""

from django.contrib.auth.models import User
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

    def handle(self, *args, username: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(
                _("Utilisateur inconnu : « %(username)s ».") % {"username": username}
            )
        if not user.is_active:
            raise CommandError(
                _("L'utilisateur « %(username)s » est désactivé.") % {"username": username}
            )
        # Only the token on stdout, so that scripts can capture it: `TOKEN=$(... )`.
        self.stdout.write(api_token_create(user=user))
