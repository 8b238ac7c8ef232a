"""The planning bench's data: employees, schedules on the sites, their dated rows.

Made once (bulk inserts) and reused: 100 employees and 10,000 schedules spread over the
5,000 sites of the bench's customers. The dated rows follow the day the bench runs:
`planning_reset(today)` empties the interventions, starts every schedule today with
nothing generated, and redraws the site closures and absences of the coming weeks, so that
each run times the same work, "12 weeks from nothing".

The schedules look like a cleaning company's: weekly on 1 to 3 days (now and then every 2
weeks) or monthly (a day of the month, or the nth weekday); start times from 06:00 to
19:00 by quarter hours; 30 min to 4 h; one in ten without an employee ("à pourvoir").
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from creneau.catalog.models import Service, VatRate
from creneau.core import sample_data as sample
from creneau.customers.models import Site
from creneau.planning.models import (
    Absence,
    Availability,
    Employee,
    Intervention,
    Schedule,
    SiteClosure,
)
from creneau.planning.recurrence import Recurrence

EMPLOYEES = 100
SITES = 5_000
SCHEDULES = 10_000
SEED = 10_2026
WEEKLY_SHARE = 0.7
UNSTAFFED_SHARE = 0.1
CLOSED_SITES_SHARE = 0.02
ABSENT_EMPLOYEES_SHARE = 0.05
SERVICE_PREFIX = "PLAN-"
COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#2a9d8f", "#e76f51",
]  # fmt: skip
# Weekdays by weight: Monday to Friday mostly, some Saturdays, few Sundays.
WEEKDAY_WEIGHTS = [10, 10, 10, 10, 10, 3, 1]


def data_ready(*, employees: int, schedules: int) -> bool:
    return Employee.objects.count() == employees and Schedule.objects.count() == schedules


def planning_generate(
    *, employees: int = EMPLOYEES, schedules: int = SCHEDULES, seed: int = SEED
) -> None:
    """Replace the planning (employees, schedules, visits...) by generated rows, on the
    sites already there. The dated rows come with planning_reset()."""
    rng = random.Random(seed)
    with transaction.atomic():
        for model in (Intervention, Schedule, SiteClosure, Absence, Availability, Employee):
            model.objects.all().delete()
        services = bench_services()
        staff = Employee.objects.bulk_create(_employee(rng, n) for n in range(employees))
        Availability.objects.bulk_create(_availabilities(rng, staff))
        site_ids = list(Site.objects.order_by("id").values_list("id", flat=True))
        Schedule.objects.bulk_create(
            (_schedule(rng, site_ids, staff, services) for _ in range(schedules)),
            batch_size=2000,
        )


def bench_services() -> list[Service]:
    """The demo catalogue's services under a prefix of their own (created when missing)."""
    from creneau.quotes.demo import SERVICES

    rates = {rate.rate: rate for rate in VatRate.objects.all()}
    services = []
    for code, label, description, unit, price, rate, personal, account in SERVICES:
        service, _created = Service.objects.get_or_create(
            code=SERVICE_PREFIX + code,
            defaults={
                "label": label, "description": description, "unit": unit,
                "unit_price": Decimal(price), "vat_rate": rates[Decimal(rate)],
                "is_personal_service": personal, "revenue_account": account,
            },
        )  # fmt: skip
        services.append(service)
    return services


def _employee(rng: random.Random, number: int) -> Employee:
    first_name = sample.first_name(rng)
    last_name = sample.surname(rng)
    return Employee(
        first_name=first_name,
        last_name=last_name,
        mobile=sample.phone_mobile(rng),
        email=sample.email(f"{first_name}.{last_name}.{number}", "example.com"),
        color=COLOURS[number % len(COLOURS)],
    )


def _availabilities(rng: random.Random, staff: list[Employee]) -> list[Availability]:
    """Most employees work Monday to Friday, 06:00 to 20:00; one in four has no slot (taken
    as available at any time)."""
    slots = []
    for employee in staff:
        if rng.random() < 0.25:
            continue
        days = range(6) if rng.random() < 0.3 else range(5)
        slots += [
            Availability(employee=employee, weekday=day, start_time=time(6), end_time=time(20))
            for day in days
        ]
    return slots


