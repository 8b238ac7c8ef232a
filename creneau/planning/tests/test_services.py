"""The planning's services: a schedule's edits reach only its future untouched visits, the
status changes that make sense, incompatible sites, moves across the clock change, and
the French messages of bad input. "Now" is set by freeze_now."""

from __future__ import annotations

from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from creneau.core.models import AuditEvent
from creneau.customers.tests.factories import SiteFactory
from creneau.planning.generation import schedules_extend
from creneau.planning.models import Intervention, Schedule
from creneau.planning.services import (
    intervention_create,
    intervention_move,
    intervention_update,
    schedule_create,
    schedule_end,
    schedule_update,
)
from creneau.planning.tests.clock import freeze_now, paris
from creneau.planning.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

Status = Intervention.Status
MONDAY_THURSDAY = "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH"
FIELDS = ["start", "end", "employee_id", "service_id", "status", "sequence", "user_owned"]


def state(visit: Intervention) -> tuple:
    return tuple(getattr(visit, name) for name in FIELDS)


def states(visits) -> dict[int, tuple]:
    return {visit.pk: state(visit) for visit in visits}


def local_time(moment) -> time:
    return timezone.localtime(moment).time()


@pytest.fixture
def planning(settings, monkeypatch):
    """A Monday-and-Thursday 08:30 schedule made on Monday 2027-04-05 for 8 weeks (to May
    31st). It is now Wednesday 2027-04-14 noon: the visits of the 5th, 8th and 12th are
    past. The user marked the 15th done, moved the 19th to the 20th, gave the 22nd to
    Bruno and cancelled the 26th: those four are the user's. From the 29th on, untouched."""
    settings.PLANNING_HORIZON_WEEKS = 8
    freeze_now(monkeypatch, "2027-04-05 07:00")
    alice, bruno = EmployeeFactory(first_name="Alice"), EmployeeFactory(first_name="Bruno")
    schedule = schedule_create(
        site=SiteFactory(),
        by=None,
        rrule=MONDAY_THURSDAY,
        start_date=date(2027, 4, 5),
        start_time=time(8, 30),
        duration_minutes=120,
        employee=alice,
        skip_public_holidays=False,
    )
    now = freeze_now(monkeypatch, "2027-04-14 12:00")

    def visit(day: int) -> Intervention:
        return schedule.interventions.get(occurrence_date=date(2027, 4, day))

    intervention_update(intervention=visit(15), by=None, status=Status.DONE)
    intervention_move(intervention=visit(19), by=None, day=date(2027, 4, 20), employee=alice)
    intervention_update(intervention=visit(22), by=None, employee=bruno)
    intervention_update(intervention=visit(26), by=None, status=Status.CANCELLED)
    visits = schedule.interventions.all()
    return SimpleNamespace(
        schedule=schedule,
        alice=alice,
        bruno=bruno,
        now=now,
        past=states(visits.filter(occurrence_date__lt=date(2027, 4, 14))),
        owned=states(visits.filter(user_owned=True)),
        untouched=list(visits.filter(user_owned=False, occurrence_date__gt=date(2027, 4, 14))),
    )


def refreshed(visits: list[Intervention]) -> list[Intervention]:
    return list(Intervention.objects.filter(pk__in=[visit.pk for visit in visits]))


def assert_past_and_owned_kept(planning) -> None:
    visits = planning.schedule.interventions.all()
    assert states(visits.filter(pk__in=planning.past)) == planning.past
    assert states(visits.filter(pk__in=planning.owned)) == planning.owned


def test_the_fixture_is_what_it_says(planning):
    assert len(planning.past) == 3
    assert len(planning.owned) == 4
    assert len(planning.untouched) == 10  # April 29th to May 31st
    assert {state[4] for state in planning.owned.values()} == {Status.DONE, Status.PLANNED} | {
        Status.CANCELLED
    }


def test_changing_the_time_and_employee_moves_only_future_untouched_visits(planning):
    untouched_ids = {visit.pk for visit in planning.untouched}
    schedule_update(
        schedule=planning.schedule,
        by=None,
        start_time=time(9, 0),
        duration_minutes=90,
        employee=planning.bruno,
    )
    assert_past_and_owned_kept(planning)
    future = planning.schedule.interventions.filter(user_owned=False, start__gte=planning.now)
    assert untouched_ids <= set(future.values_list("pk", flat=True))  # same rows, changed
    assert future.count() == 12  # and the horizon moved on: June 3rd and 7th
    for visit in future:
        assert (local_time(visit.start), local_time(visit.end)) == (time(9, 0), time(10, 30))
        assert (visit.employee, visit.status) == (planning.bruno, Status.PLANNED)
        assert visit.sequence == (1 if visit.pk in untouched_ids else 0)


