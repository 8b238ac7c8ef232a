"""The dashboard's sums: the amount due and overdue at a past date, computed from what is
due today and what happened since, agree with the aged balance (payments.aged) on every
case it knows; revenue, collections, hours and served sites by period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.dashboard import figures
from creneau.dashboard.cache import visits_boundary
from creneau.dashboard.periods import periods_of
from creneau.dashboard.selectors import dashboard_figures
from creneau.payments.aged import AgedFilters, aged_balance
from creneau.payments.models import Payment
from creneau.payments.services import payment_reverse
from creneau.payments.tests.test_aged import invoice, pay
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def aged_totals(user, as_of) -> dict[str, Decimal]:
    _count, totals = aged_balance(user=user, filters=AgedFilters(as_of=as_of)).totals()
    return {"due": totals.total, "overdue": totals.total - totals.amounts["not_due"]}


def the_aged_balance_story(customer) -> None:
    """test_aged's past-date case: payments and credit notes since, reversals before and
    after, an invoice issued after, a partial payment on each side of the date."""
    paid_since = invoice(customer, "100", due_days_ago=50)
    pay(customer, "120.00", days_ago=10, invoices=[(paid_since, "120.00")])
    credited_since = invoice(customer, "10", due_days_ago=25)
    credit_note_create(invoice=credited_since, by=None)
    bounced = invoice(customer, "1000", due_days_ago=100)
    cheque = pay(customer, "1200.00", days_ago=30, invoices=[(bounced, "1200.00")])
    payment_reverse(payment=cheque, by=None, reason="Chèque impayé")
    reversed_before = invoice(customer, "2", due_days_ago=200)
    early = pay(customer, "2.40", days_ago=40, invoices=[(reversed_before, "2.40")])
    reversal = payment_reverse(payment=early, by=None, reason="Erreur")
    Payment.objects.filter(pk=reversal.pk).update(date=today() - timedelta(days=25))
    invoice(customer, "5000", due_days_ago=0, issued_days_ago=10)
    halves = invoice(customer, "20", due_days_ago=80)
    pay(customer, "10.00", days_ago=70, invoices=[(halves, "10.00")])
    pay(customer, "14.00", days_ago=2, invoices=[(halves, "14.00")])
    old_credit = invoice(customer, "200", due_days_ago=10, issued_days_ago=60)
    note = credit_note_create(invoice=old_credit, by=None, amount=Decimal("40.00"))
    Invoice.objects.filter(pk=note.pk).update(issue_date=today() - timedelta(days=50))


def test_due_and_overdue_at_past_dates_agree_with_the_aged_balance(direction):
    the_aged_balance_story(CustomerFactory(name="Syndic Horizon"))
    the_aged_balance_story(CustomerFactory(name="Boulangerie Martin"))
    for days_ago in (0, 1, 2, 5, 10, 20, 25, 26, 30, 31, 45, 60, 75, 100, 250):
        as_of = today() - timedelta(days=days_ago)
        assert figures.due_at(as_of) == aged_totals(direction, as_of), days_ago
    # A sanity check of the story itself, at 20 days ago (test_aged's figures, twice).
    assert figures.due_at(today() - timedelta(days=20))["due"] == Decimal("696.80")


def test_revenue_is_invoices_less_credit_notes_excluding_vat(direction):
    customer = CustomerFactory()
    invoice(customer, "100", due_days_ago=0)  # issued today
    credited = invoice(customer, "50", due_days_ago=0)
    credit_note_create(invoice=credited, by=None)  # today: the month loses 50
    last_year = invoice(customer, "30", due_days_ago=0, issued_days_ago=366)
    pay(customer, "36.00", days_ago=0, invoices=[(last_year, "36.00")])
    periods, _refused = periods_of("", today())
    board = dashboard_figures(user=direction, periods=periods)
    month = board.figures["month"]
    assert month.revenue == Decimal("100.00")
    assert month.billed_gross == Decimal("120.00")
    assert month.collected == Decimal("36.00")
    assert month.due == Decimal("120.00")
    assert board.months[-1]["revenue"] == Decimal("100.00")


def test_a_reversal_lowers_the_cash_collected_on_its_own_date(direction):
    customer = CustomerFactory()
    cheque = pay(customer, "80.00", days_ago=0)
    payment_reverse(payment=cheque, by=None, reason="Chèque impayé")
    pay(customer, "20.00", days_ago=0)
    assert sum(figures.collections_by_day(today(), today()).values()) == Decimal("20.00")


def test_hours_and_served_sites_follow_the_planning_report(direction):
    site = SiteFactory()
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for status, hours in [("done", 2), ("done", 1), ("missed", 3), ("planned", 4)]:
        InterventionFactory(
            site=site, status=status, start=start, end=start + timedelta(hours=hours)
        )
    InterventionFactory(site=SiteFactory(), status=Intervention.Status.CANCELLED, start=start,
                        end=start + timedelta(hours=1))  # fmt: skip
    periods, _refused = periods_of("", today())
    month = dashboard_figures(user=direction, periods=periods).figures["month"]
    assert month.hours["done"] == Decimal("3.00")
    assert month.hours["missed"] == Decimal("3.00")
    assert month.hours["planned"] == Decimal("4.00")
    assert (month.customers, month.sites) == (1, 1)  # the cancelled visit serves no one


def test_served_sites_of_the_month_and_of_the_year_apart(direction):
    """A site is served in a period when a visit was done in it: the month's, the year's
    (the recent visits' pairs and the history's, united)."""
    nine = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    boundary = visits_boundary(today())  # the first day of the previous month

    def done_on(site, day):
        start = nine.replace(year=day.year, month=day.month, day=day.day)
        InterventionFactory(site=site, status="done", start=start, end=start + timedelta(hours=1))

    this_month, last_month, earlier = SiteFactory(), SiteFactory(), SiteFactory()
    last_month_day, earlier_day = boundary + timedelta(days=1), boundary - timedelta(days=10)
    done_on(this_month, today())
    done_on(this_month, last_month_day)
    done_on(last_month, last_month_day)
    done_on(earlier, earlier_day)
    periods, _refused = periods_of("", today())
    board = dashboard_figures(user=direction, periods=periods).figures

    assert (board["month"].sites, board["month"].customers) == (1, 1)
    this_year = 1 + sum(day.year == today().year for day in (last_month_day, earlier_day))
    assert (board["year"].sites, board["year"].customers) == (this_year, this_year)
