"""Reads of SEPA debits for other pages: the rejected debits of a customer (its record's
"Prélèvements rejetés" list, payments/_sepa_rejections.html)."""

from __future__ import annotations

from django.db.models import QuerySet

from creneau.customers.models import Customer
from creneau.payments.models import SepaBatchItem, SepaItemStatus

REJECTIONS_SHOWN = 20


def sepa_rejections_of(*, customer: Customer) -> QuerySet[SepaBatchItem]:
    """A customer's rejected debits, the latest first (the caller has checked that the
    user sees the customer)."""
    return (
        SepaBatchItem.objects.filter(customer=customer, status=SepaItemStatus.REJECTED)
        .select_related("invoice", "batch", "mandate", "reject_fee_invoice")
        .order_by("-rejected_on", "-id")
    )


def sepa_rejections_context(customer: Customer) -> dict:
    """What payments/_sepa_rejections.html needs: {"sepa_rejections": [...]}."""
    from creneau.payments.sepa_collect import REJECT_CODES

    items = list(sepa_rejections_of(customer=customer)[:REJECTIONS_SHOWN])
    for item in items:
        item.reject_label = REJECT_CODES.get(item.reject_code, "")
    return {"sepa_rejections": items}
