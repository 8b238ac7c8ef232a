"""The planning bench's data generator (bench/planning_data.py) on a small size, and the
generator's bulk path (schedules_extend: COPY on PostgreSQL) against schedule_extend."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bench import planning_data
from creneau.customers.tests.factories import SiteFactory
from creneau.planning.generation import schedule_extend, schedules_extend
from creneau.planning.models import Employee, Intervention, Schedule

pytestmark = pytest.mark.django_db


def test_bench_generator_makes_schedules_and_their_visits():
    SiteFactory.create_batch(2)
    planning_data.planning_generate(employees=2, schedules=3)
    today = timezone.localdate()
    planning_data.planning_reset(today, weeks=3)
    assert Employee.objects.count() == 2
    schedules = list(Schedule.objects.all())
    assert len(schedules) == 3
    assert all(schedule.start_date == today for schedule in schedules)
    # What the bulk path saves is what schedule_extend gives, schedule by schedule.
    expected = {
        (visit.schedule_id, visit.occurrence_date, visit.start, visit.end, visit.employee_id)
        for schedule in schedules
        for visit in schedule_extend(schedule, until=today + timedelta(weeks=3), closures=[])
        if not visit.site.closures.filter(
            start_date__lte=visit.occurrence_date, end_date__gte=visit.occurrence_date
        ).exists()
    }
    assert schedules_extend(until=today + timedelta(weeks=3)) == len(expected) > 0
    saved = Intervention.objects.values_list(
        "schedule_id", "occurrence_date", "start", "end", "employee_id"
    )
    assert set(saved) == expected
    assert set(Intervention.objects.values_list("status", "user_owned", "sequence")) == {
        (Intervention.Status.PLANNED, False, 0)
    }
    assert schedules_extend(until=today + timedelta(weeks=3)) == 0
    # Again in the same transaction (PostgreSQL reuses its temporary table): counted right.
    more = schedules_extend(until=today + timedelta(weeks=6))
    assert Intervention.objects.count() == len(expected) + more
    monday = today + timedelta(days=7 - today.weekday())
    before, after = planning_data.week_thin(monday, 1)
    assert after == min(before, 1)
