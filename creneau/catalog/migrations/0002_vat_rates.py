"""The French VAT rates every installation starts with; direction manages them afterwards."""

from django.db import migrations

from creneau.catalog.defaults import default_vat_rates_ensure


def create_rates(apps, schema_editor):
    default_vat_rates_ensure(apps.get_model("catalog", "VatRate"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_rates, migrations.RunPython.noop)]
