"""The generator: a schedule's occurrences, made ahead over the rolling horizon.

Two operations:
- extend: make the occurrences from the day after `generated_until` up to the horizon.
  One row per (schedule, date), which a unique constraint enforces, so that running it
  twice, or two workers at once, creates nothing twice.
- sync: after the schedule changed, bring its future untouched occurrences in line. An
  occurrence the user moved, reassigned, cancelled or marked (user_owned) is never
  changed. An untouched one that the rule no longer gives is cancelled (not deleted: the
  employee's calendar learns of it); one that the rule gives again comes back planned.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from creneau.core.versions import VISITS, data_changed
from creneau.planning.models import Intervention, Schedule, SiteClosure
from creneau.planning.recurrence import rule_dates, skip_dates

# Rows per INSERT when generating: large enough to be fast, small enough for SQLite's
# limit on the number of variables in one statement.
BATCH_SIZE = 500
# Visits saved per transaction by schedules_extend: each transaction costs a commit, and
# on PostgreSQL a temporary table, so that fewer, larger ones are faster.
FLUSH_ROWS = 10_000
# What a generated visit takes from its schedule and date (attribute names); every other
# column takes the model's default (planned, not user-owned, sequence 0...).
VISIT_FIELDS = (
    "schedule_id", "occurrence_date", "site_id", "service_id", "employee_id", "start", "end"
)  # fmt: skip


def planning_horizon(today: date | None = None) -> date:
    """The last day the generator plans ahead to (PLANNING_HORIZON_WEEKS from today)."""
    today = today or timezone.localdate()
    return today + timedelta(weeks=settings.PLANNING_HORIZON_WEEKS)


def visit_times(schedule: Schedule, day: date, *, zone=None) -> tuple[datetime, datetime]:
    """Start and end of the schedule's visit on a day: the local (Europe/Paris) time of the
    schedule whatever the season, so a weekly 08:30 visit stays at 08:30 across the clock
    changes. `zone`: the current time zone, when the caller already has it."""
    zone = zone or timezone.get_current_timezone()
    start = datetime.combine(day, schedule.start_time, tzinfo=zone)
    return start, start + schedule.duration


def schedule_dates(
    schedule: Schedule, first: date, last: date, closures: list[tuple[date, date]] | None = None
) -> list[date]:
    """The dates the schedule gives between first and last (inclusive), after the skips."""
    first = max(first, schedule.start_date)
    if schedule.end_date is not None:
        last = min(last, schedule.end_date)
    days = rule_dates(schedule.rrule, first=first, last=last, anchor=schedule.start_date)
    if closures is None:
        closures = (
            list(
                SiteClosure.objects.filter(
                    site_id=schedule.site_id, end_date__gte=first, start_date__lte=last
                ).values_list("start_date", "end_date")
            )
            if schedule.skip_site_closures
            else []
        )
    return skip_dates(days, holidays_=schedule.skip_public_holidays, closures=closures)


def _new_visit(schedule: Schedule, day: date) -> Intervention:
    start, end = visit_times(schedule, day)
    return Intervention(
        schedule=schedule,
        occurrence_date=day,
        site_id=schedule.site_id,
        service_id=schedule.service_id,
        employee_id=schedule.employee_id,
        start=start,
        end=end,
    )


def _visit_rows(schedule: Schedule, days: list[date], zone) -> list[tuple]:
    """_new_visit's values in VISIT_FIELDS order, without building model instances."""
    site, service, employee = schedule.site_id, schedule.service_id, schedule.employee_id
    rows = []
    for day in days:
        start, end = visit_times(schedule, day, zone=zone)
        rows.append((schedule.pk, day, site, service, employee, start, end))
    return rows


def schedule_extend(schedule: Schedule, *, until: date, closures=None) -> list[Intervention]:
    """The occurrences still to make up to `until` (not saved: the caller bulk-creates)."""
    first = _first_day(schedule)
    return [_new_visit(schedule, day) for day in schedule_dates(schedule, first, until, closures)]


