"""Trigram index on the quote number, for the list's "contains" search on PostgreSQL.

Django's icontains compares UPPER(number); the index is on that expression. Not in the
model's Meta because it exists on PostgreSQL only (pg_trgm; created by customers 0002).
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS quote_number_trgm "
    "ON quotes_quote USING gin ((UPPER(number::text)) gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS quote_number_trgm"]


def run(statements):
    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return forward


class Migration(migrations.Migration):
    dependencies = [("quotes", "0001_initial"), ("customers", "0002_search_trigram")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
