"""The generator: visits made up to the horizon, public holidays and site closures skipped,
nothing made twice (the unique constraint included), extend_planning, and the clock
changes. "Now" is set by freeze_now: nothing here depends on the day the tests run."""

from __future__ import annotations

import io
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from creneau.customers.tests.factories import SiteFactory
from creneau.planning.generation import planning_horizon, schedules_extend
from creneau.planning.models import Intervention
from creneau.planning.services import schedule_create, site_closure_add, site_closure_delete
from creneau.planning.tests.clock import freeze_now
from creneau.planning.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

MONDAY_THURSDAY = "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH"


def new_schedule(**fields):
    fields = {
        "rrule": MONDAY_THURSDAY,
        "start_date": date(2027, 4, 5),
        "start_time": time(8, 30),
        "duration_minutes": 120,
        **fields,
    }
    site = fields.pop("site", None) or SiteFactory()
    return schedule_create(site=site, by=None, **fields)


def occurrence_dates(schedule, **filters) -> list[date]:
    visits = schedule.interventions.filter(**filters).order_by("occurrence_date")
    return list(visits.values_list("occurrence_date", flat=True))


def local(moment):
    return timezone.localtime(moment)


def test_schedule_create_makes_the_visits_up_to_the_horizon(settings, monkeypatch):
    settings.PLANNING_HORIZON_WEEKS = 4
    freeze_now(monkeypatch, "2027-04-05 07:00")  # a Monday
    employee = EmployeeFactory()
    schedule = new_schedule(employee=employee)

    horizon = date(2027, 5, 3)
    assert planning_horizon() == horizon
    assert schedule.generated_until == horizon
    schedule.refresh_from_db()
    assert schedule.generated_until == horizon
    assert occurrence_dates(schedule) == [
        date(2027, 4, 5), date(2027, 4, 8), date(2027, 4, 12), date(2027, 4, 15),
        date(2027, 4, 19), date(2027, 4, 22), date(2027, 4, 26), date(2027, 4, 29),
        date(2027, 5, 3),
    ]  # fmt: skip
    for visit in schedule.interventions.all():
        assert local(visit.start).date() == visit.occurrence_date
        assert local(visit.start).time() == time(8, 30)
        assert visit.end - visit.start == timedelta(minutes=120)
        assert (visit.employee, visit.site, visit.status) == (
            employee,
            schedule.site,
            Intervention.Status.PLANNED,
        )
        assert not visit.user_owned


