"""What a billing run bills: grouping, prices, quantities, flat fees, missed visits."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from creneau.billing.billables import BillableFilters, billables_propose, days_text
from creneau.billing.models import BilledIntervention, Invoice
from creneau.billing.runs import billing_run_create, billing_run_execute, billing_run_issue
from creneau.billing.tests.runs_helpers import (
    MONTH_END,
    MONTH_START,
    SitePriceFactory,
    at,
    customer_with_sites,
    done_visit,
    flat_schedule,
    hourly_service,
    visit_service,
)
from creneau.core.models import Company
from creneau.planning.models import BillingMode, Intervention

pytestmark = pytest.mark.django_db


def propose(user, **kwargs):
    return billables_propose(user=user, period_start=MONTH_START, period_end=MONTH_END, **kwargs)


def test_one_invoice_per_customer_and_billing_group(direction):
    service = hourly_service()
    customer, (site_a1, site_a2, site_b) = customer_with_sites(["A", "A", "B"])
    for site in (site_a1, site_a2, site_b):
        done_visit(site, service, date(2026, 3, 3))
    proposals = propose(direction)
    assert [(p.customer_id, p.billing_group) for p in proposals] == [
        (customer.pk, "A"),
        (customer.pk, "B"),
    ]
    assert proposals[0].site_ids == [site_a1.pk, site_a2.pk]
    assert proposals[1].site_ids == [site_b.pk]


def test_lines_group_by_site_then_service_with_their_days(direction):
    hourly, visits = hourly_service(), visit_service()
    _customer, (site,) = customer_with_sites(["A"])
    for day in (3, 6, 10):
        done_visit(site, hourly, date(2026, 3, day))
    done_visit(site, visits, date(2026, 3, 12))
    (proposal,) = propose(direction)
    first, second = proposal.lines
    assert first["description"] == "Entretien des bureaux \u2013 3 passages (03, 06, 10/03)"
    assert first["quantity"] == "6.000"  # three visits of 2 hours
    assert first["net"] == "150.00"
    assert len(first["visits"]) == 3
    assert second["description"] == "Lavage des vitres \u2013 12/03/2026"
    assert second["quantity"] == "1.000"
    assert proposal.totals().gross == Decimal("228.00")


def test_one_line_per_visit_when_the_company_says_so(direction):
    company = Company.load()
    company.invoice_line_per_visit = True
    company.save()
    service = hourly_service()
    _customer, (site,) = customer_with_sites(["A"])
    for day in (3, 6):
        done_visit(site, service, date(2026, 3, day))
    (proposal,) = propose(direction)
    assert [line["description"] for line in proposal.lines] == [
        "Entretien des bureaux \u2013 03/03/2026",
        "Entretien des bureaux \u2013 06/03/2026",
    ]


def test_site_price_wins_over_the_catalogue(direction):
    service = hourly_service(unit_price=Decimal("25"))
    _customer, (priced, plain) = customer_with_sites(["A", "A"])
    SitePriceFactory(site=priced, service=service, unit_price=Decimal("30"))
    done_visit(priced, service, date(2026, 3, 3), hours=1)
    done_visit(plain, service, date(2026, 3, 3), hours=1)
    (proposal,) = propose(direction)
    prices = {line["site_id"]: Decimal(line["unit_price"]) for line in proposal.lines}
    assert prices == {priced.pk: Decimal(30), plain.pk: Decimal(25)}


def test_hourly_quantity_follows_real_times_then_quantity(direction):
    service = hourly_service()
    _customer, (site,) = customer_with_sites(["A"])
    day = date(2026, 3, 3)
    done_visit(site, service, day, actual_start=at(day, 9), actual_end=at(day, 10, 30))
    done_visit(site, service, date(2026, 3, 4), quantity=Decimal("4"))
    done_visit(site, service, date(2026, 3, 5))  # planned: 2 hours
    (proposal,) = propose(direction)
    assert proposal.lines[0]["quantity"] == "7.500"


def test_only_done_visits_of_the_period_and_missed_when_asked(direction):
    service = visit_service()
    _customer, (site,) = customer_with_sites(["A"])
    done_visit(site, service, date(2026, 3, 3))
    done_visit(site, service, date(2026, 3, 4), status=Intervention.Status.MISSED)
    done_visit(site, service, date(2026, 3, 5), status=Intervention.Status.PLANNED)
    done_visit(site, service, date(2026, 3, 6), status=Intervention.Status.CANCELLED)
    done_visit(site, service, date(2026, 4, 1))
    done_visit(site, service, date(2026, 2, 28))
    (proposal,) = propose(direction)
    assert proposal.lines[0]["quantity"] == "1.000"
    (proposal,) = propose(direction, include_missed=True)
    assert proposal.lines[0]["quantity"] == "2.000"


def test_flat_fee_once_per_month_with_its_visits_listed(direction):
    service = hourly_service()
    _customer, (site,) = customer_with_sites(["A"])
    schedule = flat_schedule(site, service, "300.00")
    for day in (date(2026, 3, 2), date(2026, 3, 9), date(2026, 4, 6)):
        done_visit(site, service, day, schedule=schedule, occurrence_date=day)
    proposals = billables_propose(
        user=direction, period_start=date(2026, 3, 1), period_end=date(2026, 5, 31)
    )
    lines = proposals[0].lines
    assert [(line["flat_month"], line["net"]) for line in lines] == [
        ("2026-03-01", "300.00"),
        ("2026-04-01", "300.00"),  # May: the schedule did not run, nothing billed
    ]
    assert lines[0]["description"] == (
        "Forfait mensuel \u2013 Entretien des bureaux \u2013 03/2026 : 2 passage(s) (02, 09/03)"
    )


def test_not_billed_schedules_bill_nothing(direction):
    service = hourly_service()
    _customer, (site,) = customer_with_sites(["A"])
    schedule = flat_schedule(site, service, mode=BillingMode.NOT_BILLED)
    day = date(2026, 3, 2)
    done_visit(site, service, day, schedule=schedule, occurrence_date=day)
    assert propose(direction) == []


def test_filters_and_visibility(direction, rep, other_rep):
    service = visit_service()
    mine, (my_site,) = customer_with_sites(["A"], sales_rep=rep)
    theirs, (their_site,) = customer_with_sites(["A"], sales_rep=other_rep)
    done_visit(my_site, service, date(2026, 3, 3))
    done_visit(their_site, service, date(2026, 3, 3))
    assert [p.customer_id for p in propose(rep)] == [mine.pk]
    filters = BillableFilters(sales_rep_ids=(other_rep.pk,))
    assert [p.customer_id for p in propose(direction, filters=filters)] == [theirs.pk]
    filters = BillableFilters(customer_ids=(mine.pk,))
    assert [p.customer_id for p in propose(direction, filters=filters)] == [mine.pk]


def test_days_text_over_two_months_and_long_lists():
    assert days_text([date(2026, 3, 30), date(2026, 4, 2)]) == "30/03 ; 02/04"
    many = [date(2026, 1, 1) + timedelta(days=n) for n in range(40)]
    assert days_text(many).endswith("…")


def test_a_second_run_over_the_same_period_finds_nothing(direction):
    service = hourly_service()
    _customer, (site, other) = customer_with_sites(["A", "B"])
    schedule = flat_schedule(other, service)
    done_visit(site, service, date(2026, 3, 3))
    day = date(2026, 3, 4)
    done_visit(other, service, day, schedule=schedule, occurrence_date=day)
    run = billing_run_create(by=direction, period_start=MONTH_START, period_end=MONTH_END)
    assert run.items.count() == 2
    billing_run_issue(run=run, by=direction, enqueue=False)
    billing_run_execute(run_id=run.pk)
    assert Invoice.objects.filter(status=Invoice.Status.ISSUED).count() == 2
    assert BilledIntervention.objects.count() == 2
    assert propose(direction) == []
    again = billing_run_create(by=direction, period_start=MONTH_START, period_end=MONTH_END)
    assert again.items.count() == 0


def test_period_checks(direction):
    with pytest.raises(ValidationError):
        billing_run_create(by=direction, period_start=MONTH_END, period_end=MONTH_START)
    with pytest.raises(ValidationError):
        billing_run_create(by=direction, period_start=date(2025, 1, 1), period_end=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        billing_run_create(
            by=direction, period_start=MONTH_START, period_end=MONTH_END, customer_ids=[999999]
        )
