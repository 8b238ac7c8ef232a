"""Paramètres > Comptabilité: the accounts with their defaults and bounds, the fiscal
years, and closing from the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from creneau.accounting.accounts import account_plan_load
from creneau.accounting.models import AccountingSettings, FiscalYear, PaymentMethodAccount
from creneau.catalog.tests.factories import vat_rate
from creneau.core.models import Company

pytestmark = pytest.mark.django_db


def form_data(client) -> dict:
    """What the page shows, as it would be posted back."""
    form = client.get("/accounting/settings/").context["form"]
    return {name: form.initial.get(name, "") or "" for name in form.fields}


def test_the_defaults_without_any_setting():
    vat_rate("20")
    plan = account_plan_load()
    assert plan.customers_account == "411000" and plan.default_revenue_account == "706000"
    assert plan.vat_account("20.00") == "445711" and plan.vat_account("10") == "445712"
    assert plan.vat_account("5.5") == "445713" and plan.vat_account("2.1") == "445714"
    assert plan.vat_account("8.5") == "445710"
    assert plan.received_account("cheque", deposited=False) == "512000"
    assert plan.method_account("cash") == "530000"
    assert plan.method_account("cesu_prefinanced") == "511300"


def test_the_page_saves_the_accounts(accountant, client_for):
    client = client_for(accountant)
    data = form_data(client)
    rate = vat_rate("10")
    data.update({"customers_account": "411 000", "cheques_to_deposit_account": "511200",
                 f"revenue_{rate.pk}": "706200", "method_cash": "531000"})  # fmt: skip
    response = client.post("/accounting/settings/", data)
    assert response.status_code == 302
    settings_row = AccountingSettings.load()
    assert settings_row.customers_account == "411000"
    assert settings_row.cheques_to_deposit_account == "511200"
    assert PaymentMethodAccount.objects.get(method="cash").account == "531000"
    plan = account_plan_load()
    assert plan.revenue_by_vat_rate_id[rate.pk] == "706200"
    assert plan.received_account("cheque", deposited=False) == "511200"


@pytest.mark.parametrize("value", ["ABC", "7060-00", "4" * 21, "706 éé", "=1+1"])
def test_a_bad_account_number_is_refused_at_its_field(value, accountant, client_for):
    client = client_for(accountant)
    data = form_data(client)
    data["default_revenue_account"] = value
    response = client.post("/accounting/settings/", data)
    assert response.status_code == 422
    errors = response.context["form"].errors["default_revenue_account"]
    assert errors and ("chiffres" in errors[0] or "caractères" in errors[0])
    assert AccountingSettings.load().default_revenue_account == "706000"


def test_fiscal_years_from_the_page(direction, client_for):
    client = client_for(direction)
    response = client.post("/accounting/settings/fiscal-years/",
                           {"start_date": "2025-01-01", "end_date": "2025-12-31"})  # fmt: skip
    assert response.status_code == 302
    response = client.post("/accounting/settings/fiscal-years/",
                           {"start_date": "2025-06-01", "end_date": "2026-05-31"})  # fmt: skip
    assert response.status_code == 422
    assert "chevauche" in response.content.decode()
    page = client.get("/accounting/settings/").content.decode()
    assert "01/01/2025" in page and "31/12/2025" in page


def test_closing_from_the_page(accountant, client_for):
    client = client_for(accountant)
    year = FiscalYear.objects.create(
        start_date=timezone.localdate() - timedelta(days=400),
        end_date=timezone.localdate() - timedelta(days=35),
    )
    page = client.get("/accounting/settings/").content.decode()
    assert "C&#x27;est définitif" in page or "C'est définitif" in page  # it asks once
    response = client.post(f"/accounting/settings/fiscal-years/{year.pk}/close/", follow=True)
    assert "clôturé" in response.content.decode()
    year.refresh_from_db()
    assert year.is_closed and year.fec_sha256
    assert Company.load().books_closed_until == year.end_date
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = client.post("/accounting/settings/close/", {"until": future})
    assert response.status_code == 422
    assert "période à venir" in response.content.decode()
