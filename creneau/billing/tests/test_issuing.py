"""Issuing: numbers without gaps per series and year, the frozen copy, the refusals, the
journal's chain, and credit notes' amounts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.journal import journal_verify
from creneau.billing.models import Invoice, JournalEntry
from creneau.billing.services import (
    invoice_create,
    invoice_delete,
    invoice_from_quote,
    invoice_issue,
    invoice_line_add,
    invoice_update,
)
from creneau.catalog.tests.factories import vat_rate
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.models import Quote
from creneau.quotes.tests.factories import QuoteFactory, QuoteLineFactory

pytestmark = pytest.mark.django_db


def draft(customer=None, lines=(("Ménage", "3", "25.50", "20"),), **fields) -> Invoice:
    invoice = invoice_create(customer=customer or CustomerFactory(), by=None, **fields)
    for label, quantity, price, rate in lines:
        invoice_line_add(
            invoice=invoice,
            by=None,
            line_type="free",
            description=label,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            vat_rate=vat_rate(rate),
        )
    return invoice


def issued(**kwargs) -> Invoice:
    return invoice_issue(invoice=draft(**kwargs), by=None)


def test_invoices_and_credit_notes_are_numbered_in_two_gapless_series():
    first, second = issued(), issued()
    credit = credit_note_create(invoice=first, by=None)
    third = issued()
    year = timezone.localdate().year
    assert [first.number, second.number, third.number] == [
        f"F-{year}-00001",
        f"F-{year}-00002",
        f"F-{year}-00003",
    ]
    assert credit.number == f"A-{year}-00001"
    assert credit.credited_invoice == first


def test_a_draft_has_no_number_and_deleting_it_leaves_no_gap():
    invoice_delete(invoice=draft(), by=None)
    assert issued().number.endswith("-00001")


def test_issuing_copies_the_customer_and_a_later_change_leaves_the_invoice_as_it_was():
    customer = CustomerFactory(
        kind="business", name="Syndic Martin", siret="73282932000074", vat_number="FR44732829320"
    )
    site = SiteFactory(customer=customer, name="Résidence Les Tilleuls", city="Lyon")
    invoice = issued(customer=customer, sites=[site])
    customer.name, customer.city = "Autre nom", "Marseille"
    customer.save()
    invoice.refresh_from_db()
    assert invoice.customer_name == "Syndic Martin"
    assert invoice.customer_siren == "732829320"
    assert invoice.customer_vat_number == "FR44732829320"
    assert "Paris" in invoice.billing_address
    assert invoice.site_addresses[0]["name"] == "Résidence Les Tilleuls"
    assert invoice.due_date == invoice.issue_date + timedelta(days=customer.payment_terms_days)


def test_an_individual_has_no_siren_on_the_invoice():
    invoice = issued(customer=CustomerFactory(kind="individual", siret="73282932000074"))
    assert invoice.customer_siren == ""


def test_totals_follow_the_vat_rates_on_the_sum_of_the_lines():
    invoice = issued(
        lines=[
            ("Ménage", "1", "0.13", "20"),
            ("Ménage", "1", "0.13", "20"),
            ("Ménage", "1", "0.13", "20"),
            ("Ménage", "1", "0.13", "20"),
            ("Jardinage", "2", "10", "10"),
        ]
    )
    assert invoice.total_net == Decimal("20.52")
    # 0.52 x 20 % = 0.10 (not 4 x 0.03), 20 x 10 % = 2.00
    assert invoice.total_vat == Decimal("2.10")
    assert [row["rate"] for row in invoice.vat_breakdown] == ["20.00", "10.00"]


@pytest.mark.parametrize(
    "change",
    [
        lambda invoice: invoice_update(invoice=invoice, by=None, notes="Autre"),
        lambda invoice: invoice_delete(invoice=invoice, by=None),
        lambda invoice: invoice_line_add(
            invoice=invoice, by=None, line_type="free", description="x", vat_rate=vat_rate("20")
        ),
        lambda invoice: invoice_issue(invoice=invoice, by=None),
    ],
)
def test_an_issued_invoice_is_never_changed(change):
    invoice = issued()
    with pytest.raises(ValidationError, match="émise"):
        change(invoice)
    assert Invoice.objects.get(pk=invoice.pk).total_gross == Decimal("91.80")


def test_an_empty_invoice_is_not_issued_and_takes_no_number():
    with pytest.raises(ValidationError, match="sans ligne chiffrée"):
        invoice_issue(invoice=draft(lines=()), by=None)
    assert issued().number.endswith("-00001")


def test_a_vat_rate_taken_off_the_list_stops_the_draft_from_being_issued():
    invoice = draft()
    rate = vat_rate("20")
    rate.is_active = False
    rate.save()
    with pytest.raises(ValidationError, match="taux actifs"):
        invoice_issue(invoice=invoice, by=None)


def test_issue_dates_never_go_backwards_in_a_series():
    first = issued()
    last_day = date(timezone.localdate().year, 12, 31)
    Invoice.objects.filter(pk=first.pk).update(issue_date=last_day, due_date=last_day)
    if timezone.localdate() == date(timezone.localdate().year, 12, 31):
        pytest.skip("the last day of the year is never after today")
    with pytest.raises(ValidationError, match="ne peut pas reculer"):
        issued()


def test_a_total_credit_note_cancels_the_invoice():
    invoice = issued()
    credit = credit_note_create(invoice=invoice, by=None)
    invoice.refresh_from_db()
    assert credit.total_gross == invoice.total_gross
    assert invoice.status == Invoice.Status.CANCELLED
    assert invoice.amount_due == 0
    with pytest.raises(ValidationError, match="entièrement créditée"):
        credit_note_create(invoice=invoice, by=None)


def test_credit_notes_by_lines_then_amount_never_exceed_the_invoice():
    invoice = issued()
    line = invoice.lines.get()
    credit_note_create(invoice=invoice, by=None, lines=[{"line_id": line.pk, "quantity": 1}])
    with pytest.raises(ValidationError, match="il reste 2"):
        credit_note_create(invoice=invoice, by=None, lines=[{"line_id": line.pk, "quantity": 3}])
    with pytest.raises(ValidationError, match="reste 61,20"):
        credit_note_create(invoice=invoice, by=None, amount=Decimal("70"))
    credit_note_create(invoice=invoice, by=None, amount=Decimal("1.20"))
    last = credit_note_create(invoice=invoice, by=None)
    invoice.refresh_from_db()
    assert last.total_gross == Decimal("60.00")
    assert invoice.amount_due == 0


@settings(max_examples=60, deadline=None)
@given(cents=st.integers(min_value=1, max_value=14280))
def test_a_credit_by_amount_over_several_rates_is_exactly_that_amount(cents):
    invoice = issued(lines=[("A", "1", "100", "20"), ("B", "1", "10", "5.5")])
    amount = Decimal(cents) / 100
    if amount > invoice.total_gross:
        return
    # Two rates: a cent moved between them reaches any amount.
    credit = credit_note_create(invoice=invoice, by=None, amount=amount)
    assert credit.total_gross == amount
    invoice.refresh_from_db()
    assert invoice.amount_due == invoice.total_gross - amount


def test_the_journal_chains_every_issued_document_and_verifies():
    invoice = issued()
    credit_note_create(invoice=invoice, by=None, amount=Decimal("10"))
    entries = list(JournalEntry.objects.order_by("sequence"))
    assert [entry.kind for entry in entries] == ["invoice", "credit_note"]
    assert entries[1].previous_hash == entries[0].hash
    assert journal_verify().ok


def test_changing_an_issued_invoice_in_the_database_breaks_the_journal():
    invoice = issued()
    issued()
    Invoice.objects.filter(pk=invoice.pk).update(total_gross=Decimal("1.00"))
    verification = journal_verify()
    assert not verification.ok
    assert verification.first_broken_sequence == 1


def test_an_accepted_quote_is_invoiced_once():
    quote = QuoteFactory(status=Quote.Status.ACCEPTED, number="D-2026-00001")
    QuoteLineFactory(quote=quote)
    invoice = invoice_from_quote(quote=quote, by=None)
    assert invoice.is_draft and invoice.lines.count() == 1
    assert invoice.total_net == quote.lines.get().net
    with pytest.raises(ValidationError, match="déjà été facturé"):
        invoice_from_quote(quote=quote, by=None)


def test_a_quote_not_accepted_is_not_invoiced():
    quote = QuoteFactory(status=Quote.Status.SENT, number="D-2026-00002")
    with pytest.raises(ValidationError, match="accepté"):
        invoice_from_quote(quote=quote, by=None)
