"""What keeps each test independent of the tests run before it, whatever their order (the
suite runs on several processes with pytest-xdist, each taking whole files in turn).

- A transactional test (live server, browser, concurrency) ends with a flush of every
  table. post_migrate then makes the content types, permissions, roles and task chains
  again, but not the rows that data migrations wrote (the French VAT rates, the default
  reminder levels): `MigrationData` puts those back, so that the next test finds the
  database as `migrate` left it. Without it, a test needing them passes only if it runs
  before every transactional test of its process.
- A request in English (the language cookie) leaves English active in the thread, and the
  next test would read English messages: each test starts and ends in French.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.models.signals import post_migrate
from django.utils import translation


class MigrationData:
    """The rows in the test database right after `migrate`, table by table."""

    def __init__(self) -> None:
        self.rows: dict[type[models.Model], list[models.Model]] = {}

    def take(self, using: str) -> None:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                rows = list(model._base_manager.using(using).order_by("pk"))
                if rows:
                    self.rows[model] = rows

    def restore(self, using: str) -> None:
        """Write back the tables that a flush emptied and post_migrate did not fill again."""
        emptied = [model for model in self.rows if not model._base_manager.using(using).exists()]
        if not emptied:
            return
        connection = connections[using]
        with transaction.atomic(using=using):
            for model in emptied:
                model._base_manager.using(using).bulk_create(self.rows[model])
            # The rows keep their ids: the next ones the sequences give must follow them.
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), emptied):
                    cursor.execute(statement)


migration_data = MigrationData()


def _last_app_with_models():
    return [app for app in apps.get_app_configs() if app.models_module is not None][-1]


def migration_data_restore(sender, using: str = "default", **kwargs) -> None:
    """post_migrate of the last app, sent by the flush that ends a transactional test (and
    by the first `migrate`, before anything was taken: nothing to do then)."""
    if migration_data.rows:
        migration_data.restore(using)


def connect_migration_data_restore() -> None:
    post_migrate.connect(
        migration_data_restore,
        sender=_last_app_with_models(),
        dispatch_uid="creneau_tests_migration_data_restore",
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, then what `migrate` wrote in it, kept for restoring."""
    with django_db_blocker.unblock():
        migration_data.take("default")
    connect_migration_data_restore()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts, and leaves its thread, in the default language (French)."""
    translation.deactivate()
    yield
    translation.deactivate()
