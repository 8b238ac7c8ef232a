"""The dashboard's API: the page's figures for direction and accounting, a sales rep's
own dashboard, 403 for the other roles, 422 for a month it cannot show or an unknown
parameter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.tests.test_aged import invoice
from creneau.quotes.models import Quote
from creneau.quotes.tests.factories import QuoteFactory

pytestmark = pytest.mark.django_db


def test_the_figures_of_the_page(api_for, direction):
    invoice(CustomerFactory(), "100", due_days_ago=40)
    answer = api_for(direction).get("/api/v1/dashboard").json()
    assert answer["month"] == f"{timezone.localdate():%Y-%m}"
    assert set(answer["periods"]) == {"month", "year", "month_last_year", "year_last_year"}
    assert answer["periods"]["month"]["overdue"] == "120.00"
    assert len(answer["months"]) == 13 and len(answer["weeks"]) == 13
    assert answer["aged"]["days_31_60"] == "120.00"
    assert set(answer["periods"]["month"]["hours"]) == {"planned", "done", "missed", "cancelled"}


@pytest.mark.parametrize(
    "query", [{"month": "2026-13"}, {"month": "1999-01"}, {"month": "x" * 8}, {"other": "1"}]
)
def test_a_month_it_cannot_show_or_an_unknown_parameter_is_refused(api_for, accountant, query):
    assert api_for(accountant).get("/api/v1/dashboard", query).status_code == 422


def test_a_sales_rep_gets_its_own(api_for, rep, other_rep):
    mine = CustomerFactory(sales_rep=rep)
    theirs = CustomerFactory(sales_rep=other_rep)
    for customer in (mine, theirs):
        invoice(customer, "100", due_days_ago=10)
        QuoteFactory(customer=customer, status=Quote.Status.SENT, number=f"D-{customer.pk}",
                     validity_date=timezone.localdate() + timedelta(days=5))  # fmt: skip
    answer = api_for(rep).get("/api/v1/dashboard/sales-rep").json()
    assert [quote["customer_id"] for quote in answer["quotes"]] == [mine.pk]
    assert [row["customer_id"] for row in answer["overdue"]] == [mine.pk]
    assert (answer["overdue_total"], answer["due_total"]) == ("120.00", "120.00")
    assert api_for(rep).get("/api/v1/dashboard").status_code == 403


def test_other_roles_are_refused(api_for, planner, direction):
    assert api_for(planner).get("/api/v1/dashboard").status_code == 403
    assert api_for(planner).get("/api/v1/dashboard/sales-rep").status_code == 403
    assert api_for(direction).get("/api/v1/dashboard/sales-rep").status_code == 403
