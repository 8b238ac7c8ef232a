"""Demo planning: 12 employees, schedules on the demo sites, four past weeks mostly done and
the coming weeks planned up to the horizon, with a few conflicts and a site closure.

Idempotent: employees are created when missing (same first and last name); the schedules,
their visits, the absence, the closure and the deliberate double booking are made only
when there is no schedule yet. Visits are made by the generator (bulk inserts), and the
past ones are marked done in bulk, so that `make run` stays fast.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import F, QuerySet
from django.utils import timezone

from creneau.catalog.models import Service
from creneau.core import sample_data as sample
from creneau.core.demo import DemoContext
from creneau.customers.models import Customer, Site
from creneau.customers.services import customer_update
from creneau.planning.models import Employee, Intervention, Schedule
from creneau.planning.services import (
    absence_add,
    employee_availability_set,
    employee_create,
    intervention_create,
    schedule_create,
    site_closure_add,
)

WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
# Weekly availability patterns: (weekdays, from, to).
AVAILABILITY = {
    "day": ("MO TU WE TH FR", time(7), time(18)),
    "early": ("MO TU WE TH FR", time(6), time(14)),
    "early6": ("MO TU WE TH FR SA", time(6), time(13)),
    "part": ("MO TU TH", time(8), time(17)),
    "office": ("MO TU WE TH FR", time(8), time(18)),
    "late": ("MO TU WE TH FR", time(12), time(20)),
    "garden": ("MO TU WE TH FR", time(7), time(16)),
    "home": ("MO TU WE TH FR", time(8), time(17)),
    "week_end": ("TU WE TH FR SA", time(8), time(16)),
    None: None,  # no slot: available at any time
}


@dataclass(frozen=True)
class EmployeeSpec:
    first_name: str
    last_name: str
    color: str
    availability: str | None
    login: str = ""


# Inès Moreau has the demo login `intervenant` (core.demo.DEMO_STAFF).
EMPLOYEES = [
    EmployeeSpec("Inès", "Moreau", "#1f77b4", "day", login="intervenant"),
    EmployeeSpec("Karim", "Benali", "#ff7f0e", "early"),
    EmployeeSpec("Sophie", "Lefèvre", "#2ca02c", "early"),
    EmployeeSpec("Mamadou", "Diallo", "#d62728", "early6"),
    EmployeeSpec("Julie", "Garnier", "#9467bd", "part"),
    EmployeeSpec("Lucas", "Petit", "#8c564b", "office"),
    EmployeeSpec("Amandine", "Roux", "#e377c2", "late"),
    EmployeeSpec("Nicolas", "Faure", "#7f7f7f", "garden"),
    EmployeeSpec("Fatima", "Haddad", "#bcbd22", "home"),
    EmployeeSpec("Thomas", "Girard", "#17becf", None),
    EmployeeSpec("Élodie", "Blanc", "#0b5394", "week_end"),
    EmployeeSpec("Hugo", "Mercier", "#b45f06", None),
]
INES, KARIM, SOPHIE, MAMADOU, JULIE, LUCAS, AMANDINE, NICOLAS, FATIMA, THOMAS, ELODIE, HUGO = range(
    12
)
NOBODY = None  # "à pourvoir"

# (employee, site kind and index, service code, rule, start, minutes). Site kinds: R a
# syndic's residence, B a bank branch, P a shop or office, A an estate agency, I a home.
SCHEDULES = [
    (SOPHIE, "R0", "NET-PC", "WEEKLY;BYDAY=MO,TH", time(7), 90),
    (SOPHIE, "R1", "NET-PC", "WEEKLY;BYDAY=MO,TH", time(9), 90),
    (SOPHIE, "R2", "NET-PC", "WEEKLY;BYDAY=TU,FR", time(7), 90),
    (SOPHIE, "R3", "NET-PC", "WEEKLY;BYDAY=TU,FR", time(9), 90),
    (SOPHIE, "R4", "NET-PC", "WEEKLY;BYDAY=WE", time(7), 120),
    (MAMADOU, "R5", "NET-PC", "WEEKLY;BYDAY=MO,TH", time(7), 90),
    (MAMADOU, "R6", "NET-PC", "WEEKLY;BYDAY=TU,FR", time(7), 90),
    (MAMADOU, "R7", "NET-PC", "WEEKLY;BYDAY=WE,SA", time(7), 90),
    (NOBODY, "R4", "NET-PC", "WEEKLY;BYDAY=SA", time(9), 90),
    (LUCAS, "R0", "VIT-STD", "MONTHLY;BYDAY=1WE", time(10), 180),
    (LUCAS, "R1", "VIT-STD", "MONTHLY;BYDAY=2WE", time(10), 180),
    (LUCAS, "R5", "VIT-STD", "MONTHLY;BYDAY=3WE", time(10), 180),
    (LUCAS, "R6", "VIT-STD", "MONTHLY;BYDAY=4WE", time(10), 180),
    (LUCAS, "A0", "VIT-STD", "WEEKLY;INTERVAL=2;BYDAY=MO", time(9), 90),
    (LUCAS, "A1", "VIT-STD", "WEEKLY;INTERVAL=2;BYDAY=TU", time(9), 90),
    (LUCAS, "P5", "VIT-STD", "WEEKLY;INTERVAL=2;BYDAY=TH", time(14), 120),
    (KARIM, "B0", "NET-BUR", "WEEKLY;BYDAY=MO,WE,FR", time(6, 30), 90),
    (KARIM, "B1", "NET-BUR", "WEEKLY;BYDAY=MO,WE,FR", time(8, 15), 90),
    (KARIM, "B2", "NET-BUR", "WEEKLY;BYDAY=TU,TH", time(6, 30), 90),
    (KARIM, "B3", "NET-BUR", "WEEKLY;BYDAY=TU,TH", time(8, 15), 90),
    (KARIM, "A0", "NET-BUR", "WEEKLY;BYDAY=MO,TH", time(10), 60),
    (KARIM, "A1", "NET-BUR", "WEEKLY;BYDAY=TU", time(10), 60),
    (KARIM, "A2", "NET-BUR", "WEEKLY;BYDAY=FR", time(10), 60),
    (AMANDINE, "P0", "NET-BUR", "WEEKLY;BYDAY=MO,WE,FR", time(18), 90),
    (AMANDINE, "P1", "NET-BUR", "WEEKLY;BYDAY=MO,WE,FR", time(12, 30), 60),
    (AMANDINE, "P2", "NET-BUR", "WEEKLY;BYDAY=TU,TH", time(18), 90),
    (AMANDINE, "P3", "NET-BUR", "WEEKLY;BYDAY=TU,TH", time(12, 30), 60),
    (AMANDINE, "P4", "NET-BUR", "WEEKLY;BYDAY=MO,TH", time(15), 120),
    (THOMAS, "P0", "MNT-CLIM", "MONTHLY;BYMONTHDAY=25", time(9), 120),
    (THOMAS, "P1", "MNT-CLIM", "MONTHLY;BYDAY=1TH", time(9), 120),
    (THOMAS, "B0", "MNT-CLIM", "MONTHLY;BYDAY=2TU", time(9), 120),
    (THOMAS, "P2", "MNT-CLIM", "MONTHLY;BYDAY=3TH", time(14), 120),
    (HUGO, "A2", "NET-BUR", "WEEKLY;BYDAY=SA", time(8), 120),
    (INES, "I0", "AD-MEN", "WEEKLY;BYDAY=MO", time(9), 180),
    (INES, "I1", "AD-MEN", "WEEKLY;BYDAY=MO", time(14), 120),
    (INES, "I2", "AD-MEN", "WEEKLY;BYDAY=TU", time(9), 120),
    (INES, "I3", "AD-MEN", "WEEKLY;BYDAY=WE", time(9), 180),
    (INES, "I4", "AD-MEN", "WEEKLY;BYDAY=TH", time(9), 120),
    (INES, "I5", "AD-MEN", "WEEKLY;INTERVAL=2;BYDAY=TH", time(14), 120),
    (INES, "I6", "AD-MEN", "WEEKLY;BYDAY=FR", time(9), 150),
    (JULIE, "I7", "AD-AIDE", "WEEKLY;BYDAY=MO,TH", time(9), 120),
    (JULIE, "I8", "AD-AIDE", "WEEKLY;BYDAY=TU", time(10), 120),
    (JULIE, "I9", "AD-AIDE", "WEEKLY;BYDAY=MO,TU,TH", time(14), 60),
    (NOBODY, "I9", "AD-AIDE", "WEEKLY;BYDAY=WE", time(10), 120),
    (FATIMA, "I10", "AD-MEN", "WEEKLY;BYDAY=TU,FR", time(9), 120),
    (FATIMA, "I11", "AD-MEN", "WEEKLY;BYDAY=WE", time(14), 180),
    (FATIMA, "I12", "AD-MEN", "WEEKLY;BYDAY=TH", time(10), 120),
    (ELODIE, "I13", "AD-MEN", "WEEKLY;BYDAY=SA", time(9), 180),
    (ELODIE, "I14", "AD-MEN", "WEEKLY;BYDAY=WE", time(9), 120),
    (ELODIE, "I15", "AD-MEN", "WEEKLY;BYDAY=TU", time(13), 120),
    (NICOLAS, "I1", "JAR-SAP", "MONTHLY;BYDAY=1TU", time(9), 180),
    (NICOLAS, "I3", "JAR-SAP", "MONTHLY;BYDAY=2TU", time(9), 180),
    (NICOLAS, "I6", "JAR-SAP", "MONTHLY;BYDAY=4TU", time(9), 180),
    (NICOLAS, "R2", "JAR-TAI", "MONTHLY;BYDAY=3TH", time(13), 150),
    (NICOLAS, "R3", "JAR-TON", "WEEKLY;BYDAY=WE", time(8), 120),
    (NICOLAS, "P4", "JAR-TAI", "WEEKLY;INTERVAL=2;BYDAY=FR", time(8), 180),
]
# The residence closed for works: its parts communes are still cleaned (the schedule does
# not skip closures), so those visits are flagged "Site fermé".
CLOSED_SITE = "R1"
# Mamadou must never be sent there (the building manager asked).
INCOMPATIBLE = (MAMADOU, "R0")
# The homes whose customers asked for a reminder e-mail the day before each visit.
REMINDED_SITES = ["I0", "I2"]
PAST_WEEKS = 4


def load_planning(*, context: DemoContext) -> str:
    """Demo loader (creneau.core.demo): employees, schedules, visits, conflicts."""
    rng = context.random("planning")
    by = context.users.get("planning") or context.users.get("direction")
    sites = demo_sites()
    employees, created = employees_ensure(rng, context, sites, by)
    if Schedule.objects.exists():
        return f"Planning : {created} intervenant(s) créé(s), programmations déjà présentes."
    if not all(sites.values()):
        return f"Planning : {created} intervenant(s) créé(s), pas assez de sites pour planifier."
    first_day = monday_of(timezone.localdate()) - timedelta(weeks=PAST_WEEKS)
    schedules = schedules_create(employees, sites, first_day, by)
    past = past_visits_report(rng)
    conflicts_make(employees, sites, by)
    reminders_opt_in(sites, by)
    visits = Intervention.objects.count()
    return (
        f"Planning : {created} intervenant(s) créé(s), {schedules} programmations, "
        f"{visits} interventions ({past} passées)."
    )


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _sites(queryset: QuerySet[Site], count: int) -> list[Site]:
    return list(
        queryset.filter(is_active=True, customer__is_active=True)
        .select_related("customer")
        .order_by("id")[:count]
    )


def demo_sites() -> dict[str, list[Site]]:
    """The demo sites by kind, in a fixed order (the customers' loader made them)."""
    business = Site.objects.filter(customer__kind=Customer.Kind.BUSINESS)
    homes = Site.objects.filter(name="Domicile", customer__kind=Customer.Kind.INDIVIDUAL).exclude(
        customer__email=""
    )
    return {
        "R": _sites(business.filter(name__startswith="Résidence "), 8),
        "B": _sites(
            business.filter(name__startswith="Agence ", customer__family__name="Banques"), 4
        ),
        "P": _sites(business.filter(name="Établissement principal"), 6),
        "A": _sites(business.filter(name="Agence"), 3),
        "I": _sites(homes, 16),
    }


def site_of(sites: dict[str, list[Site]], key: str) -> Site:
    """R3: the fourth residence (wrapping round if the database has fewer)."""
    kind, index = key[0], int(key[1:])
    return sites[kind][index % len(sites[kind])]


def employees_ensure(
    rng: random.Random, context: DemoContext, sites: dict[str, list[Site]], by: User | None
) -> tuple[list[Employee], int]:
    existing = {(e.first_name, e.last_name): e for e in Employee.objects.all()}
    employees, created = [], 0
    for index, spec in enumerate(EMPLOYEES):
        phone = sample.phone_mobile(rng)  # drawn for every spec: the same data each time
        employee = existing.get((spec.first_name, spec.last_name))
        if employee is None:
            employee = employee_make(spec, phone, sites, index, by)
            created += 1
        user = context.users.get(spec.login) if spec.login else None
        if (
            user is not None
            and employee.user_id is None
            and not Employee.objects.filter(user=user).exists()
        ):
            employee.user = user
            employee.save(update_fields=["user"])
        employees.append(employee)
    return employees, created


def employee_make(
    spec: EmployeeSpec, phone: str, sites: dict[str, list[Site]], index: int, by: User | None
) -> Employee:
    incompatible = []
    if index == INCOMPATIBLE[0] and sites["R"]:
        incompatible = [site_of(sites, INCOMPATIBLE[1])]
    employee = employee_create(
        by=by,
        incompatible_sites=incompatible,
        first_name=spec.first_name,
        last_name=spec.last_name,
        color=spec.color,
        mobile=phone,
        email=sample.email(f"{spec.first_name}.{spec.last_name}", "clairnet.example.com"),
    )
    pattern = AVAILABILITY[spec.availability]
    if pattern is not None:
        days, start, end = pattern
        slots = [(WEEKDAYS[day], start, end) for day in days.split()]
        employee_availability_set(employee=employee, by=by, slots=slots)
    return employee


def schedules_create(
    employees: list[Employee], sites: dict[str, list[Site]], first_day: date, by: User | None
) -> int:
    """Each schedule through the service: its visits are made at once, past and future."""
    services = {service.code: service for service in Service.objects.filter(is_active=True)}
    closed = site_of(sites, CLOSED_SITE)
    for employee_index, site_key, code, rule, start, minutes in SCHEDULES:
        site = site_of(sites, site_key)
        schedule_create(
            site=site,
            by=by,
            service=services.get(code),
            employee=employees[employee_index] if employee_index is not None else None,
            rrule=_rule(rule),
            start_date=first_day,
            start_time=start,
            duration_minutes=minutes,
            skip_site_closures=not (site == closed and code == "NET-PC"),
        )
    return len(SCHEDULES)


def _rule(rule: str) -> str:
    """The stored RRULE of a short rule: WEEKLY;BYDAY=MO is FREQ=WEEKLY;INTERVAL=1;BYDAY=MO."""
    frequency, _sep, rest = rule.partition(";")
    if not rest.startswith("INTERVAL="):
        rest = f"INTERVAL=1;{rest}"
    return f"FREQ={frequency};{rest}"


def past_visits_report(rng: random.Random) -> int:
    """The visits already past: mostly done at about their planned times, a few missed (the
    customer was out) or cancelled. One UPDATE per outcome (a few dozen), not per visit."""
    now = timezone.now()
    past = Intervention.objects.filter(start__lt=now, status=Intervention.Status.PLANNED)
    outcomes: dict[tuple, list[int]] = defaultdict(list)
    for pk, end in past.order_by("start", "id").values_list("pk", "end"):
        draw = rng.random()
        if draw < 0.04:
            outcomes[(Intervention.Status.MISSED, None, None)].append(pk)
        elif draw < 0.08:
            outcomes[(Intervention.Status.CANCELLED, None, None)].append(pk)
        elif end <= now:  # a visit under way stays planned: its employee reports it
            early_or_late = rng.choice([-10, -5, 0, 0, 5, 10]), rng.choice([-15, -5, 0, 0, 5, 15])
            outcomes[(Intervention.Status.DONE, *early_or_late)].append(pk)
    for (status, start_shift, end_shift), ids in outcomes.items():
        real_times = {}
        if status == Intervention.Status.DONE:
            real_times = {
                "actual_start": F("start") + timedelta(minutes=start_shift),
                "actual_end": F("end") + timedelta(minutes=end_shift),
            }
        Intervention.objects.filter(pk__in=ids).update(
            status=status,
            user_owned=True,
            sequence=F("sequence") + 1,
            updated_at=now,
            **real_times,
        )
    return sum(len(ids) for ids in outcomes.values())


def _first_visit(employee: Employee, after: datetime) -> Intervention | None:
    return (
        Intervention.objects.filter(
            employee=employee, start__gte=after, status=Intervention.Status.PLANNED
        )
        .order_by("start")
        .first()
    )


def conflicts_make(employees: list[Employee], sites: dict[str, list[Site]], by: User | None):
    """What the views must show: a double booking, an absence over planned visits, and a
    site closed while a schedule still sends someone there."""
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    # Inès is booked at another home while at her first visit after today.
    booked = _first_visit(employees[INES], tomorrow)
    if booked is not None:
        intervention_create(
            site=site_of(sites, "I15"),
            by=by,
            service=booked.service,
            employee=employees[INES],
            start=booked.start + timedelta(hours=1),
            end=booked.end + timedelta(hours=1),
            notes="Grand ménage de printemps demandé par la cliente.",
        )
    # Fatima is away for three days from her next visit: those visits are flagged.
    away = _first_visit(employees[FATIMA], tomorrow)
    if away is not None:
        first = timezone.localtime(away.start).date()
        absence_add(
            employee=employees[FATIMA],
            by=by,
            start_date=first,
            end_date=first + timedelta(days=2),
            reason="Formation",
        )
    closure_start = today + timedelta(days=14)
    site_closure_add(
        site=site_of(sites, CLOSED_SITE),
        by=by,
        start_date=closure_start,
        end_date=closure_start + timedelta(days=6),
        reason="Travaux de ravalement",
    )


def reminders_opt_in(sites: dict[str, list[Site]], by: User | None) -> None:
    for key in REMINDED_SITES:
        customer = site_of(sites, key).customer
        customer_update(customer=customer, by=by, visit_reminders=True)
