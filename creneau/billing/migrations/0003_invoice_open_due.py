"""What is still due, by customer and due date: a partial index holding what the aged
balance (creneau/payments/aged.py) and the customer list's balance filters read."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_invoice_status_totals"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("amount_due__gt", 0)),
                fields=["customer", "due_date"],
                include=("kind", "status", "amount_due", "issue_date"),
                name="invoice_open_due",
            ),
        ),
    ]
