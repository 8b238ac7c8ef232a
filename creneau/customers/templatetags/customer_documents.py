"""Template filters of the Documents tab: {% load customer_documents %}."""

from django import template

from creneau.core.file_sizes import file_size as _file_size
from creneau.customers.documents.files import file_type_of
from creneau.customers.models import Document

register = template.Library()


@register.filter
def file_size(size: int | None) -> str:
    """1258291 -> '1,2 Mo' (no-break space before the unit)."""
    return _file_size(size)


@register.filter
def document_icon(document: Document) -> str:
    """The bootstrap-icons name for the document's type."""
    file_type = file_type_of(document.content_type)
    return file_type.icon if file_type else "file-earmark"


@register.filter
def document_type_label(document: Document) -> str:
    file_type = file_type_of(document.content_type)
    return file_type.label if file_type else document.content_type
