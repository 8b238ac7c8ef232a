"""What a restored instance must have kept, printed as JSON by `manage.py shell`:

    manage.py shell -c "from creneau.core.tests.backup_snapshot import main; main()"

run once against the backed-up instance and once against the restored one; the round-trip
test compares the two (creneau/core/tests/test_backup.py)."""

from __future__ import annotations

import hashlib
import json

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models


def _file_sums() -> dict[str, str]:
    """sha256 of every file a FileField of any row names (PDFs, documents, images)."""
    sums = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.FileField):
                continue
            names = model._base_manager.exclude(**{field.name: ""}).values_list(
                field.attname, flat=True
            )
            for name in names:
                with default_storage.open(name, "rb") as stored:
                    sums[name] = hashlib.sha256(stored.read()).hexdigest()
    return sums


def snapshot() -> dict:
    from creneau.customers.models import Customer
    from creneau.payments.selectors import customer_balance

    customers = list(Customer.objects.order_by("pk").values())
    balances = {
        customer.code: [str(value) for value in vars(customer_balance(customer)).values()]
        for customer in Customer.objects.order_by("pk")
    }
    counts = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return {
        "customers": json.loads(json.dumps(customers, default=str)),
        "balances": balances,
        "counts": counts,
        "files": _file_sums(),
    }


def main() -> None:
    print(json.dumps(snapshot(), sort_keys=True))
