"""The invoice as a document: its Factur-X PDF, made once when issued and stored."""

from __future__ import annotations

from creneau.billing.models import Invoice


def invoice_pdf_store(*, invoice_id: int) -> None:
    """Render and store an issued invoice's PDF, unless it already has one."""
    invoice = Invoice.objects.filter(pk=invoice_id).exclude(status=Invoice.Status.DRAFT).first()
    if invoice is None or invoice.pdf:
        return
    # The Factur-X rendering lands with print/invoice.typ and facturx.py.
