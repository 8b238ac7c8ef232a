from django.core.management.base import BaseCommand
from django.db import transaction

from creneau.core.demo import DEMO_PASSWORD, DEMO_STAFF, DemoContext, demo_load


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (société, équipe, clients...). "
        "Peut être relancée : ne crée que ce qui manque."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DemoContext.seed)

    def handle(self, *args, seed: int, verbosity: int, **options):
        def log(line: str) -> None:
            if verbosity:
                self.stdout.write(line)

        # One transaction: all or nothing, and one commit instead of thousands on SQLite.
        with transaction.atomic():
            demo_load(context=DemoContext(seed=seed), log=log)
        logins = ", ".join(username for username, *_rest in DEMO_STAFF)
        log(f"Identifiants : {logins} (mot de passe « {DEMO_PASSWORD} »).")