def _schedule(
    rng: random.Random, site_ids: list[int], staff: list[Employee], services: list[Service]
) -> Schedule:
    minutes = rng.randrange(6 * 60, 19 * 60 + 1, 15)
    return Schedule(
        site_id=rng.choice(site_ids),
        service=rng.choice(services),
        employee=None if rng.random() < UNSTAFFED_SHARE else rng.choice(staff),
        rrule=_rule(rng).to_rrule(),
        start_date=timezone.localdate(),  # planning_reset() sets it to the run's day
        start_time=time(minutes // 60, minutes % 60),
        duration_minutes=rng.randrange(30, 241, 15),
        skip_public_holidays=rng.random() < 0.9,
    )


def _rule(rng: random.Random) -> Recurrence:
    if rng.random() < WEEKLY_SHARE:
        count = rng.choices([1, 2, 3], weights=[5, 3, 2])[0]
        days = set()
        while len(days) < count:
            days.add(rng.choices(range(7), weights=WEEKDAY_WEIGHTS)[0])
        interval = 2 if rng.random() < 0.15 else 1
        return Recurrence(kind="weekly", interval=interval, weekdays=tuple(sorted(days)))
    if rng.random() < 0.5:
        return Recurrence(kind="monthly_day", month_day=rng.randint(1, 28))
    return Recurrence(
        kind="monthly_weekday", nth=rng.choice([1, 2, 3, 4, -1]), weekday=rng.randrange(5)
    )


def planning_reset(today: date, *, weeks: int, seed: int = SEED) -> None:
    """Start again from nothing generated: no visit, every schedule starting `today`, and
    the closures and absences redrawn over the `weeks` to come."""
    rng = random.Random(seed)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {Intervention._meta.db_table} RESTART IDENTITY CASCADE")
        else:
            Intervention.objects.all().delete()
        Schedule.objects.update(start_date=today, generated_until=None)
        SiteClosure.objects.all().delete()
        Absence.objects.all().delete()
        site_ids = list(Site.objects.order_by("id").values_list("id", flat=True))
        closed = rng.sample(site_ids, round(len(site_ids) * CLOSED_SITES_SHARE))
        SiteClosure.objects.bulk_create(
            _dated(SiteClosure, rng, today, weeks, site_id=site_id, reason="Fermeture annuelle")
            for site_id in closed
        )
        staff = list(Employee.objects.order_by("id").values_list("id", flat=True))
        absent = rng.sample(staff, max(1, round(len(staff) * ABSENT_EMPLOYEES_SHARE)))
        Absence.objects.bulk_create(
            _dated(Absence, rng, today, weeks, employee_id=employee_id, reason="Congés")
            for employee_id in absent
        )


def _dated(model, rng: random.Random, today: date, weeks: int, **fields):
    """A closure or absence of 3 to 14 days starting within the coming weeks."""
    start = today + timedelta(days=rng.randrange(max(1, weeks * 7 - 14)))
    return model(start_date=start, end_date=start + timedelta(days=rng.randint(2, 13)), **fields)


def week_thin(monday: date, visits: int, *, seed: int = SEED) -> tuple[int, int]:
    """Leave about `visits` interventions in the week starting `monday` (a random choice
    over every employee and day, the same for the same data), and delete the others.
    Returns (before, after)."""
    week = Intervention.objects.filter(
        occurrence_date__gte=monday, occurrence_date__lt=monday + timedelta(days=7)
    )
    ids = list(week.order_by("id").values_list("id", flat=True))
    if len(ids) > visits:
        surplus = random.Random(seed).sample(ids, len(ids) - visits)
        for first in range(0, len(surplus), 5000):
            Intervention.objects.filter(pk__in=surplus[first : first + 5000]).delete()
    return len(ids), week.count()