def test_changing_the_days_cancels_the_old_days_and_makes_the_new_ones(planning):
    schedule_update(schedule=planning.schedule, by=None, rrule="FREQ=WEEKLY;BYDAY=TU")
    assert planning.schedule.rrule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU"
    assert_past_and_owned_kept(planning)
    for visit in planning.untouched:
        visit.refresh_from_db()
        assert (visit.status, visit.user_owned, visit.sequence) == (Status.CANCELLED, False, 1)
    tuesdays = planning.schedule.interventions.filter(occurrence_date__week_day=3)
    assert [visit.occurrence_date for visit in tuesdays][:3] == [
        date(2027, 4, 20),
        date(2027, 4, 27),
        date(2027, 5, 4),
    ]
    assert all(visit.status == Status.PLANNED for visit in tuesdays)


def test_shortening_cancels_future_untouched_visits_and_lengthening_brings_them_back(planning):
    schedule = planning.schedule
    schedule_update(schedule=schedule, by=None, end_date=date(2027, 5, 10))
    assert_past_and_owned_kept(planning)
    untouched = {visit.occurrence_date: visit for visit in refreshed(planning.untouched)}
    for day, visit in untouched.items():
        assert visit.status == (Status.PLANNED if day <= date(2027, 5, 10) else Status.CANCELLED)
    cancelled_ids = {visit.pk for visit in untouched.values() if visit.status == Status.CANCELLED}
    assert len(cancelled_ids) == 6
    assert schedules_extend(until=date(2027, 8, 31)) == 0  # an ended schedule grows no more

    schedule_update(schedule=schedule, by=None, end_date=None)
    assert_past_and_owned_kept(planning)
    revived = schedule.interventions.filter(pk__in=cancelled_ids)
    assert {(visit.status, visit.sequence) for visit in revived} == {(Status.PLANNED, 2)}
    assert schedules_extend(until=date(2027, 8, 31)) > 0
    assert not schedule.interventions.filter(
        user_owned=False, status=Status.CANCELLED, start__gte=planning.now
    ).exists()


def test_ending_a_schedule_cancels_its_future_untouched_visits_and_keeps_the_rest(planning):
    schedule_end(schedule=planning.schedule, by=None)
    assert planning.schedule.end_date == date(2027, 4, 14)
    assert_past_and_owned_kept(planning)
    assert {visit.status for visit in refreshed(planning.untouched)} == {Status.CANCELLED}
    event = AuditEvent.objects.filter(object_type="schedule").latest("pk")
    assert event.customer_id == planning.schedule.site.customer_id
    assert event.changes["end_date"][1] == "2027-04-14"


def test_ending_a_schedule_that_has_not_started_leaves_no_visit_planned(settings, monkeypatch):
    freeze_now(monkeypatch, "2027-04-14 12:00")
    schedule = schedule_create(
        site=SiteFactory(),
        by=None,
        rrule=MONDAY_THURSDAY,
        start_date=date(2027, 5, 3),
        start_time=time(8, 30),
        duration_minutes=60,
    )
    assert schedule.interventions.exists()
    schedule_end(schedule=schedule, by=None)
    assert not schedule.interventions.filter(status=Status.PLANNED).exists()
    assert schedules_extend(until=date(2027, 12, 31)) == 0


def test_a_noted_visit_still_follows_its_schedule(planning):
    [visit] = [visit for visit in planning.untouched if visit.occurrence_date == date(2027, 5, 3)]
    intervention_update(intervention=visit, by=None, notes="Sonner deux fois")
    visit.refresh_from_db()
    assert not visit.user_owned and visit.sequence == 1
    schedule_update(schedule=planning.schedule, by=None, start_time=time(14, 0))
    visit.refresh_from_db()
    assert local_time(visit.start) == time(14, 0) and visit.notes == "Sonner deux fois"


def test_an_edit_that_changes_nothing_touches_nothing(planning):
    before = states(planning.schedule.interventions.all())
    schedule_update(schedule=planning.schedule, by=None, start_time=time(8, 30))
    assert states(planning.schedule.interventions.all()) == before


# Status changes ---------------------------------------------------------------------------


@pytest.fixture
def visit(monkeypatch):
    freeze_now(monkeypatch, "2027-04-14 12:00")
    return intervention_create(
        site=SiteFactory(),
        by=None,
        start=paris("2027-04-16 09:00"),
        end=paris("2027-04-16 11:30"),
    )


