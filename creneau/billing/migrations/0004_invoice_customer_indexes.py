"""The customer's invoices index carries what the customer's balance sums (issue 12: the
record's tab of a customer with 40,000 invoices; docs/payments.md#figures)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_invoice_open_due")]

    operations = [
        migrations.RemoveIndex(model_name="invoice", name="invoice_customer_date"),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                fields=["customer", "-issue_date", "-id"],
                include=("kind", "status", "due_date", "total_gross", "amount_due"),
                name="invoice_customer_date",
            ),
        ),
    ]
