"""The customer copied onto each allocation, and covering indexes for a customer's balance
(the record's tab of a customer with 40,000 invoices: docs/payments.md#figures)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def copy_customers(apps, schema_editor):
    PaymentAllocation = apps.get_model("payments", "PaymentAllocation")
    Payment = apps.get_model("payments", "Payment")
    PaymentAllocation.objects.update(
        customer_id=Subquery(
            Payment.objects.filter(pk=OuterRef("payment_id")).values("customer_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("payments", "0003_default_reminder_levels"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentallocation",
            name="customer",
            field=models.ForeignKey(
                null=True,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.customer",
                verbose_name="client",
            ),
        ),
        migrations.RunPython(copy_customers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="paymentallocation",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.customer",
                verbose_name="client",
            ),
        ),
        migrations.AddIndex(
            model_name="paymentallocation",
            index=models.Index(
                fields=["customer"], include=["amount", "payment"], name="allocation_customer"
            ),
        ),
        migrations.RemoveIndex(model_name="payment", name="payment_customer_date"),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(
                fields=["customer", "-date", "-id"],
                include=["amount", "reversal_of"],
                name="payment_customer_date",
            ),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(
                condition=Q(reversal_of__isnull=False),
                fields=["customer"],
                name="payment_customer_reversals",
            ),
        ),
    ]
