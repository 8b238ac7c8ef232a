"""Display helpers of the customer pages."""

from django import template

from creneau.customers.history import mask_iban

register = template.Library()


@register.filter
def iban(value: str, reveal: bool = True) -> str:
    """An IBAN in groups of four; masked but for its first and last characters unless reveal."""
    if not value:
        return ""
    if not reveal:
        return mask_iban(value)
    return " ".join(value[index : index + 4] for index in range(0, len(value), 4))
