"""Planned vs done (prévu / réalisé): a month's hours by status, per employee and per site,
summed by the database; the page and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.report import (
    BY_EMPLOYEE,
    BY_SITE,
    parse_month,
    planned_vs_done,
    report_rows,
)
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory

pytestmark = pytest.mark.django_db
MONTH = date(2026, 3, 1)  # summer time starts on 29 March
URL, CSV_URL = "/planning/report/", "/planning/report/export.csv"
Status = Intervention.Status


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def visit(employee, site, start: datetime, minutes: int, **fields) -> Intervention:
    end = start + timedelta(minutes=minutes)
    return InterventionFactory(employee=employee, site=site, start=start, end=end, **fields)


@pytest.fixture
def month(rep, other_rep):
    """March for two employees and a visit still to staff, on three sites of two reps."""
    alice = EmployeeFactory(first_name="Alice", last_name="Bernard")
    zoe = EmployeeFactory(first_name="Zoé", last_name="Aubert")
    tilleuls = SiteFactory(customer=CustomerFactory(sales_rep=rep, name="Tilleuls"), name="Hall")
    martin_customer = CustomerFactory(sales_rep=other_rep, name="Martin")
    martin = SiteFactory(customer=martin_customer, name="Bureau")
    day = date(2026, 3, 9)
    visit(alice, tilleuls, at(day, 8), 120)  # planned: 2 h
    # Done with real times (1 h 45), and done with a quantity typed in (3 h) over 2 h planned.
    visit(alice, tilleuls, at(day, 14), 120, status=Status.DONE,
          actual_start=at(day, 14, 15), actual_end=at(day, 16))  # fmt: skip
    visit(alice, martin, at(day + timedelta(1), 9), 120, status=Status.DONE,
          quantity=Decimal("3"))  # fmt: skip
    # Done without real times: the planned 1 h 30.
    visit(zoe, martin, at(day, 9), 90, status=Status.DONE)
    visit(zoe, martin, at(day, 11), 60, status=Status.MISSED)
    visit(zoe, tilleuls, at(day, 13), 45, status=Status.CANCELLED)
    visit(None, tilleuls, at(day, 15), 30)  # to staff
    # The month's edges in Paris: 31 March 23:30 counts, 1 April 00:30 does not; nor February.
    visit(zoe, tilleuls, at(date(2026, 3, 31), 23, 30), 20)
    visit(zoe, tilleuls, at(date(2026, 4, 1), 0, 30), 60)
    visit(zoe, tilleuls, at(date(2026, 2, 28), 23, 30), 60)
    return {"alice": alice, "zoe": zoe, "tilleuls": tilleuls, "martin": martin}


def hours(row) -> list[str]:
    return [f"{value:.2f}" for value in row.cells]  # planned, done, missed, cancelled


def test_hours_by_status_per_employee(month, direction):
    report = planned_vs_done(user=direction, month=MONTH, by=BY_EMPLOYEE)
    # By last name (Aubert, Bernard), the visits to staff last.
    assert [row.label for row in report.rows] == ["Zoé Aubert", "Alice Bernard", "À pourvoir"]
    zoe, alice, to_staff = report.rows
    assert hours(alice) == ["2.00", "4.75", "0.00", "0.00"]
    assert hours(zoe) == ["0.33", "1.50", "1.00", "0.75"]
    assert hours(to_staff) == ["0.50", "0.00", "0.00", "0.00"]
    assert (alice.visits, zoe.visits, to_staff.visits) == (3, 4, 1)
    assert hours(report.totals) == ["2.83", "6.25", "1.00", "0.75"]
    assert report.totals.total == Decimal("10.83") and report.totals.visits == 8
    # Done out of due (all but cancelled): 4,75 of 6,75 h.
    assert alice.done_rate == Decimal("70") and to_staff.done_rate == Decimal("0")


def test_hours_by_status_per_site(month, direction):
    report = planned_vs_done(user=direction, month=MONTH, by=BY_SITE)
    assert [(row.customer, row.label) for row in report.rows] == [
        ("Martin", "Bureau"),
        ("Tilleuls", "Hall"),
    ]
    martin, tilleuls = report.rows
    assert hours(martin) == ["0.00", "4.50", "1.00", "0.00"]
    assert hours(tilleuls) == ["2.83", "1.75", "0.00", "0.75"]
    assert hours(report.totals) == ["2.83", "6.25", "1.00", "0.75"]


def test_a_sales_rep_sees_only_its_customers_visits(month, rep):
    report = planned_vs_done(user=rep, month=MONTH, by=BY_SITE)
    assert [row.label for row in report.rows] == ["Hall"]
    by_employee = planned_vs_done(user=rep, month=MONTH, by=BY_EMPLOYEE)
    assert hours(by_employee.totals) == ["2.83", "1.75", "0.00", "0.75"]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    visits=st.lists(
        st.tuples(
            st.sampled_from(list(Status)),
            st.integers(1, 24 * 60),  # planned minutes
            st.one_of(st.none(), st.integers(1, 24 * 60)),  # real minutes
            st.one_of(st.none(), st.decimals("0", "99999.99", places=2)),  # quantity
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_database_sums_what_intervention_hours_says(visits):
    """Each visit's hours in the report are its Intervention.hours, to the hundredth."""
    employee, site = EmployeeFactory(), SiteFactory()
    made = []
    for status, planned, real, quantity in visits:
        start = at(date(2026, 3, 29), 0, 30)  # the night the clocks go forward
        extra = {}
        if real is not None:
            extra = {"actual_start": start, "actual_end": start + timedelta(minutes=real)}
        made.append(visit(employee, site, start, planned, status=status, quantity=quantity,
                          **extra))  # fmt: skip
    [row] = report_rows(Intervention.objects.filter(employee=employee), BY_EMPLOYEE)
    for status in Status:
        expected = sum((v.hours for v in made if v.status == status), Decimal(0))
        # Summed exactly then rounded once: within a hundredth per visit of the rounded sum.
        assert abs(row.hours[status] - expected) <= Decimal("0.01") * len(made), status
    Intervention.objects.filter(employee=employee).delete()


