"""The cache's table (settings.CACHES, Django's database cache): made by `migrate`, so
that a deployment, a restore and the tests need no `createcachetable` of their own."""

from django.core.management import call_command
from django.db import migrations


def cache_table_create(apps, schema_editor):
    # createcachetable makes the table of every database cache in settings.CACHES, and
    # leaves one that exists alone.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0001_initial")]

    operations = [migrations.RunPython(cache_table_create, migrations.RunPython.noop)]
