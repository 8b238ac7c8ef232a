"""API of the billing run: preview, issue, progress; refusals in French."""

from datetime import date

import pytest

from creneau.billing.models import BillingRun, Invoice
from creneau.billing.runs import billing_run_execute
from creneau.billing.tests.runs_helpers import customer_with_sites, done_visit, hourly_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(direction):
    service = hourly_service()
    customer, (site_a, site_b) = customer_with_sites(["A", "B"])
    done_visit(site_a, service, date(2026, 3, 3))
    done_visit(site_b, service, date(2026, 3, 4))
    return customer


def test_preview_issue_and_progress(api_for, direction, billed):
    api = api_for(direction)
    response = api.post(
        "/api/v1/billing-runs",
        {"period_start": "2026-03-01", "period_end": "2026-03-31", "customer_ids": [billed.pk]},
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "preview"
    assert [(i["customer_id"], i["billing_group"]) for i in data["invoices"]] == [
        (billed.pk, "A"),
        (billed.pk, "B"),
    ]
    first = data["invoices"][0]
    assert first["total_net"] == "50.00"
    assert first["total_vat"] == "10.00"
    assert first["total_gross"] == "60.00"
    assert len(first["lines"][0]["intervention_ids"]) == 1
    assert Invoice.objects.count() == 0  # nothing numbered at preview time

    response = api.post(
        f"/api/v1/billing-runs/{data['id']}/issue", {"excluded_customer_ids": [], "send": False}
    )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "issuing"
    assert response.json()["progress"] == {"done": 0, "total": 2}
    billing_run_execute(run_id=data["id"])  # what the task worker runs
    response = api.get(f"/api/v1/billing-runs/{data['id']}")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "issued"
    assert answer["progress"] == {"done": 2, "total": 2}
    assert sorted(answer["invoice_ids"]) == sorted(Invoice.objects.values_list("pk", flat=True))
    response = api.post(f"/api/v1/billing-runs/{data['id']}/issue", {})
    assert response.status_code == 422


def test_excluded_customers_are_not_issued(api_for, direction, billed):
    api = api_for(direction)
    run_id = api.post(
        "/api/v1/billing-runs", {"period_start": "2026-03-01", "period_end": "2026-03-31"}
    ).json()["id"]
    response = api.post(
        f"/api/v1/billing-runs/{run_id}/issue", {"excluded_customer_ids": [billed.pk]}
    )
    assert response.json()["progress"] == {"done": 0, "total": 0}
    billing_run_execute(run_id=run_id)
    assert BillingRun.objects.get(pk=run_id).status == "issued"
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period_start": "2026-03-31", "period_end": "2026-03-01"}, "period_end"),
        ({"period_start": "2025-03-01", "period_end": "2026-03-31"}, "period_end"),
        (
            {"period_start": "2026-03-01", "period_end": "2026-03-31", "customer_ids": [987654]},
            "customer_ids",
        ),
        ({"period_start": "2026-03-01", "period_end": "2026-03-31", "colour": 1}, "colour"),
        ({"period_start": "2026-02-30", "period_end": "2026-03-31"}, "period_start"),
        ({"period_start": "9999-12-01", "period_end": "9999-12-31"}, "period_start"),
    ],
)
def test_bad_input_is_refused_in_french(api_for, direction, body, field):
    response = api_for(direction).post("/api/v1/billing-runs", body)
    assert response.status_code == 422, response.content
    errors = response.json()["detail"]
    assert errors[0]["field"] == field
    assert errors[0]["msg"][0].isupper()


def test_other_roles_are_refused(api_for, rep, planner, direction, billed):
    for user in (rep, planner):
        response = api_for(user).post(
            "/api/v1/billing-runs", {"period_start": "2026-03-01", "period_end": "2026-03-31"}
        )
        assert response.status_code == 403
    assert api_for(direction).get("/api/v1/billing-runs/999999").status_code == 404


def test_accountant_may_run(api_for, accountant, billed):
    response = api_for(accountant).post(
        "/api/v1/billing-runs", {"period_start": "2026-03-01", "period_end": "2026-03-31"}
    )
    assert response.status_code == 201