def test_the_report_reads_the_same_queries_for_few_or_many_visits(month, direction, client_for):
    client = client_for(direction)

    def queries(by: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"month": "2026-03", "by": by}).status_code == 200
        return len(captured)

    few = {by: queries(by) for by in (BY_EMPLOYEE, BY_SITE)}
    for n in range(30):
        employee = EmployeeFactory()
        site = SiteFactory(customer=CustomerFactory())
        visit(employee, site, at(date(2026, 3, 10), 8) + timedelta(minutes=n), 60,
              status=Status.DONE)  # fmt: skip
    assert {by: queries(by) for by in (BY_EMPLOYEE, BY_SITE)} == few


def test_the_page_shows_the_month_in_french(month, direction, client_for):
    page = client_for(direction).get(URL, {"month": "2026-03"}).content.decode()
    for expected in [
        "Mars 2026", "Zoé Aubert", "Alice Bernard", "À pourvoir", "4,75", "0,33", "70&nbsp;%",
        "Planifiée", "Réalisée", "Client absent", "Annulée", "10,83", "8 passages",
        '?month=2026-02&amp;by=employee', '?month=2026-04&amp;by=employee',
        '?month=2026-03&amp;by=site',
    ]:  # fmt: skip
        assert expected in page, expected
    sites = client_for(direction).get(URL, {"month": "2026-03", "by": "site"}).content.decode()
    assert "Bureau" in sites and "Martin" in sites and "Alice Bernard" not in sites


def test_this_month_is_the_default(direction, client_for):
    today = timezone.localdate()
    site = SiteFactory()
    visit(EmployeeFactory(last_name="Duchemin"), site, at(today, 10), 60)
    page = client_for(direction).get(URL).content.decode()
    assert "Duchemin" in page and f'value="{today:%Y-%m}"' in page


@pytest.mark.parametrize("typed", ["2026-13", "mars", "2026-3", "0000-01", "9999-12", "2"])
def test_a_month_it_cannot_read_shows_this_month_with_a_message(typed, direction, client_for):
    response = client_for(direction).get(URL, {"month": typed})
    assert response.status_code == 200
    assert "Mois illisible" in response.content.decode()
    assert client_for(direction).get(CSV_URL, {"month": typed}).status_code == 200


def test_parse_month():
    assert parse_month("2026-11") == date(2026, 11, 1)
    assert parse_month(" 2026-01 ") == date(2026, 1, 1)
    assert parse_month("2026-00") is None and parse_month("\uff12\uff10\uff12\uff16-01") is None
    assert parse_month(None) is None and parse_month("1899-12") is None


def test_an_intervenant_has_no_report(field_worker, client_for):
    assert client_for(field_worker).get(URL).status_code == 403
    assert client_for(field_worker).get(CSV_URL).status_code == 403


def test_every_office_role_reads_it(rep, planner, accountant, direction, client_for):
    for user in (rep, planner, accountant, direction):
        assert client_for(user).get(URL).status_code == 200


def rows_of(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content, newline=""), delimiter=";"))


def test_the_csv_exports_the_view_with_its_totals(month, direction, client_for):
    response = client_for(direction).get(CSV_URL, {"month": "2026-03"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="prevu-realise-intervenants-2026-03.csv"'
    )
    rows = rows_of(response)
    assert rows[0] == ["Intervenant", "Planifiée (h)", "Réalisée (h)", "Client absent (h)",
                       "Annulée (h)", "Total (h)", "Passages"]  # fmt: skip
    assert rows[1:] == [
        ["Zoé Aubert", "0,33", "1,50", "1,00", "0,75", "3,58", "4"],
        ["Alice Bernard", "2,00", "4,75", "0,00", "0,00", "6,75", "3"],
        ["À pourvoir", "0,50", "0,00", "0,00", "0,00", "0,50", "1"],
        ["Total", "2,83", "6,25", "1,00", "0,75", "10,83", "8"],
    ]


def test_the_csv_by_site_for_a_sales_rep(month, rep, client_for):
    response = client_for(rep).get(CSV_URL, {"month": "2026-03", "by": "site"})
    assert 'filename="prevu-realise-sites-2026-03.csv"' in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0][:2] == ["Client", "Site"]
    assert rows[1:] == [
        ["Tilleuls", "Hall", "2,83", "1,75", "0,00", "0,75", "5,33", "5"],
        ["Total", "", "2,83", "1,75", "0,00", "0,75", "5,33", "5"],
    ]
