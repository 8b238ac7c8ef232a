"""Background tasks of invoicing: the issued invoices' PDFs, and the billing runs."""

from __future__ import annotations

from django_tasks import task


@task()
def verify_journal() -> None:
    """The journal page's "Vérifier maintenant": walk the chain, record the result."""
    from creneau.billing.journal import journal_verify

    journal_verify()


@task()
def make_invoice_pdf(invoice_id: int) -> None:
    """Render an issued invoice's Factur-X PDF once and store it (see documents.py)."""
    from creneau.billing.documents import invoice_pdf_store

    invoice_pdf_store(invoice_id=invoice_id)
