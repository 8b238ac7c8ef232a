"""Background tasks of invoicing: the issued invoices' PDFs, and the billing runs."""

from __future__ import annotations

from django_tasks import task


@task()
def make_invoice_pdf(invoice_id: int) -> None:
    """Render an issued invoice's Factur-X PDF once and store it (see documents.py)."""
    from creneau.billing.documents import invoice_pdf_store

    invoice_pdf_store(invoice_id=invoice_id)
