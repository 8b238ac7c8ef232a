"""Trigram index on Customer.search_text, for the search box's LIKE '%term%' on PostgreSQL.

Not in the model's Meta because it exists on PostgreSQL only: SQLite has no pg_trgm, and
scans its (small) embedded database instead.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_search_trgm "
    "ON customers_customer USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS customer_search_trgm"]


def run(statements):
    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return forward


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
