"""Reads of invoices. Every query starts from customers_visible_to(), and no one outside
the rules' readers sees any invoice."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from creneau.billing.models import Invoice
from creneau.billing.rules import user_sees_invoices
from creneau.core.params import parse_id
from creneau.customers.selectors import AnyUser, customers_visible_to


def invoices_visible_to(user: AnyUser) -> QuerySet[Invoice]:
    """The invoices and credit notes a user may read (none for planning)."""
    if not user_sees_invoices(user):
        return Invoice.objects.none()
    customers = customers_visible_to(user)
    if not customers.query.where and not customers.query.is_sliced:
        # Every customer is visible: no join on every list and count.
        return Invoice.objects.all()
    return Invoice.objects.filter(customer__in=customers)


def invoice_get(*, user: AnyUser, pk: int) -> Invoice:
    """One visible invoice with its customer, or 404."""
    return get_object_or_404(
        invoices_visible_to(user).select_related("customer", "credited_invoice"),
        pk=parse_id(pk) or 0,
    )