def test_first_and_last_dates_bound_the_visits(settings, monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 07:00")
    schedule = new_schedule(start_date=date(2027, 4, 8), end_date=date(2027, 4, 22))
    assert occurrence_dates(schedule) == [
        date(2027, 4, 8), date(2027, 4, 12), date(2027, 4, 15), date(2027, 4, 19),
        date(2027, 4, 22),
    ]  # fmt: skip
    # An ended schedule is never extended again.
    assert schedules_extend(until=date(2027, 12, 31)) == 0


def test_a_schedule_starting_after_the_horizon_is_made_when_the_horizon_reaches_it(
    settings, monkeypatch
):
    settings.PLANNING_HORIZON_WEEKS = 2
    freeze_now(monkeypatch, "2027-04-01 07:00")
    schedule = new_schedule(start_date=date(2027, 6, 7))
    assert occurrence_dates(schedule) == []
    freeze_now(monkeypatch, "2027-05-27 02:00")
    assert schedules_extend() == 2
    assert occurrence_dates(schedule) == [date(2027, 6, 7), date(2027, 6, 10)]


HOLIDAYS_ON_MONDAY_OR_SATURDAY = [
    date(2027, 3, 29),  # Easter Monday
    date(2027, 5, 1),  # Labour Day, a Saturday
    date(2027, 5, 8),  # Victory in Europe Day, a Saturday
    date(2027, 5, 17),  # Whit Monday
]


def test_public_holidays_are_skipped(settings, monkeypatch):
    settings.PLANNING_HORIZON_WEEKS = 12
    freeze_now(monkeypatch, "2027-03-20 10:00")
    schedule = new_schedule(
        rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,SA", start_date=date(2027, 3, 22)
    )
    days = occurrence_dates(schedule)
    assert days[:3] == [date(2027, 3, 22), date(2027, 3, 27), date(2027, 4, 3)]
    for holiday in HOLIDAYS_ON_MONDAY_OR_SATURDAY:
        assert holiday not in days
    assert date(2027, 5, 3) in days and date(2027, 5, 15) in days

    kept = new_schedule(
        rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,SA",
        start_date=date(2027, 3, 22),
        skip_public_holidays=False,
    )
    assert set(HOLIDAYS_ON_MONDAY_OR_SATURDAY) <= set(occurrence_dates(kept))
    assert len(occurrence_dates(kept)) == len(days) + 4


def test_site_closures_are_skipped(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 10:00")
    site = SiteFactory()
    site_closure_add(
        site=site,
        by=None,
        start_date=date(2027, 4, 10),
        end_date=date(2027, 4, 20),
        reason="Travaux",
    )
    schedule = new_schedule(site=site)
    days = occurrence_dates(schedule)
    assert days[:3] == [date(2027, 4, 5), date(2027, 4, 8), date(2027, 4, 22)]

    ignoring = new_schedule(site=site, skip_site_closures=False)
    assert occurrence_dates(ignoring)[:5] == [
        date(2027, 4, 5), date(2027, 4, 8), date(2027, 4, 12), date(2027, 4, 15),
        date(2027, 4, 19),
    ]  # fmt: skip
    # Extending later skips the closures too.
    site_closure_add(site=site, by=None, start_date=date(2027, 9, 1), end_date=date(2027, 9, 30))
    schedules_extend(until=date(2027, 10, 10))
    assert not [day for day in occurrence_dates(schedule) if day.month == 9]
    assert [day for day in occurrence_dates(ignoring) if day.month == 9]


def test_a_closure_added_later_cancels_untouched_visits_and_its_removal_brings_them_back(
    monkeypatch,
):
    from creneau.planning.services import intervention_update

    freeze_now(monkeypatch, "2027-04-01 10:00")
    schedule = new_schedule()
    kept = schedule.interventions.get(occurrence_date=date(2027, 4, 15))
    intervention_update(intervention=kept, by=None, notes="Clés chez la gardienne")
    owned = schedule.interventions.get(occurrence_date=date(2027, 4, 19))
    intervention_update(intervention=owned, by=None, employee=EmployeeFactory())

    closure = site_closure_add(
        site=schedule.site, by=None, start_date=date(2027, 4, 10), end_date=date(2027, 4, 20)
    )
    cancelled = occurrence_dates(schedule, status=Intervention.Status.CANCELLED)
    assert cancelled == [date(2027, 4, 12), date(2027, 4, 15)]
    owned.refresh_from_db()
    assert owned.status == Intervention.Status.PLANNED  # the user's: left alone

    site_closure_delete(closure=closure, by=None)
    assert occurrence_dates(schedule, status=Intervention.Status.CANCELLED) == []
    kept.refresh_from_db()
    assert kept.notes == "Clés chez la gardienne" and kept.sequence == 3  # note, cancel, back


def test_extending_twice_creates_nothing_twice(settings, monkeypatch):
    settings.PLANNING_HORIZON_WEEKS = 4
    freeze_now(monkeypatch, "2027-04-05 07:00")
    first, second = new_schedule(), new_schedule(rrule="FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15")
    before = Intervention.objects.count()
    assert schedules_extend() == 0  # schedule_create already went to the horizon

    made = schedules_extend(until=date(2027, 6, 30))
    assert made == Intervention.objects.count() - before > 0
    assert schedules_extend(until=date(2027, 6, 30)) == 0
    assert schedules_extend(until=date(2027, 5, 1)) == 0
    assert Intervention.objects.count() == before + made
    for schedule in (first, second):
        days = occurrence_dates(schedule)
        assert len(days) == len(set(days))
        assert days[-1] <= date(2027, 6, 30)
    assert occurrence_dates(second) == [date(2027, 4, 15), date(2027, 5, 15), date(2027, 6, 15)]

    # A schedule forgotten by a crashed run (generated_until behind its rows) catches up
    # without duplicates: the unique constraint makes the insert skip what exists.
    type(first).objects.filter(pk=first.pk).update(generated_until=date(2027, 4, 1))
    assert schedules_extend(until=date(2027, 6, 30)) == 0


def test_the_database_refuses_a_second_row_for_one_occurrence(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 10:00")
    schedule = new_schedule()
    visit = schedule.interventions.get(occurrence_date=date(2027, 4, 8))
    twin = Intervention(
        schedule=schedule,
        occurrence_date=visit.occurrence_date,
        site=visit.site,
        start=visit.start + timedelta(hours=3),
        end=visit.end + timedelta(hours=3),
    )
    with pytest.raises(ValidationError) as error:
        twin.validate_constraints()
    assert "Cette occurrence de la programmation existe déjà." in error.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # One-off visits (no schedule) are not occurrences: any number of them.
    for _ in range(2):
        Intervention.objects.create(site=visit.site, start=visit.start, end=visit.end)


def test_extend_planning_command(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 10:00")
    schedule = new_schedule()
    out = io.StringIO()
    call_command("extend_planning", until="2027-06-30", stdout=out)
    assert "jusqu'au 30/06/2027" in out.getvalue()
    days = occurrence_dates(schedule)
    assert days[-1] == date(2027, 6, 28)
    assert len(days) == len(set(days))
    count = len(days)

    out = io.StringIO()
    call_command("extend_planning", until="2027-06-30", stdout=out)
    assert out.getvalue().startswith("0 intervention(s) créée(s)")
    assert len(occurrence_dates(schedule)) == count


@pytest.mark.parametrize("until", ["2027-02-30", "30/06/2027", "demain", "2027-6-3x"])
def test_extend_planning_refuses_a_bad_date_in_french(until):
    with pytest.raises(CommandError, match=r"Date invalide : .* \(AAAA-MM-JJ\)"):
        call_command("extend_planning", until=until, stdout=io.StringIO())


def test_a_weekly_0830_visit_stays_at_0830_across_the_clock_changes(monkeypatch):
    """Europe/Paris goes to summer time on 2027-03-28 and back on 2027-10-31: the local
    time stays 08:30, the stored UTC time moves (07:30Z in winter, 06:30Z in summer)."""
    freeze_now(monkeypatch, "2027-03-01 07:00")
    schedule = new_schedule(
        rrule="FREQ=WEEKLY;INTERVAL=1;BYDAY=SU",
        start_date=date(2027, 3, 21),
        end_date=date(2027, 11, 7),
        skip_public_holidays=False,
    )
    schedules_extend(until=date(2027, 11, 30))
    visits = {visit.occurrence_date: visit for visit in schedule.interventions.all()}
    assert len(visits) == 34
    utc = timezone.get_fixed_timezone(0)
    for day, visit in visits.items():
        assert local(visit.start).time() == time(8, 30), day
        assert local(visit.end).time() == time(10, 30), day
        summer = date(2027, 3, 28) <= day < date(2027, 10, 31)
        assert visit.start.astimezone(utc).time() == (time(6, 30) if summer else time(7, 30))
    assert visits[date(2027, 3, 21)].start.astimezone(utc).hour == 7  # winter
    assert visits[date(2027, 3, 28)].start.astimezone(utc).hour == 6  # the day it changes
    assert visits[date(2027, 10, 24)].start.astimezone(utc).hour == 6
    assert visits[date(2027, 10, 31)].start.astimezone(utc).hour == 7  # back to winter
    # What the database holds is UTC, whatever the engine.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT start FROM planning_intervention WHERE id IN (%s, %s) ORDER BY start",
            [visits[date(2027, 3, 21)].pk, visits[date(2027, 3, 28)].pk],
        )
        stored = [str(row[0])[:19] for row in cursor.fetchall()]
    assert stored == ["2027-03-21 07:30:00", "2027-03-28 06:30:00"]
