"""The aged balance's index: the invoices with something due, by customer and due date
(creneau/payments/aged.py), partial, with the amount due and issue date in it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_invoice_status_totals"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(
                    ("amount_due__gt", 0),
                    ("kind", "invoice"),
                    ("status__in", ["issued", "partially_paid"]),
                ),
                fields=["customer", "due_date"],
                include=("amount_due", "issue_date"),
                name="invoice_open_due",
            ),
        ),
    ]
