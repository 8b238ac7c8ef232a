"""Whatever the lines (quantities, prices to four decimals, discounts, the five default
rates, discount lines), the Factur-X XML of the invoice and of its credit notes passes the
EN 16931 Schematron: the stored totals and VAT breakdown add up the EN 16931 way."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.facturx import invoice_facturx_xml
from creneau.billing.services import invoice_issue
from creneau.billing.tests.facturx_fixtures import (
    business_customer,
    company_with_identity,
    make_invoice,
)
from creneau.billing.tests.facturx_validation import facturx_problems
from creneau.catalog.tests.factories import vat_rate

pytestmark = pytest.mark.django_db

RATES = ["20", "10", "5.5", "2.1", "0"]

# Six lines at most, each under 1 000 000 €: within the bounds of a document.
amount_line = st.fixed_dictionaries(
    {
        "line_type": st.just("free"),
        "description": st.just("Prestation"),
        "quantity": st.decimals(Decimal("0.001"), Decimal("99.999"), places=3),
        "unit_price": st.decimals(Decimal("0"), Decimal("9999.9999"), places=4),
        "discount_percent": st.decimals(Decimal("0"), Decimal("100"), places=2),
        "rate": st.sampled_from(RATES),
    }
)
discount_line = st.fixed_dictionaries(
    {
        "line_type": st.just("discount"),
        "description": st.just("Remise"),
        "quantity": st.just(Decimal(-1)),
        "unit_price": st.decimals(Decimal("0"), Decimal("5"), places=2),
        "rate": st.sampled_from(RATES),
    }
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(amount_line, min_size=1, max_size=6),
    discounts=st.lists(discount_line, max_size=1),
    credit_amount=st.decimals(Decimal("0.01"), Decimal("50"), places=2),
)
def test_any_invoice_and_its_credit_notes_pass_the_schematron(
    direction, lines, discounts, credit_amount
):
    company_with_identity()
    examples = getattr(test_any_invoice_and_its_credit_notes_pass_the_schematron, "runs", 0) + 1
    test_any_invoice_and_its_credit_notes_pass_the_schematron.runs = examples
    given_lines = [
        {**{key: value for key, value in line.items() if key != "rate"},
         "vat_rate": vat_rate(line["rate"])}
        for line in lines + discounts
    ]  # fmt: skip
    invoice = make_invoice(
        business_customer(code=f"P{examples:05d}"), direction, given_lines, issue=False
    )
    if invoice.total_gross <= credit_amount:
        return  # nothing, or too little, to invoice and credit
    invoice = invoice_issue(invoice=invoice, by=direction)
    assert facturx_problems(invoice_facturx_xml(invoice=invoice)) == []
    try:
        credit_note = credit_note_create(invoice=invoice, by=direction, amount=credit_amount)
    except ValidationError as error:
        # An amount beyond what is left, or that VAT's cent rounding cannot reach.
        assert "reste" in str(error) or "arrondie" in str(error)
        credit_note = credit_note_create(invoice=invoice, by=direction)
    assert facturx_problems(invoice_facturx_xml(invoice=credit_note)) == []


# What the property test found in billing.services (not in the documents): kept as
# expected failures, so that the fix turns them into passes (strict).


def test_a_credit_by_amount_with_a_negative_rate_row(direction):
    """A 10 % rate that only carries a discount line has a negative base: a credit by an
    amount is shared over the rates that have something left to credit."""
    company_with_identity()
    invoice = make_invoice(business_customer(), direction, [
        {"line_type": "free", "description": "Vitres", "quantity": Decimal(1),
         "unit_price": Decimal("100"), "vat_rate": vat_rate("20")},
        {"line_type": "discount", "description": "Remise", "quantity": Decimal(-1),
         "unit_price": Decimal("5"), "vat_rate": vat_rate("10")},
    ])  # fmt: skip
    credit_note = credit_note_create(invoice=invoice, by=direction, amount=Decimal("10"))
    assert credit_note.total_gross == Decimal("10.00")


def test_a_credit_by_amount_credits_that_amount_or_names_the_nearest(direction):
    """0,03 € incl. 20 % VAT cannot be reached (a net of 0,02 gives 0,02, of 0,03 gives
    0,04): refused, naming both; 0,04 € is credited exactly, and a total credit after it
    cancels the invoice."""
    company_with_identity()
    invoice = make_invoice(business_customer(), direction, [
        {"line_type": "free", "description": "Vitres", "quantity": Decimal(1),
         "unit_price": Decimal("100"), "vat_rate": vat_rate("20")},
    ])  # fmt: skip
    with pytest.raises(ValidationError, match="choisissez 0,02"):
        credit_note_create(invoice=invoice, by=direction, amount=Decimal("0.03"))
    credit_note = credit_note_create(invoice=invoice, by=direction, amount=Decimal("0.04"))
    assert credit_note.total_gross == Decimal("0.04")
    credit_note_create(invoice=invoice, by=direction)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == ("cancelled", 0)
