"""Display helpers of the customer pages."""

from django import template

from creneau.customers.display import iban_groups, mask_iban

register = template.Library()


@register.filter
def iban(value: str, reveal: bool = True) -> str:
    """An IBAN in groups of four; masked but for its first and last characters unless reveal."""
    if not value:
        return ""
    if not reveal:
        return mask_iban(value)
    return iban_groups(value)