def _first_day(schedule: Schedule) -> date:
    """The first day not generated yet."""
    if schedule.generated_until is None:
        return schedule.start_date
    return schedule.generated_until + timedelta(days=1)


def schedules_extend(*, until: date | None = None) -> int:
    """Make every schedule's missing occurrences up to `until` (default: the horizon).
    Returns how many visits were made. Safe to run twice, or in two workers at once."""
    until = until or planning_horizon()
    pending = Schedule.objects.filter(_needs_extension(until))
    created = 0
    batch: list[tuple] = []
    done_ids: list[int] = []
    closures = _closures_by_site(pending, until)
    zone = timezone.get_current_timezone()
    for schedule in pending.iterator(chunk_size=2000):
        site_closures = closures.get(schedule.site_id, []) if schedule.skip_site_closures else []
        # schedule_extend's visits, as rows: building 100,000 model instances costs seconds.
        days = schedule_dates(schedule, _first_day(schedule), until, site_closures)
        batch += _visit_rows(schedule, days, zone)
        done_ids.append(schedule.pk)
        if len(batch) >= FLUSH_ROWS:
            created += _flush(batch, done_ids, until)
            batch, done_ids = [], []
    created += _flush(batch, done_ids, until)
    return created


def _needs_extension(until: date) -> Q:
    """Schedules generated short of `until`, except those already past their last date."""
    needs = Q(generated_until__isnull=True) | Q(generated_until__lt=until)
    ended = Q(end_date__isnull=False) & Q(generated_until__gte=F("end_date"))
    return needs & ~ended


def _closures_by_site(schedules, until: date) -> dict[int, list[tuple[date, date]]]:
    closures: dict[int, list[tuple[date, date]]] = {}
    rows = SiteClosure.objects.filter(
        site_id__in=schedules.filter(skip_site_closures=True).values("site_id"),
        start_date__lte=until,
    ).values_list("site_id", "start_date", "end_date")
    for site_id, start, end in rows:
        closures.setdefault(site_id, []).append((start, end))
    return closures


