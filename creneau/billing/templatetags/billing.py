"""What other apps' pages show of invoicing: the quote page's "Facturer" button."""

from __future__ import annotations

from django import template

from creneau.billing.models import Invoice
from creneau.billing.rules import user_may_issue_invoices

register = template.Library()


@register.filter
def may_issue_invoices(user) -> bool:
    return user_may_issue_invoices(user)


@register.simple_tag
def quote_invoice(quote) -> Invoice | None:
    """The invoice made from a quote ("Facturer" is once only), or None."""
    return Invoice.objects.filter(quote_id=quote.pk).only("id", "number", "status").first()
