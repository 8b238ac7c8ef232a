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


@task()
def execute_billing_run(run_id: int) -> None:
    """Issue a billing run's invoices (billing.runs.billing_run_execute); a failure is
    recorded on the run, which can then be resumed."""
    from creneau.billing.runs import billing_run_execute, billing_run_fail

    try:
        billing_run_execute(run_id=run_id)
    except Exception as error:
        billing_run_fail(run_id=run_id, error=f"{type(error).__name__}: {error}")
        raise


@task()
def send_billing_run_invoices(run_id: int) -> int:
    """Share out the sending of an issued run: one send_invoices task per batch of
    BILLING_RUN_BATCH_SIZE invoices not sent yet, so that several workers send a large
    run together. Returns how many batches were queued."""
    from creneau.billing.runs import billing_run_sending_batches

    batches = billing_run_sending_batches(run_id=run_id)
    for invoice_ids in batches:
        send_invoices.enqueue(invoice_ids)
    return len(batches)


@task()
def send_invoices(invoice_ids: list[int]) -> int:
    """E-mail a batch of a run's invoices to their recipients (or flag them for the
    post), one by one: one that fails does not stop the others. An invoice that has an
    e-mail already is skipped (invoice_send_auto, under the invoice's lock), so a batch
    run twice, or by two workers, sends each invoice once. Returns how many failed."""
    import logging

    from creneau.billing.sending import invoice_send_auto

    failed = 0
    for invoice_id in invoice_ids:
        try:
            invoice_send_auto(invoice_id=invoice_id)
        except Exception:
            failed += 1
            logging.getLogger(__name__).exception("invoice %s not sent", invoice_id)
    return failed


@task()
def make_invoice_pdfs(invoice_ids: list[int]) -> None:
    """The PDFs of a billing run's batch of invoices, one after the other."""
    from creneau.billing.documents import invoice_pdf_store

    for invoice_id in invoice_ids:
        invoice_pdf_store(invoice_id=invoice_id)
