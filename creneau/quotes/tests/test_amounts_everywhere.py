"""For any lines, the screen, the API and the PDF say the same totals, to the cent."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from creneau.catalog.templatetags.amount_formats import percent
from creneau.catalog.tests.factories import vat_rate
from creneau.core.templatetags.creneau import money
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.services import quote_create, quote_line_add

RATES = ["20", "10", "5.5", "2.1", "0"]
lines = st.lists(
    st.tuples(
        st.decimals(min_value=0, max_value=500, places=3),
        st.decimals(min_value=0, max_value=2000, places=4),
        st.decimals(min_value=0, max_value=100, places=2),
        st.sampled_from(RATES),
    ),
    min_size=1,
    max_size=6,
)


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.django_db
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=lines)
def test_screen_api_and_pdf_agree(raw, rep, client_for, api_for):
    quote = quote_create(customer=CustomerFactory(sales_rep=rep), by=rep)
    for quantity, price, discount, rate in raw:
        quote_line_add(
            quote=quote, by=rep, line_type="free", description="Ligne", quantity=quantity,
            unit_price=price, discount_percent=discount, vat_rate=vat_rate(rate),
        )  # fmt: skip
    api = api_for(rep).get(f"/api/v1/quotes/{quote.pk}").json()
    screen = plain(client_for(rep).get(reverse("quotes:detail", args=[quote.pk])).content.decode())
    pdf = client_for(rep).get(reverse("quotes:pdf", args=[quote.pk])).content
    text = plain("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    totals = [Decimal(api[key]) for key in ("total_net", "total_vat", "total_gross")]
    assert totals[0] == sum(Decimal(row["base"]) for row in api["vat_breakdown"])
    assert totals[1] == sum(Decimal(row["vat"]) for row in api["vat_breakdown"])
    assert totals[2] == totals[0] + totals[1]
    shown = [plain(money(amount)) for amount in totals]
    for row in api["vat_breakdown"]:
        shown += [plain(money(Decimal(row["base"]))), plain(money(Decimal(row["vat"])))]
        assert plain(percent(row["rate"])) in text
    for figure in shown:
        assert figure in screen, figure
        assert figure in text, figure
