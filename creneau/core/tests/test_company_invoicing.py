"""Paramètres, Société: the settings that feed invoicing (late-payment penalty rate, the
option for VAT on debits, one invoice line per visit)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creneau.core.models import Company
from creneau.core.tests.conftest import VALID_IDENTITY

URL = "/settings/company/"


@pytest.mark.django_db
def test_the_company_page_saves_the_invoicing_settings(direction, client_for):
    client = client_for(direction)
    page = client.get(URL).content.decode()
    assert 'id="company-invoicing"' in page and 'name="late_penalty_rate"' in page
    data = {**VALID_IDENTITY, "late_penalty_rate": "12,5", "vat_on_debits": "on",
            "invoice_line_per_visit": "on"}  # fmt: skip
    response = client.post(URL, data)
    assert response.status_code == 302
    company = Company.load()
    assert company.late_penalty_rate == Decimal("12.50")
    assert company.vat_on_debits and company.invoice_line_per_visit
    page = client.get(URL).content.decode()
    assert 'value="12,50"' in page
    # Unticked boxes turn the options off; an empty rate keeps the rate.
    client.post(URL, {**VALID_IDENTITY, "late_penalty_rate": ""})
    company = Company.load()
    assert not company.vat_on_debits and not company.invoice_line_per_visit
    assert company.late_penalty_rate == Decimal("12.50")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rate", "message"),
    [("150", "inférieure ou égale à 100"), ("-1", "supérieure ou égale à 0"),
     ("douze", "Saisissez un nombre."), ("1,234", "2 chiffres après la virgule")],
)  # fmt: skip
def test_a_wrong_penalty_rate_is_refused_at_its_field(direction, client_for, rate, message):
    response = client_for(direction).post(URL, {**VALID_IDENTITY, "late_penalty_rate": rate})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Company.load().late_penalty_rate == Decimal("10.00")
