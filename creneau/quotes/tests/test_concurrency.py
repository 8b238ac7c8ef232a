"""A quote finalised while another request holds it stays as it was numbered."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from creneau.catalog.tests.factories import vat_rate
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.models import Quote
from creneau.quotes.selectors import quote_get, quote_line_get
from creneau.quotes.services import (
    quote_accept,
    quote_create,
    quote_finalize,
    quote_line_add,
    quote_line_delete,
    quote_line_update,
    quote_lines_reorder,
    quote_update,
)

pytestmark = pytest.mark.django_db


def add_line(quote, by, description):
    return quote_line_add(quote=quote, by=by, line_type="free", description=description,
                          quantity=Decimal(1), unit_price=Decimal("10"),
                          vat_rate=vat_rate("20"))  # fmt: skip


@pytest.fixture
def quote(rep):
    quote = quote_create(customer=CustomerFactory(sales_rep=rep), by=rep)
    add_line(quote, rep, "Nettoyage")
    add_line(quote, rep, "Vitrerie")
    return quote


def test_writes_loaded_before_the_quote_was_finalised_are_refused(quote, rep):
    stale_line = quote_line_get(user=rep, pk=quote.lines.first().pk)  # request B loads
    stale_quote = quote_get(user=rep, pk=quote.pk)
    reversed_ids = [line.pk for line in quote.lines.order_by("-position")]
    quote_finalize(quote=quote_get(user=rep, pk=quote.pk), by=rep)  # request A finalises
    attempts = [
        lambda: quote_line_update(line=stale_line, by=rep, unit_price=Decimal("999")),
        lambda: quote_line_delete(line=stale_line, by=rep),
        lambda: quote_line_add(quote=stale_quote, by=rep, line_type="comment", description="+"),
        lambda: quote_update(quote=stale_quote, by=rep, notes="Changé"),
        lambda: quote_lines_reorder(quote=stale_quote, by=rep, line_ids=reversed_ids),
        lambda: quote_finalize(quote=stale_quote, by=rep),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(ValidationError, match="plus un brouillon"):
            attempt()
    fresh = Quote.objects.get(pk=quote.pk)
    assert fresh.status == Quote.Status.FINALISED and fresh.number
    assert (fresh.total_net, fresh.total_gross) == (Decimal("20.00"), Decimal("24.00"))
    assert [line.unit_price for line in fresh.lines.all()] == [Decimal("10"), Decimal("10")]
    assert fresh.notes == ""


def test_finalising_a_stale_object_numbers_the_stored_quote(quote, rep):
    stale = quote_get(user=rep, pk=quote.pk)
    add_line(quote, rep, "Désinfection")  # committed after the stale object was loaded
    finalized = quote_finalize(quote=stale, by=rep)
    fresh = Quote.objects.get(pk=quote.pk)
    assert finalized.number == fresh.number
    assert fresh.total_net == Decimal("30.00") and finalized.total_net == Decimal("30.00")


def test_a_line_deleted_meanwhile_is_not_saved_back(quote, rep):
    stale = quote_line_get(user=rep, pk=quote.lines.first().pk)
    quote_line_delete(line=quote_line_get(user=rep, pk=stale.pk), by=rep)
    with pytest.raises(ValidationError, match="supprimée"):
        quote_line_update(line=stale, by=rep, unit_price=Decimal("50"))
    assert Quote.objects.get(pk=quote.pk).lines.count() == 1


def test_a_quote_refused_meanwhile_is_not_accepted(quote, rep):
    quote_finalize(quote=quote, by=rep)
    stale = quote_get(user=rep, pk=quote.pk)
    Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.REFUSED)
    with pytest.raises(ValidationError, match="accepté"):
        quote_accept(quote=stale, by=rep)
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.REFUSED