def _flush(rows: list[tuple], schedule_ids: list[int], until: date) -> int:
    """Save the visits (rows of VISIT_FIELDS) that do not exist yet, and mark the schedules
    generated up to `until`, at once. Returns how many visits were saved."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            made = _copy_visits(rows)
        else:
            made = _bulk_create_visits(rows, schedule_ids)
        Schedule.objects.filter(pk__in=schedule_ids).update(generated_until=until)
    return made


def _bulk_create_visits(rows: list[tuple], schedule_ids: list[int]) -> int:
    """SQLite: bulk_create, skipping the visits that exist. bulk_create(ignore_conflicts=True)
    returns every row it was given, inserted or not: count the rows themselves, so that a
    rerun over existing visits reports 0."""
    if not rows:
        return 0
    existing = Intervention.objects.filter(schedule_id__in=schedule_ids)
    before = existing.count()
    visits = [Intervention(**dict(zip(VISIT_FIELDS, row, strict=True))) for row in rows]
    Intervention.objects.bulk_create(visits, batch_size=BATCH_SIZE, ignore_conflicts=True)
    data_changed(VISITS)
    return existing.count() - before


def _copy_visits(rows: list[tuple]) -> int:
    """PostgreSQL: COPY the visits into a temporary table, then insert those whose
    (schedule, date) is not taken yet. For 140,000 visits, a fifth of bulk_create's Python
    time (it prepares each value in Python) and a third of its wall time; and the count is
    of the visits actually inserted (bulk_create's ignore_conflicts counts those it was
    given)."""
    if not rows:
        return 0
    per_row, constant, constants = _default_columns()
    fields = [Intervention._meta.get_field(name) for name in VISIT_FIELDS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in [*fields, *per_row, *constant])
    table = quote(Intervention._meta.db_table)
    with connection.cursor() as cursor:
        # Within an outer transaction the table outlives this call: emptied at the end.
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS planning_new_visit ON COMMIT DROP AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY planning_new_visit ({columns}) FROM STDIN") as copy:
            for row in rows:
                fresh = tuple(
                    field.get_db_prep_save(field.get_default(), connection) for field in per_row
                )
                copy.write_row(row + fresh + constants)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM planning_new_visit "
            "ON CONFLICT DO NOTHING"
        )
        made = cursor.rowcount
        cursor.execute("TRUNCATE planning_new_visit")
    return made


def _default_columns() -> tuple[list, list, tuple]:
    """The columns of a new visit outside VISIT_FIELDS, with what bulk_create would save:
    (fields whose default is computed for each row (a uuid4...), fields of one value for
    every row (their defaults, auto_now times), those values). A db_default is left to
    the database."""
    template = Intervention()
    per_row, constant, values = [], [], []
    for field in Intervention._meta.concrete_fields:
        if field.primary_key or field.attname in VISIT_FIELDS:
            continue
        value = field.pre_save(template, add=True)
        if hasattr(value, "resolve_expression"):
            continue
        if field.has_default() and callable(field.default):
            per_row.append(field)
        else:
            constant.append(field)
            values.append(field.get_db_prep_save(value, connection))
    return per_row, constant, tuple(values)


def schedule_sync(schedule: Schedule, *, now: datetime | None = None) -> dict[str, int]:
    """Bring the schedule's future untouched occurrences in line with it, up to the horizon
    (or further, if it was already generated further). Past visits and user-owned ones
    stay as they are. Returns the counts of visits created, changed and cancelled."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    existing = {
        visit.occurrence_date: visit
        for visit in schedule.interventions.filter(occurrence_date__gte=today)
    }
    # As far as it was generated: the in-memory generated_until may be older than the rows.
    until = max(planning_horizon(today), schedule.generated_until or today, *existing)
    wanted = set(schedule_dates(schedule, today, until))
    counts = {"created": 0, "changed": 0, "cancelled": 0}
    to_update = []
    for day, visit in existing.items():
        if visit.user_owned or visit.start < now:
            continue
        if day in wanted:
            changed = _match_schedule(visit, schedule)
            counts["changed"] += changed
        elif visit.status == Intervention.Status.PLANNED:
            visit.status = Intervention.Status.CANCELLED
            changed = True
            counts["cancelled"] += 1
        else:
            changed = False
        if changed:
            visit.sequence += 1
            to_update.append(visit)
    fields = ["start", "end", "employee", "service", "status", "sequence", "updated_at"]
    for visit in to_update:
        visit.updated_at = now
    Intervention.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    # Only visits still to come: an edit at noon that adds today makes no 08:30 visit.
    new = [_new_visit(schedule, day) for day in sorted(wanted - set(existing))]
    new = [visit for visit in new if visit.start >= now]
    counts["created"] = len(
        Intervention.objects.bulk_create(new, batch_size=BATCH_SIZE, ignore_conflicts=True)
    )
    data_changed(VISITS)
    Schedule.objects.filter(pk=schedule.pk).update(generated_until=until)
    schedule.generated_until = until
    return counts


def _match_schedule(visit: Intervention, schedule: Schedule) -> bool:
    """Give an untouched occurrence the schedule's times, employee and service; revive it
    if the schedule had cancelled it. True if anything changed."""
    start, end = visit_times(schedule, visit.occurrence_date)
    wanted = {
        "start": start,
        "end": end,
        "employee_id": schedule.employee_id,
        "service_id": schedule.service_id,
        "status": Intervention.Status.PLANNED,
    }
    changed = False
    for name, value in wanted.items():
        if getattr(visit, name) != value:
            setattr(visit, name, value)
            changed = True
    return changed
