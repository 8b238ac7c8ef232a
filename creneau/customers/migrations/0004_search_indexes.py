"""Indexes for the customer list on a large base (see docs/performance.md).

Portable: the sort orders of the list (name, city, creation date), a rep's active
customers (counted from the index alone), the city filter and case-insensitive e-mail
lookups (search, duplicate check).
PostgreSQL only, like 0002: an index on the first 32 characters of search_text (the
normalised name), in "C" byte order so that it serves both LIKE 'du%' and the sort, for
queries of one- and two-letter words, which trigrams cannot serve,
and finer statistics on search_text (300 rather than 100 values sampled), so that the
planner tells a rare term (read the trigram index, then sort) from a common one (walk the
name index until a page is full), and the list's estimated counts beyond 1,000 are close.
More costs planning time on every search (about 0.7 ms a query at 1,000).
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

CREATE = [
    "CREATE INDEX IF NOT EXISTS customer_name_prefix "
    """ON customers_customer ((left(search_text, 32) COLLATE "C"))""",
    "ALTER TABLE customers_customer ALTER COLUMN search_text SET STATISTICS 300",
    "ANALYZE customers_customer",
]
DROP = [
    "DROP INDEX IF EXISTS customer_name_prefix",
    "ALTER TABLE customers_customer ALTER COLUMN search_text SET STATISTICS -1",
]


def run(statements):
    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return forward


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0003_documents'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['name', 'id'], name='customer_name_id'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['city', 'name', 'id'], name='customer_city_name'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['created_at', 'id'], name='customer_created'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['sales_rep', 'is_active'], name='customer_rep_active'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(django.db.models.functions.text.Upper('city'), name='customer_city_ci'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(django.db.models.functions.text.Upper('email'), name='customer_email_ci'),
        ),
        migrations.RunPython(run(CREATE), run(DROP)),
    ]
