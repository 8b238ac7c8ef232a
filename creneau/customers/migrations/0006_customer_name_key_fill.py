"""Fill Customer.name_key (the name without accents nor capitals) for existing customers;
the services keep it up to date from then on."""

from django.db import migrations

from creneau.core.collation import name_key

BATCH = 2000


def fill_name_key(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    customers = Customer.objects.using(schema_editor.connection.alias).only("id", "name")
    batch = []
    for customer in customers.order_by("id").iterator(chunk_size=BATCH):
        customer.name_key = name_key(customer.name)[:200]  # the column's length
        batch.append(customer)
        if len(batch) == BATCH:
            customers.bulk_update(batch, ["name_key"])
            batch = []
    customers.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_customer_name_key"),
    ]

    operations = [
        migrations.RunPython(fill_name_key, migrations.RunPython.noop, elidable=True),
    ]
