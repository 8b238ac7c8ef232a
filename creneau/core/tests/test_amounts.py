"""Document amounts, the EN 16931 way: properties that hold for any lines."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from creneau.core.amounts import AmountLine, document_totals, line_net, vat_of

RATES = [Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"), Decimal("0")]

quantities = st.decimals(min_value=0, max_value=99_999, places=3)
prices = st.decimals(min_value=0, max_value=99_999, places=4)
discounts = st.decimals(min_value=0, max_value=100, places=2)
lines = st.lists(
    st.tuples(quantities, prices, discounts, st.sampled_from(RATES)), min_size=0, max_size=30
)


def as_amount_lines(raw):
    return [
        AmountLine(
            net=line_net(quantity=qty, unit_price=price, discount_percent=discount), rate=rate
        )
        for qty, price, discount, rate in raw
    ]


def test_the_issue_example_four_times_thirteen_cents():
    totals = document_totals(
        [AmountLine(net=line_net(quantity=Decimal(1), unit_price=Decimal("0.13")), rate=20)] * 4
    )
    assert (totals.net, totals.vat, totals.gross) == (
        Decimal("0.52"),
        Decimal("0.10"),
        Decimal("0.62"),
    )


def test_line_net_rounds_half_up_after_the_discount():
    assert line_net(quantity=Decimal("3"), unit_price=Decimal("0.125")) == Decimal("0.38")
    assert line_net(
        quantity=Decimal("1"), unit_price=Decimal("10.05"), discount_percent=Decimal("50")
    ) == Decimal("5.03")
    assert line_net(quantity=Decimal("-1"), unit_price=Decimal("15")) == Decimal("-15.00")
    assert vat_of(base=Decimal("0.25"), rate=Decimal("10")) == Decimal("0.03")


def test_breakdown_is_ordered_highest_rate_first_and_keys_keep_equal_rates_apart():
    totals = document_totals(
        [
            AmountLine(net=Decimal("10"), rate=Decimal("5.5")),
            AmountLine(net=Decimal("10"), rate=Decimal("20")),
            AmountLine(net=Decimal("3"), rate=Decimal("0"), vat_key="exempt-a"),
            AmountLine(net=Decimal("4"), rate=Decimal("0"), vat_key="exempt-b"),
        ]
    )
    assert [row.rate for row in totals.breakdown] == [20, Decimal("5.5"), 0, 0]
    assert [row.base for row in totals.breakdown][2:] == [Decimal("3"), Decimal("4")]


@given(lines)
def test_totals_equal_the_sum_of_the_breakdown(raw):
    totals = document_totals(as_amount_lines(raw))
    assert totals.net == sum((row.base for row in totals.breakdown), Decimal(0))
    assert totals.vat == sum((row.vat for row in totals.breakdown), Decimal(0))
    assert totals.gross == totals.net + totals.vat
    for amount in (totals.net, totals.vat, totals.gross):
        assert amount == amount.quantize(Decimal("0.01"))


@given(lines)
def test_vat_is_computed_once_per_rate_on_the_sum_of_the_nets(raw):
    amount_lines = as_amount_lines(raw)
    totals = document_totals(amount_lines)
    for row in totals.breakdown:
        base = sum((line.net for line in amount_lines if line.rate == row.rate), Decimal(0))
        assert row.base == base
        expected = (base * row.rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert row.vat == expected
    assert {row.rate for row in totals.breakdown} == {line.rate for line in amount_lines}


@given(lines)
def test_the_order_of_the_lines_does_not_change_the_totals(raw):
    forwards = document_totals(as_amount_lines(raw))
    backwards = document_totals(as_amount_lines(list(reversed(raw))))
    assert (forwards.net, forwards.vat, forwards.gross) == (
        backwards.net,
        backwards.vat,
        backwards.gross,
    )


@given(quantities, prices, discounts)
def test_line_net_is_within_half_a_cent_of_the_exact_amount(qty, price, discount):
    exact = qty * price * (100 - discount) / 100
    assert abs(line_net(quantity=qty, unit_price=price, discount_percent=discount) - exact) <= (
        Decimal("0.005")
    )


def test_a_negative_zero_prints_as_zero_even_after_a_cached_zero():
    from creneau.catalog.templatetags.amount_formats import quantity, unit_price
    from creneau.core.templatetags.creneau import money

    assert money(Decimal("-0.00")) == "0,00\u00a0€"
    assert money(Decimal("0.00")) == "0,00\u00a0€"
    assert unit_price(Decimal("-0")) == "0,00\u00a0€"
    assert quantity("NaN") == "" and quantity("sNaN") == "" and quantity([1]) == ""
