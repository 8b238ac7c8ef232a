"""Two workers storing the same invoice's PDF at once keep one file (PostgreSQL locks)."""

import threading

import pytest
from django.db import connection, connections

from creneau.billing import documents
from creneau.billing.documents import invoice_pdf_store
from creneau.billing.models import Invoice
from creneau.billing.tests.facturx_fixtures import (
    company_with_identity,
    individual_customer,
    make_invoice,
    service,
)


@pytest.mark.django_db(transaction=True)
def test_two_workers_store_one_pdf(direction, private_storage, monkeypatch):
    """Both render (their PDFs differ by their creation time), then both store: the second
    finds the first one's file under the row lock and keeps it."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) need PostgreSQL")
    company_with_identity()
    invoice = make_invoice(individual_customer(), direction, [
        {"line_type": "service", "service": service("MEN", "30", "10"), "quantity": 2},
    ])  # fmt: skip
    barrier, rendered = threading.Barrier(2), threading.Barrier(2)
    render = documents.invoice_pdf_bytes

    def render_then_wait(*, invoice):
        content = render(invoice=invoice)
        rendered.wait(timeout=30)  # neither stores before both have rendered
        return content

    monkeypatch.setattr(documents, "invoice_pdf_bytes", render_then_wait)
    results: list[bytes | None] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(invoice_pdf_store(invoice_id=invoice.pk))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    [stored] = list(private_storage.rglob("*.pdf"))
    assert Invoice.objects.get(pk=invoice.pk).pdf.name.endswith(stored.name)
    assert stored.read_bytes() == results[0]
