"""Property tests of the generator (hypothesis): for random rules, first and last dates,
closures, user changes and schedule edits, with time passing between them:

- no occurrence twice (per schedule and date);
- the future untouched visits are exactly the dates the rule gives between the first and
  last dates, minus the skipped public holidays and closures, at the schedule's local
  time and with its employee (an independent reading of the rule decides the dates);
- a regeneration never changes a visit the user owns, nor a past one, and never makes a
  visit that starts in the past.

Each example runs in a savepoint that is rolled back, so examples never see each other.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import holidays
import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from creneau.customers.tests.factories import SiteFactory
from creneau.planning.generation import schedules_extend
from creneau.planning.models import Intervention
from creneau.planning.recurrence import Recurrence
from creneau.planning.services import (
    intervention_move,
    intervention_update,
    schedule_create,
    schedule_update,
    site_closure_add,
)
from creneau.planning.tests.clock import freeze_now
from creneau.planning.tests.factories import EmployeeFactory

Status = Intervention.Status
FIRST_DAY = date(2027, 1, 4)

weekly = st.builds(
    lambda days, interval: Recurrence(kind="weekly", interval=interval, weekdays=tuple(days)),
    st.sets(st.integers(0, 6), min_size=1).map(sorted),
    st.integers(1, 4),
)
monthly_day = st.builds(
    lambda day, interval: Recurrence(kind="monthly_day", interval=interval, month_day=day),
    st.integers(1, 31),
    st.integers(1, 3),
)
monthly_weekday = st.builds(
    lambda nth, weekday, interval: Recurrence(
        kind="monthly_weekday", interval=interval, nth=nth, weekday=weekday
    ),
    st.sampled_from([1, 2, 3, 4, 5, -1]),
    st.integers(0, 6),
    st.integers(1, 3),
)
# Weekly rules twice as often: they make more visits per horizon, so more to check.
rules = st.one_of(weekly, weekly, monthly_day, monthly_weekday)
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
closures = st.tuples(st.integers(-10, 120), st.integers(0, 20))  # (offset, length in days)
user_actions = st.lists(
    st.tuples(
        st.integers(0, 200),  # which visit (modulo their number)
        st.sampled_from(["move", "cancel", "done", "reassign", "note"]),
        st.integers(-3, 3),  # a move's days
    ),
    max_size=4,
)
edits = st.one_of(
    st.tuples(st.just("time"), times),
    st.tuples(st.just("rule"), rules),
    st.tuples(st.just("end_date"), st.none() | st.integers(-10, 60)),
    st.tuples(st.just("employee"), st.sampled_from([0, 1, None])),
    st.tuples(st.just("rule"), rules),
    st.tuples(st.just("end_date"), st.none() | st.integers(-10, 150)),
    st.tuples(st.just("closure"), closures),
    st.tuples(st.just("extend"), st.integers(0, 120)),
)
steps = st.lists(
    st.tuples(st.integers(0, 10), st.integers(0, 23), edits, user_actions), min_size=1, max_size=5
)


# An independent reading of the rules: day by day, no dateutil ---------------------------


def months_between(first: date, second: date) -> int:
    return (second.year - first.year) * 12 + second.month - first.month


def rule_gives(rule: Recurrence, anchor: date, day: date) -> bool:
    if day < anchor:
        return False
    if rule.kind == "weekly":
        anchor_week = anchor - timedelta(days=anchor.weekday())
        weeks = (day - timedelta(days=day.weekday()) - anchor_week).days // 7
        return day.weekday() in rule.weekdays and weeks % rule.interval == 0
    if months_between(anchor, day) % rule.interval:
        return False
    if rule.kind == "monthly_day":
        return day.day == rule.month_day
    if day.weekday() != rule.weekday:
        return False
    if rule.nth == -1:
        return (day + timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 + 1 == rule.nth


def wanted_dates(case, first: date, last: date) -> set[date]:
    schedule = case.schedule
    closed = list(schedule.site.closures.values_list("start_date", "end_date"))
    wanted = set()
    day = max(first, schedule.start_date)
    if schedule.end_date is not None:
        last = min(last, schedule.end_date)
    while day <= last:
        if (
            rule_gives(case.rule, schedule.start_date, day)
            and not (schedule.skip_public_holidays and day in holidays.France(years=day.year))
            and not (schedule.skip_site_closures and any(a <= day <= b for a, b in closed))
        ):
            wanted.add(day)
        day += timedelta(days=1)
    return wanted


# The properties --------------------------------------------------------------------------

STATE = ["occurrence_date", "start", "end", "employee_id", "status", "sequence", "notes"]


def states(visits) -> dict[int, tuple]:
    return {visit.pk: tuple(getattr(visit, name) for name in STATE) for visit in visits}


def check_in_line(case) -> None:
    schedule = case.schedule
    schedule.refresh_from_db()
    visits = list(schedule.interventions.all())
    days = [visit.occurrence_date for visit in visits]
    assert len(days) == len(set(days)), "an occurrence twice"

    today = timezone.localdate()
    # Days after today: today's visits may be past already, and past ones stay as they were.
    wanted = wanted_dates(case, today + timedelta(days=1), schedule.generated_until)
    untouched = {
        visit.occurrence_date: visit
        for visit in visits
        if not visit.user_owned and visit.occurrence_date > today
    }
    owned = {visit.occurrence_date for visit in visits if visit.user_owned}
    planned = {day for day, visit in untouched.items() if visit.status == Status.PLANNED}
    assert planned == wanted - owned, "future untouched visits out of line with the rule"
    for day in planned:
        visit = untouched[day]
        start = datetime.combine(day, schedule.start_time, tzinfo=timezone.get_current_timezone())
        assert (visit.start, visit.end) == (start, start + schedule.duration)
        assert visit.employee_id == schedule.employee_id
    assert not [v for v in untouched.values() if v.status not in (Status.PLANNED, Status.CANCELLED)]


def regenerate(case, change) -> None:
    """Run one regeneration and check that it left the user's and the past visits alone
    and made nothing in the past."""
    now = timezone.now()
    before = states(case.schedule.interventions.all())
    kept = {pk for pk, state in before.items() if state[1] < now} | set(case.owned)
    change()
    after = states(case.schedule.interventions.all())
    assert {pk: after[pk] for pk in kept} == {pk: before[pk] for pk in kept}
    assert {pk: after[pk] for pk in case.owned} == case.owned, "a user-owned visit changed"
    new = [state for pk, state in after.items() if pk not in before]
    assert all(state[1] >= now for state in new) or change.__name__ == "extend"
    check_in_line(case)


def act(case, actions) -> None:
    """What a user does to some visits: each becomes the user's (a note alone does not)."""
    visits = list(case.schedule.interventions.order_by("occurrence_date"))
    for index, action, days in actions:
        if not visits:
            return
        visit = visits[index % len(visits)]
        visit.refresh_from_db()
        if action == "move":
            day = timezone.localtime(visit.start).date() + timedelta(days=days or 1)
            intervention_move(intervention=visit, by=None, day=day, employee=visit.employee)
        elif action == "reassign":
            other = case.employees[0] if visit.employee != case.employees[0] else None
            intervention_update(intervention=visit, by=None, employee=other)
        elif action == "note":
            intervention_update(intervention=visit, by=None, notes=f"note {index}")
        elif visit.status != Status.PLANNED:
            intervention_update(intervention=visit, by=None, status=Status.PLANNED)
        else:
            status = Status.DONE if action == "done" else Status.CANCELLED
            intervention_update(intervention=visit, by=None, status=status)
    case.owned = states(case.schedule.interventions.filter(user_owned=True))


