"""The customer's invoices index carries what the customer's balance sums, and a partial
index of what is still due by customer (issue 12: the record's tab of a customer with 40,000
invoices, the customer list filtered "en retard"; docs/payments.md#figures)."""

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_invoice_status_totals")]

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
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=Q(amount_due__gt=0),
                fields=["customer", "due_date"],
                include=("kind", "status"),
                name="invoice_customer_open",
            ),
        ),
    ]