def test_a_cancelled_visit_is_reopened_before_it_is_marked_done(visit):
    intervention_update(intervention=visit, by=None, status=Status.CANCELLED)
    with pytest.raises(ValidationError) as error:
        intervention_update(intervention=visit, by=None, status=Status.DONE)
    assert error.value.message_dict == {
        "status": [
            "Une intervention « Annulée » ne peut passer à « Réalisée » : "
            "rouvrez-la d'abord (statut « Planifiée »)."
        ]
    }
    visit.refresh_from_db()
    assert (visit.status, visit.actual_start) == (Status.CANCELLED, None)

    intervention_update(intervention=visit, by=None, status=Status.PLANNED)
    intervention_update(intervention=visit, by=None, status=Status.DONE)
    visit.refresh_from_db()
    assert visit.status == Status.DONE
    assert (visit.actual_start, visit.actual_end) == (visit.start, visit.end)
    assert visit.hours == 2.5


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (Status.MISSED, Status.DONE),
        (Status.DONE, Status.CANCELLED),
        (Status.DONE, Status.MISSED),
        (Status.CANCELLED, Status.MISSED),
    ],
)
def test_status_changes_that_make_no_sense_are_refused(visit, first, then):
    intervention_update(intervention=visit, by=None, status=first)
    with pytest.raises(ValidationError) as error:
        intervention_update(intervention=visit, by=None, status=then)
    assert "rouvrez-la d'abord" in error.value.message_dict["status"][0]
    visit.refresh_from_db()
    assert visit.status == first


def test_done_keeps_the_real_times_given_and_reopening_clears_them(visit):
    intervention_update(
        intervention=visit,
        by=None,
        status=Status.DONE,
        actual_start=paris("2027-04-16 09:10"),
        actual_end=paris("2027-04-16 10:40"),
    )
    visit.refresh_from_db()
    assert visit.actual_start == paris("2027-04-16 09:10") and visit.hours == 1.5
    intervention_update(intervention=visit, by=None, status=Status.PLANNED)
    visit.refresh_from_db()
    assert (visit.actual_start, visit.actual_end) == (None, None)


def test_real_end_before_real_start_is_refused(visit):
    with pytest.raises(ValidationError) as error:
        intervention_update(
            intervention=visit,
            by=None,
            status=Status.DONE,
            actual_start=paris("2027-04-16 11:00"),
            actual_end=paris("2027-04-16 10:00"),
        )
    assert "La fin réelle doit suivre le début réel." in error.value.messages
    visit.refresh_from_db()
    assert visit.status == Status.PLANNED


# Incompatible sites ------------------------------------------------------------------------

NOT_THERE = r"ne doit pas être envoyé\(e\) sur le site"


@pytest.fixture
def barred(monkeypatch):
    """Bernard must never go to `site`."""
    freeze_now(monkeypatch, "2027-04-14 12:00")
    site = SiteFactory(name="Résidence des Lilas")
    bernard = EmployeeFactory(first_name="Bernard", last_name="Martin")
    bernard.incompatible_sites.add(site)
    return SimpleNamespace(site=site, bernard=bernard)


def test_an_employee_is_never_scheduled_on_an_incompatible_site(barred):
    with pytest.raises(ValidationError) as error:
        schedule_create(
            site=barred.site,
            by=None,
            rrule=MONDAY_THURSDAY,
            start_date=date(2027, 4, 19),
            start_time=time(8, 30),
            duration_minutes=60,
            employee=barred.bernard,
        )
    assert error.value.message_dict == {
        "employee": [
            "Bernard Martin ne doit pas être envoyé(e) sur le site « Résidence des Lilas »."
        ]
    }
    assert not Schedule.objects.exists() and not Intervention.objects.exists()

    schedule = schedule_create(
        site=barred.site,
        by=None,
        rrule=MONDAY_THURSDAY,
        start_date=date(2027, 4, 19),
        start_time=time(8, 30),
        duration_minutes=60,
    )
    with pytest.raises(ValidationError, match=NOT_THERE):
        schedule_update(schedule=schedule, by=None, employee=barred.bernard)
    schedule.refresh_from_db()
    assert schedule.employee is None
    assert not Intervention.objects.filter(employee=barred.bernard).exists()


