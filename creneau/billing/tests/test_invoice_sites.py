"""A manual invoice prints its billing group's sites (the service addresses), whether made
in the page or the API, and follows a change of group; its period stays within reason."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from creneau.billing.services import invoice_create, invoice_update
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import BillingMode, Schedule

pytestmark = pytest.mark.django_db


def test_a_draft_takes_its_groups_active_sites_and_follows_a_change_of_group(api_for, direction):
    customer = CustomerFactory()
    first = SiteFactory(customer=customer, billing_group="A")
    second = SiteFactory(customer=customer, billing_group="B")
    SiteFactory(customer=customer, billing_group="A", is_active=False)
    response = api_for(direction).post(
        "/api/v1/invoices", {"customer_id": customer.pk, "billing_group": "A"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["site_ids"] == [first.pk]
    invoice = invoice_create(customer=customer, by=direction, billing_group="A")
    invoice_update(invoice=invoice, by=direction, billing_group="B")
    assert list(invoice.sites.all()) == [second]


def test_a_period_out_of_reason_is_refused():
    with pytest.raises(ValidationError, match="2000 à 2099"):
        invoice_create(customer=CustomerFactory(), by=None, period_start=date(1, 1, 1))


def test_a_monthly_flat_fee_needs_a_service():
    schedule = Schedule(
        site=SiteFactory(), rrule="FREQ=WEEKLY", start_date="2026-01-05",
        start_time="08:00", duration_minutes=60,
        billing_mode=BillingMode.MONTHLY_FLAT, flat_amount=99,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="prestation"):
        schedule.full_clean()
