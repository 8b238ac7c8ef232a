"""The demo planning (`manage.py demo`): employees, schedules, four past weeks mostly done,
the coming weeks planned, a few conflicts and a closure; loaded once, whatever the runs."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from creneau.core.models import AuditEvent
from creneau.core.roles import Role, user_role
from creneau.customers.models import Customer
from creneau.planning.generation import planning_horizon
from creneau.planning.models import (
    Absence,
    Availability,
    Employee,
    Intervention,
    Schedule,
    SiteClosure,
)
from creneau.planning.recurrence import recurrence_of
from creneau.planning.selectors import interventions_conflicts

Status = Intervention.Status


def counts() -> dict[str, int]:
    models = (User, Employee, Availability, Absence, SiteClosure, Schedule, Intervention)
    return {
        **{model.__name__: model.objects.count() for model in models},
        "AuditEvent": AuditEvent.objects.count(),
        "opted in": Customer.objects.filter(visit_reminders=True).count(),
    }


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo loaded once for this module (it takes seconds), rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    """Each test runs in a savepoint inside the module's transaction."""


def test_a_second_run_adds_nothing(demo):
    first = counts()
    output = StringIO()
    call_command("demo", stdout=output)
    assert counts() == first
    assert "Planning : 0 intervenant(s) créé(s), programmations déjà présentes." in (
        output.getvalue()
    )


def test_twelve_employees_with_colours_phones_and_most_with_availability(demo):
    employees = list(Employee.objects.prefetch_related("availabilities", "incompatible_sites"))
    # The planning's twelve, and the home help of the portal demo's Mme Durand.
    assert len(employees) == 13
    assert len({employee.color for employee in employees}) == 13
    for employee in employees:
        employee.full_clean()
        assert employee.mobile.startswith("+33") and employee.email and employee.is_active
    with_slots = [employee for employee in employees if employee.availabilities.all()]
    assert 8 <= len(with_slots) < 13
    assert sum(len(employee.incompatible_sites.all()) for employee in employees) == 1
    assert Absence.objects.count() == 1


def test_the_intervenant_logs_in_with_the_demo_password(demo):
    user = User.objects.get(username="intervenant")
    assert user_role(user) == Role.EMPLOYEE
    assert user.employee.full_name == "Inès Moreau"
    client = Client()
    response = client.post("/login/", {"username": "intervenant", "password": "demo"})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_schedules_are_weekly_and_monthly_with_various_services_and_some_to_staff(demo):
    schedules = list(Schedule.objects.all())
    kinds = Counter(recurrence_of(schedule.rrule).kind for schedule in schedules)
    assert kinds["weekly"] > 30 and kinds["monthly_weekday"] >= 5 and kinds["monthly_day"] >= 1
    assert sum(1 for schedule in schedules if schedule.employee_id is None) == 2
    assert len({schedule.service_id for schedule in schedules}) >= 7
    assert None not in {schedule.service_id for schedule in schedules}


def test_past_weeks_are_mostly_done_and_coming_weeks_planned(demo):
    now = timezone.now()
    past = Counter(Intervention.objects.filter(end__lte=now).values_list("status", flat=True))
    assert past[Status.DONE] > 0.8 * sum(past.values())
    assert past[Status.MISSED] >= 3 and past[Status.CANCELLED] >= 3
    assert past[Status.PLANNED] == 0
    done = Intervention.objects.filter(status=Status.DONE)
    assert not done.filter(actual_start__isnull=True).exists()
    for visit in done[:50]:
        assert abs(visit.actual_start - visit.start) <= timedelta(minutes=10)
    first = Intervention.objects.order_by("start").first().start
    assert now - first > timedelta(weeks=3)
    future = Intervention.objects.filter(start__gt=now)
    assert future.filter(status=Status.PLANNED).count() > 0.9 * future.count()
    last = timezone.localtime(future.order_by("-start").first().start).date()
    assert planning_horizon() - last < timedelta(days=7)


def test_the_views_have_conflicts_and_a_closure_to_show(demo):
    visits = list(Intervention.objects.filter(start__gte=timezone.now()))
    conflicts = interventions_conflicts(visits)
    codes = Counter(conflict.code for found in conflicts.values() for conflict in found)
    assert codes["double_booking"] == 2  # the two visits booked over each other
    assert codes["absence"] >= 1
    assert codes["site_closure"] >= 1
    assert codes["unavailable"] == 0  # the schedules fit their employees' hours
    assert SiteClosure.objects.count() == 1


def test_a_couple_of_customers_asked_for_visit_reminders(demo):
    opted = Customer.objects.filter(visit_reminders=True)
    assert opted.count() == 2
    assert not opted.filter(email="").exists()
    assert Intervention.objects.filter(site__customer__in=opted, start__gte=timezone.now())