def test_a_visit_is_never_given_or_moved_to_an_incompatible_employee(barred):
    with pytest.raises(ValidationError, match=NOT_THERE):
        intervention_create(
            site=barred.site,
            by=None,
            employee=barred.bernard,
            start=paris("2027-04-16 09:00"),
            end=paris("2027-04-16 10:00"),
        )
    visit = intervention_create(
        site=barred.site, by=None, start=paris("2027-04-16 09:00"), end=paris("2027-04-16 10:00")
    )
    with pytest.raises(ValidationError, match=NOT_THERE):
        intervention_move(
            intervention=visit, by=None, day=date(2027, 4, 19), employee=barred.bernard
        )
    with pytest.raises(ValidationError, match=NOT_THERE):
        intervention_update(intervention=visit, by=None, employee=barred.bernard)
    visit.refresh_from_db()
    assert (visit.employee, visit.start, visit.sequence) == (None, paris("2027-04-16 09:00"), 0)


# Moves -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "day", "utc_hour"),
    [
        ("2027-03-26 08:30", date(2027, 3, 30), 6),  # winter to summer time
        ("2027-10-29 08:30", date(2027, 11, 2), 7),  # summer to winter time
    ],
)
def test_a_move_keeps_the_local_time_across_a_clock_change(monkeypatch, start, day, utc_hour):
    freeze_now(monkeypatch, "2027-03-01 12:00")
    employee = EmployeeFactory()
    visit = intervention_create(
        site=SiteFactory(), by=None, start=paris(start), end=paris(start) + timedelta(minutes=90)
    )
    moved = intervention_move(intervention=visit, by=None, day=day, employee=employee)
    moved.refresh_from_db()
    assert timezone.localtime(moved.start).date() == day
    assert local_time(moved.start) == time(8, 30) and local_time(moved.end) == time(10, 0)
    assert moved.start.astimezone(timezone.get_fixed_timezone(0)).hour == utc_hour
    assert (moved.employee, moved.user_owned, moved.sequence) == (employee, True, 1)


def test_a_moved_occurrence_keeps_its_occurrence_date(planning):
    moved = planning.schedule.interventions.get(occurrence_date=date(2027, 4, 19))
    assert timezone.localtime(moved.start).date() == date(2027, 4, 20)
    schedules_extend(until=date(2027, 7, 31))
    assert planning.schedule.interventions.filter(occurrence_date=date(2027, 4, 19)).count() == 1


# Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"duration_minutes": 0}, "duration_minutes", "supérieure ou égale à 1"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes", "inférieure ou égale à 1440"),
        ({"end_date": date(2027, 4, 1)}, "end_date", "La dernière date ne peut précéder"),
        ({"rrule": "FREQ=DAILY"}, "rrule", "Fréquence non proposée"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=3"}, "rrule", "non proposé : COUNT"),
    ],
)
def test_bad_schedules_are_refused_at_their_field_and_save_nothing(
    monkeypatch, fields, field, message
):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    values = {
        "rrule": MONDAY_THURSDAY,
        "start_date": date(2027, 4, 5),
        "start_time": time(8, 30),
        "duration_minutes": 60,
        **fields,
    }
    with pytest.raises(ValidationError) as error:
        schedule_create(site=SiteFactory(), by=None, **values)
    assert message in " ".join(error.value.message_dict[field])
    assert not Schedule.objects.exists() and not Intervention.objects.exists()


def test_a_visit_ending_before_it_starts_is_refused(monkeypatch):
    freeze_now(monkeypatch, "2027-04-01 12:00")
    with pytest.raises(ValidationError) as error:
        intervention_create(
            site=SiteFactory(),
            by=None,
            start=paris("2027-04-16 11:00"),
            end=paris("2027-04-16 09:00"),
        )
    assert "La fin doit suivre le début." in error.value.messages
    assert not Intervention.objects.exists()


def test_changes_are_recorded_in_the_customers_history(planning):
    customer = planning.schedule.site.customer
    visit = planning.untouched[0]
    intervention_update(intervention=visit, by=None, status=Status.MISSED)
    kinds = set(
        AuditEvent.objects.filter(customer_id=customer.pk).values_list("object_type", "action")
    )
    assert ("schedule", AuditEvent.Action.CREATE) in kinds
    assert ("intervention", AuditEvent.Action.UPDATE) in kinds


def test_an_edit_makes_no_visit_that_would_already_be_past(planning):
    # It is Wednesday noon: adding Wednesdays at 08:30 starts next Wednesday, not this
    # morning; at 14:00 it starts today.
    schedule_update(schedule=planning.schedule, by=None, rrule="FREQ=WEEKLY;BYDAY=MO,WE,TH")
    wednesdays = planning.schedule.interventions.filter(occurrence_date__week_day=4)
    assert wednesdays.first().occurrence_date == date(2027, 4, 21)
    schedule_update(schedule=planning.schedule, by=None, start_time=time(14, 0))
    assert wednesdays.first().occurrence_date == date(2027, 4, 14)
