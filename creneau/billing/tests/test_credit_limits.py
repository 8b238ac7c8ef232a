"""What a credit note may never do: add to the invoice, credit a VAT rate twice, or credit
a cent more than was invoiced."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.billing.services import (
    invoice_create,
    invoice_issue,
    invoice_line_add,
)
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def issued(*lines) -> Invoice:
    invoice = invoice_create(customer=CustomerFactory(), by=None)
    for line_type, quantity, price, rate in lines:
        invoice_line_add(
            invoice=invoice, by=None, line_type=line_type, description="Ligne",
            quantity=Decimal(quantity), unit_price=Decimal(price), vat_rate=vat_rate(rate),
        )  # fmt: skip
    return invoice_issue(invoice=invoice, by=None)


def test_crediting_a_discount_line_alone_is_refused():
    invoice = issued(("free", "1", "100", "20"), ("discount", "-1", "10", "20"))
    discount = invoice.lines.get(line_type="discount")
    with pytest.raises(ValidationError, match="doit réduire la facture"):
        credit_note_create(
            invoice=invoice, by=None, lines=[{"line_id": discount.pk, "quantity": -1}]
        )
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("108.00")
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_a_rate_credited_by_amount_is_not_credited_again_by_lines():
    invoice = issued(("free", "1", "100", "20"), ("free", "1", "100", "5.5"))
    credit_note_create(invoice=invoice, by=None, amount=Decimal("100"))
    line = invoice.lines.get(vat_rate_value=Decimal("20"))
    with pytest.raises(ValidationError, match="il reste"):
        credit_note_create(invoice=invoice, by=None, lines=[{"line_id": line.pk, "quantity": 1}])
    credit_note_create(invoice=invoice, by=None)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == (Invoice.Status.CANCELLED, 0)


def test_a_total_credit_after_partial_ones_never_exceeds_the_invoice():
    invoice = issued(("free", "3", "0.335", "20"))
    line = invoice.lines.get()
    for _ in range(2):
        credit_note_create(invoice=invoice, by=None, lines=[{"line_id": line.pk, "quantity": 1}])
    credit_note_create(invoice=invoice, by=None)
    invoice.refresh_from_db()
    credited = sum(note.total_gross for note in invoice.credit_notes.all())
    assert credited <= invoice.total_gross
    # 0,39 € TTC cannot be reached at 20 % (a base of 0,32 gives 0,38, of 0,33 gives 0,40):
    # the cent VAT rounding cannot credit stays due rather than being over-credited.
    assert invoice.total_gross - credited == invoice.amount_due == Decimal("0.01")
