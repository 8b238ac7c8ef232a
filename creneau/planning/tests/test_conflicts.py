"""Conflicts (double booking, outside availability, absence, site closure, incompatible
site) in five queries, and who sees which intervention."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.http import Http404

from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Absence, Intervention, SiteClosure
from creneau.planning.selectors import (
    intervention_get,
    interventions_conflicts,
    interventions_visible_to,
)
from creneau.planning.services import employee_availability_set
from creneau.planning.tests.clock import freeze_now, paris
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory

pytestmark = pytest.mark.django_db

Status = Intervention.Status


def visit_at(start: str, minutes: int = 120, **fields) -> Intervention:
    return InterventionFactory(
        start=paris(start), end=paris(start) + timedelta(minutes=minutes), **fields
    )


def codes(visit: Intervention) -> list[str]:
    return [conflict.code for conflict in interventions_conflicts([visit])[visit.pk]]


def test_the_same_employee_booked_twice_at_once(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    employee = EmployeeFactory()
    first = visit_at("2027-04-12 09:00", employee=employee, site=SiteFactory(name="Mairie"))
    second = visit_at("2027-04-12 10:00", employee=employee, site=SiteFactory(name="École"))
    after = visit_at("2027-04-12 12:00", employee=employee)  # back to back: no conflict
    other = visit_at("2027-04-12 09:00", employee=EmployeeFactory())
    unassigned = [visit_at("2027-04-12 09:00"), visit_at("2027-04-12 09:00")]

    conflicts = interventions_conflicts([first, second, after, other, *unassigned])
    [on_first] = conflicts[first.pk]
    assert on_first.code == "double_booking"
    assert on_first.message == "Intervenant déjà pris de 10:00 à 12:00 (École)."
    assert [c.message for c in conflicts[second.pk]] == [
        "Intervenant déjà pris de 09:00 à 11:00 (Mairie)."
    ]
    assert conflicts[after.pk] == conflicts[other.pk] == []
    assert all(conflicts[visit.pk] == [] for visit in unassigned)
    # The other visit is found in the database even when only one is asked about.
    assert codes(second) == ["double_booking"]


def test_cancelled_and_missed_visits_have_no_conflict_and_take_nobodys_time(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    employee = EmployeeFactory()
    employee_availability_set(employee=employee, by=None, slots=[(0, time(8), time(10))])
    SiteClosure.objects.create(
        site=(site := SiteFactory()), start_date=date(2027, 4, 1), end_date=date(2027, 4, 30)
    )
    planned = visit_at("2027-04-13 09:00", employee=employee)
    cancelled = visit_at("2027-04-13 09:00", employee=employee, site=site, status=Status.CANCELLED)
    missed = visit_at("2027-04-13 10:00", employee=employee, site=site, status=Status.MISSED)
    conflicts = interventions_conflicts([planned, cancelled, missed])
    assert [c.code for c in conflicts[planned.pk]] == ["unavailable"]  # Tuesday
    assert conflicts[cancelled.pk] == conflicts[missed.pk] == []


def test_outside_the_employees_availability(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    free = EmployeeFactory()
    busy = EmployeeFactory()
    employee_availability_set(
        employee=busy,
        by=None,
        slots=[(0, time(8), time(12)), (0, time(14), time(18)), (2, time(8), time(12))],
    )
    cases = {
        "2027-04-12 08:00": [],  # Monday 08:00-10:00, in the morning slot
        "2027-04-12 10:00": [],  # 10:00-12:00, ends when the slot ends
        "2027-04-12 11:00": ["unavailable"],  # 11:00-13:00, over lunch
        "2027-04-12 15:00": [],
        "2027-04-12 07:00": ["unavailable"],
        "2027-04-13 09:00": ["unavailable"],  # Tuesday: no slot
        "2027-04-14 09:00": [],  # Wednesday
        "2027-04-18 09:00": ["unavailable"],  # Sunday
    }
    for start, expected in cases.items():
        visits = [visit_at(start, employee=busy), visit_at(start, employee=free)]
        assert codes(visits[0]) == expected, start
        # An employee with no availability at all is always available.
        assert codes(visits[1]) == [], start
        Intervention.objects.filter(pk__in=[visit.pk for visit in visits]).delete()
    overnight = visit_at("2027-04-12 17:00", minutes=8 * 60, employee=busy)
    assert codes(overnight) == ["unavailable"]
    [conflict] = interventions_conflicts([overnight])[overnight.pk]
    assert conflict.message == "En dehors des disponibilités de l'intervenant."


def test_during_an_absence(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    employee = EmployeeFactory()
    Absence.objects.create(
        employee=employee, start_date=date(2027, 4, 12), end_date=date(2027, 4, 16), reason="Congés"
    )
    inside = visit_at("2027-04-16 17:00", employee=employee)
    before = visit_at("2027-04-11 09:00", employee=employee)
    after = visit_at("2027-04-17 09:00", employee=employee)
    conflicts = interventions_conflicts([inside, before, after])
    [conflict] = conflicts[inside.pk]
    assert (conflict.code, conflict.message) == (
        "absence",
        "Intervenant absent du 12/04/2027 au 16/04/2027 (Congés).",
    )
    assert conflicts[before.pk] == conflicts[after.pk] == []


def test_on_a_site_closure_even_without_an_employee(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    site = SiteFactory()
    SiteClosure.objects.create(site=site, start_date=date(2027, 8, 1), end_date=date(2027, 8, 31))
    closed = visit_at("2027-08-02 09:00", site=site)
    elsewhere = visit_at("2027-08-02 09:00")
    open_again = visit_at("2027-09-01 09:00", site=site)
    conflicts = interventions_conflicts([closed, elsewhere, open_again])
    [conflict] = conflicts[closed.pk]
    assert (conflict.code, conflict.message) == (
        "site_closure",
        "Site fermé du 01/08/2027 au 31/08/2027.",
    )
    assert conflicts[elsewhere.pk] == conflicts[open_again.pk] == []


def test_several_conflicts_at_once(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    employee = EmployeeFactory()
    employee_availability_set(employee=employee, by=None, slots=[(0, time(8), time(12))])
    Absence.objects.create(
        employee=employee, start_date=date(2027, 4, 13), end_date=date(2027, 4, 13)
    )
    site = SiteFactory()
    SiteClosure.objects.create(site=site, start_date=date(2027, 4, 13), end_date=date(2027, 4, 13))
    visit = visit_at("2027-04-13 09:00", employee=employee, site=site)
    visit_at("2027-04-13 10:00", employee=employee)
    assert sorted(codes(visit)) == ["absence", "double_booking", "site_closure", "unavailable"]


def test_conflicts_of_fifty_visits_in_five_queries(monkeypatch, django_assert_max_num_queries):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    employees = [EmployeeFactory() for _ in range(10)]
    sites = [SiteFactory() for _ in range(5)]
    for number, employee in enumerate(employees):
        employee_availability_set(employee=employee, by=None, slots=[(0, time(8), time(17))])
        Absence.objects.create(
            employee=employee, start_date=date(2027, 4, 13 + number % 3), end_date=date(2027, 4, 15)
        )
    for site in sites:
        SiteClosure.objects.create(
            site=site, start_date=date(2027, 4, 14), end_date=date(2027, 4, 15)
        )
    for number in range(50):
        visit_at(
            f"2027-04-{12 + number % 5} {8 + number % 7:02d}:00",
            employee=employees[number % 10],
            site=sites[number % 5],
            status=Status.CANCELLED if number % 9 == 0 else Status.PLANNED,
        )
    visits = list(Intervention.objects.all())
    with django_assert_max_num_queries(5):
        conflicts = interventions_conflicts(visits)
    assert set(conflicts) == {visit.pk for visit in visits}
    assert sum(len(found) for found in conflicts.values()) > 50
    with django_assert_max_num_queries(5):
        once = interventions_conflicts(visit for visit in visits)  # any iterable, read once
    assert once == conflicts


def test_a_site_made_incompatible_after_the_visit_was_planned_is_flagged(monkeypatch):
    """Refused for new visits (services.check_employee_may_go); the visit already there
    shows it, so that the planner moves it."""
    freeze_now(monkeypatch, "2027-04-01 12:00")
    employee, site = EmployeeFactory(), SiteFactory()
    planned = visit_at("2027-04-12 09:00", employee=employee, site=site)
    assert codes(planned) == []
    employee.incompatible_sites.add(site)
    assert codes(planned) == ["incompatible_site"]
    elsewhere = visit_at("2027-04-13 09:00", employee=EmployeeFactory(), site=site)
    assert codes(elsewhere) == []


# Visibility -------------------------------------------------------------------------------


@pytest.fixture
def visits(rep, other_rep, field_worker, monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    mine = SiteFactory(customer=CustomerFactory(sales_rep=rep))
    theirs = SiteFactory(customer=CustomerFactory(sales_rep=other_rep))
    return {
        "rep": visit_at("2027-04-12 09:00", site=mine),
        "rep_worker": visit_at("2027-04-13 09:00", site=mine, employee=field_worker.employee),
        "other": visit_at("2027-04-12 09:00", site=theirs),
        "other_worker": visit_at("2027-04-14 09:00", site=theirs, employee=field_worker.employee),
        "nobody": visit_at("2027-04-14 09:00", site=SiteFactory(), employee=EmployeeFactory()),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("direction", {"rep", "rep_worker", "other", "other_worker", "nobody"}),
        ("planner", {"rep", "rep_worker", "other", "other_worker", "nobody"}),
        ("accountant", {"rep", "rep_worker", "other", "other_worker", "nobody"}),
        ("rep", {"rep", "rep_worker"}),
        ("other_rep", {"other", "other_worker"}),
        ("field_worker", {"rep_worker", "other_worker"}),
    ],
)
def test_who_sees_which_intervention(request, visits, who, sees):
    user = request.getfixturevalue(who)
    visible = set(interventions_visible_to(user).values_list("pk", flat=True))
    assert visible == {visits[name].pk for name in sees}
    for name, visit in visits.items():
        if name in sees:
            assert intervention_get(user=user, pk=visit.pk) == visit
        else:
            with pytest.raises(Http404):
                intervention_get(user=user, pk=visit.pk)


def test_a_login_without_a_role_sees_nothing(visits, make_user):
    nobody = make_user("sans-role", None)
    assert not interventions_visible_to(nobody).exists()
