"""A schedule's billing mode (à l'unité, forfait mensuel, non facturé) and its flat amount,
in the schedule form and the schedules API."""

from decimal import Decimal

import pytest

from creneau.catalog.tests.factories import ServiceFactory
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import BillingMode, Schedule
from creneau.planning.tests.test_schedules_api import URL, body, errors
from creneau.planning.tests.test_schedules_views import field_errors, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(rep):
    return SiteFactory(customer=CustomerFactory(sales_rep=rep))


@pytest.fixture
def service():
    return ServiceFactory(label="Entretien des bureaux")


def test_the_form_makes_a_monthly_flat_schedule(site, service, planner, client_for):
    client = client_for(planner)
    page = client.get(f"/planning/sites/{site.pk}/schedules/new/").content.decode()
    assert 'name="billing_mode"' in page and 'name="flat_amount"' in page
    response = client.post(
        f"/planning/sites/{site.pk}/schedules/new/",
        form_data(billing_mode="monthly_flat", flat_amount="450,50"),
    )
    assert any("choisissez-la" in error for error in field_errors(response))
    response = client.post(
        f"/planning/sites/{site.pk}/schedules/new/",
        form_data(billing_mode="monthly_flat", flat_amount="450,50", service=str(service.pk)),
    )
    assert response.status_code == 302, field_errors(response)
    schedule = Schedule.objects.get()
    assert schedule.billing_mode == BillingMode.MONTHLY_FLAT
    assert schedule.flat_amount == Decimal("450.50")
    edit = client.get(f"/planning/schedules/{schedule.pk}/").content.decode()
    assert 'value="450,50"' in edit and '<option value="monthly_flat" selected>' in edit


def test_a_monthly_flat_schedule_needs_its_amount(site, planner, client_for):
    response = client_for(planner).post(
        f"/planning/sites/{site.pk}/schedules/new/", form_data(billing_mode="monthly_flat")
    )
    assert "Indiquez le montant du forfait mensuel." in field_errors(response)
    assert not Schedule.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Le forfait mensuel est d&#x27;au moins 0,01 €."),
        ("abc", "Saisissez un nombre."),
        ("1" * 20, "Assurez-vous"),
    ],
)
def test_a_wrong_flat_amount_is_refused_at_its_field(site, planner, client_for, amount, message):
    response = client_for(planner).post(
        f"/planning/sites/{site.pk}/schedules/new/",
        form_data(billing_mode="monthly_flat", flat_amount=amount),
    )
    assert any(message in error for error in field_errors(response)), field_errors(response)


def test_per_unit_drops_a_flat_amount_and_is_the_default(site, planner, client_for):
    client = client_for(planner)
    client.post(f"/planning/sites/{site.pk}/schedules/new/", form_data(flat_amount="99"))
    schedule = Schedule.objects.get()
    assert schedule.billing_mode == BillingMode.PER_UNIT and schedule.flat_amount is None
    client.post(
        f"/planning/schedules/{schedule.pk}/",
        form_data(start_date=schedule.start_date.isoformat(), billing_mode="not_billed"),
    )
    schedule.refresh_from_db()
    assert schedule.billing_mode == BillingMode.NOT_BILLED


def test_the_api_reads_and_writes_the_billing_mode(site, service, planner, api_for):
    client = api_for(planner)
    response = client.post(URL, body(site, service_id=service.pk))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["billing_mode"] == "per_unit" and created["flat_amount"] is None

    response = client.patch(
        f"{URL}/{created['id']}", {"billing_mode": "monthly_flat", "flat_amount": "450.5"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["billing_mode"] == "monthly_flat"
    assert response.json()["flat_amount"] == "450.50"
    assert client.get(f"{URL}/{created['id']}").json()["flat_amount"] == "450.50"


def test_the_api_needs_the_amount_of_a_monthly_flat_fee(site, planner, api_for):
    client = api_for(planner)
    response = client.post(URL, body(site, billing_mode="monthly_flat"))
    assert response.status_code == 422
    assert errors(response)["flat_amount"] == "Indiquez le montant du forfait mensuel."
    assert not Schedule.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("billing_mode", "forfait"), ("flat_amount", 450), ("flat_amount", "4,50"),
     ("flat_amount", "0.00"), ("flat_amount", "12345678901.00"), ("flat_amount", "1.234")],
)  # fmt: skip
def test_the_api_refuses_a_wrong_billing_field(site, planner, api_for, field, value):
    response = api_for(planner).post(
        URL, body(site, **{"billing_mode": "monthly_flat", "flat_amount": "10.00", field: value})
    )
    assert response.status_code == 422, response.content
    assert not Schedule.objects.exists()