def edit(case, change) -> None:
    kind, value = change
    schedule = case.schedule
    if kind == "extend":

        def extend():
            schedules_extend(until=timezone.localdate() + timedelta(days=value))

        return regenerate(case, extend)
    if kind == "closure":
        offset, length = value
        first = timezone.localdate() + timedelta(days=offset)

        def close():
            site_closure_add(
                site=schedule.site,
                by=None,
                start_date=first,
                end_date=first + timedelta(days=length),
            )

        return regenerate(case, close)
    if kind == "rule":
        case.rule = value
        fields = {"rrule": value.to_rrule()}
    elif kind == "time":
        fields = {"start_time": value}
    elif kind == "employee":
        fields = {"employee": None if value is None else case.employees[value]}
    else:
        end_date = None if value is None else timezone.localdate() + timedelta(days=value)
        fields = {"end_date": None if end_date is None else max(end_date, schedule.start_date)}

    def update():
        schedule_update(schedule=schedule, by=None, **fields)

    regenerate(case, update)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rule=rules,
    start=st.integers(0, 400),
    length=st.none() | st.integers(0, 150),
    created=st.tuples(st.integers(-20, 20), st.integers(0, 23)),
    horizon=st.integers(3, 10),
    skip_holidays=st.booleans(),
    skip_closures=st.booleans(),
    early_closures=st.lists(closures, max_size=2),
    first_actions=user_actions,
    steps=steps,
)
def test_regenerations_keep_the_planning_in_line(
    settings,
    monkeypatch,
    rule,
    start,
    length,
    created,
    horizon,
    skip_holidays,
    skip_closures,
    early_closures,
    first_actions,
    steps,
):
    settings.PLANNING_HORIZON_WEEKS = horizon
    start_date = FIRST_DAY + timedelta(days=start)
    now = datetime.combine(start_date + timedelta(days=created[0]), time(created[1]))
    freeze_now(monkeypatch, now.isoformat(sep=" "))
    with transaction.atomic():
        site = SiteFactory()
        for offset, days in early_closures:
            first = start_date + timedelta(days=offset)
            site.closures.create(start_date=first, end_date=first + timedelta(days=days))
        case = SimpleNamespace(rule=rule, employees=[EmployeeFactory(), EmployeeFactory()])
        case.schedule = schedule_create(
            site=site,
            by=None,
            rrule=rule.to_rrule(),
            start_date=start_date,
            end_date=None if length is None else start_date + timedelta(days=length),
            start_time=time(8, 30),
            duration_minutes=90,
            employee=case.employees[1],
            skip_public_holidays=skip_holidays,
            skip_site_closures=skip_closures,
        )
        case.owned = {}
        check_in_line(case)
        act(case, first_actions)
        for days, hour, change, actions in steps:
            now += timedelta(days=days, hours=hour)
            freeze_now(monkeypatch, now.isoformat(sep=" "))
            edit(case, change)
            act(case, actions)
        transaction.set_rollback(True)
