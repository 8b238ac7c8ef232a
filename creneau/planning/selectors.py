"""Reads of the planning, built on the customers' visibility rule, and the conflicts.

Direction, planning and accounting see every intervention; a sales rep those of its own
customers; an intervenant its own. Others answer 404.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from creneau.core.roles import Role, user_role, user_sees_all_customers
from creneau.customers.models import Contact
from creneau.customers.selectors import AnyUser, customers_visible_to
from creneau.planning.models import (
    Absence,
    Availability,
    Employee,
    Intervention,
    Schedule,
    SiteClosure,
)


def interventions_visible_to(user: AnyUser) -> QuerySet[Intervention]:
    if user_role(user) == Role.EMPLOYEE:
        return Intervention.objects.filter(employee__user=user)
    return Intervention.objects.filter(site__customer__in=customers_visible_to(user))


def intervention_get(*, user: AnyUser, pk: int) -> Intervention:
    return get_object_or_404(
        interventions_visible_to(user).select_related(
            "site__customer", "service", "employee", "schedule"
        ),
        pk=pk,
    )


def schedules_visible_to(user: AnyUser) -> QuerySet[Schedule]:
    return Schedule.objects.filter(site__customer__in=customers_visible_to(user))


def schedule_get(*, user: AnyUser, pk: int) -> Schedule:
    return get_object_or_404(
        schedules_visible_to(user).select_related("site__customer", "service", "employee"),
        pk=pk,
    )


def employees_visible_to(user: AnyUser) -> QuerySet[Employee]:
    """Every employee for the office roles; an intervenant sees only itself."""
    role = user_role(user)
    if role is None:
        return Employee.objects.none()
    if role == Role.EMPLOYEE:
        return Employee.objects.filter(user=user)
    return Employee.objects.all()


def employee_get(*, user: AnyUser, pk: int) -> Employee:
    return get_object_or_404(employees_visible_to(user), pk=pk)


def employee_of(user: AnyUser) -> Employee | None:
    """The employee a login belongs to (an intervenant's own record)."""
    if not user.is_authenticated:
        return None
    return Employee.objects.filter(user=user).first()


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Europe/Paris midnight of `first` and of the day after `last`, as aware datetimes."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return start, end


def interventions_between(queryset: QuerySet[Intervention], first: date, last: date):
    """The visits that start between two local dates, inclusive."""
    start, end = local_day_bounds(first, last)
    return queryset.filter(start__gte=start, start__lt=end)


@dataclass(frozen=True)
class Conflict:
    code: str  # double_booking, unavailable, absence, site_closure
    message: str


class VisitTimes(Protocol):
    """What the conflicts read of a visit: an Intervention, or a lighter row of one."""

    pk: int
    status: str
    employee_id: int | None
    site_id: int
    start: datetime
    end: datetime


@dataclass(slots=True)
class _Busy:
    """Another visit that takes an employee's time."""

    pk: int
    start: datetime
    end: datetime
    site_name: str
    customer_id: int
    # "08:30", "10:00": formatted once, however many visits it overlaps.
    times: dict[str, str] | None = None

    def times_shown(self) -> dict[str, str]:
        if self.times is None:
            zone = timezone.get_current_timezone()
            self.times = {"start": _hhmm(self.start, zone), "end": _hhmm(self.end, zone)}
        return self.times


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _hhmm(moment: datetime, zone) -> str:
    """The local time as the French write it (08:30). strftime, not time_format: a week of
    2,000 visits may show thousands of these, and time_format is ten times slower."""
    return moment.astimezone(zone).strftime("%H:%M")


def _within_availability(visit: VisitTimes, slots: list[Availability], zone) -> bool:
    start, end = visit.start.astimezone(zone), visit.end.astimezone(zone)
    if start.date() != end.date() and end.time() != datetime.min.time():
        return False
    end_time = end.time() if end.date() == start.date() else datetime.max.time()
    return any(
        slot.weekday == start.weekday()
        and slot.start_time <= start.time()
        and end_time <= slot.end_time
        for slot in slots
    )


def interventions_conflicts(
    interventions: Iterable[VisitTimes],
    *,
    viewer: AnyUser | None = None,
    complete_between: tuple[datetime, datetime] | None = None,
) -> dict[int, list[Conflict]]:
    """The conflicts of each visit, by id, in five queries whatever their number:
    - the same employee booked twice at once;
    - outside the employee's weekly availability (an employee with none is always
      available), or during one of its absences;
    - on a closure of the site;
    - on a site the employee was made incompatible with after the visit was planned.
    Cancelled and missed visits have none, and take nobody's time.

    With a `viewer` who does not see every customer (a sales rep), a double booking on
    another rep's site is told without that site's name (one more query).

    `complete_between` (start, end) says that every visit of these employees starting then
    is among `interventions` (rows with site_name and customer_id): the others are then
    read only around that window, not again (a week view reads 2,000 rows once)."""
    interventions = list(interventions)
    visits = [
        visit
        for visit in interventions
        if visit.status in (Intervention.Status.PLANNED, Intervention.Status.DONE)
    ]
    result: dict[int, list[Conflict]] = {visit.pk: [] for visit in interventions}
    if not visits:
        return result
    employee_ids = {visit.employee_id for visit in visits if visit.employee_id}
    site_ids = {visit.site_id for visit in visits}
    earliest = min(visit.start for visit in visits)
    latest = max(visit.end for visit in visits)
    first_day, last_day = _local(earliest).date(), _local(latest).date()

    forbidden: set[tuple[int, int]] = set()
    others_by_employee: dict[int, list[_Busy]] = defaultdict(list)
    slots_by_employee: dict[int, list[Availability]] = defaultdict(list)
    absences_by_employee: dict[int, list[Absence]] = defaultdict(list)
    if employee_ids:
        # Plain rows, not models: a week of 2,000 visits reads as many here.
        others = Intervention.objects.active().filter(
            employee_id__in=employee_ids, start__lt=latest, end__gt=earliest
        )
        if complete_between is not None:
            window_start, window_end = complete_between
            others = others.exclude(start__gte=window_start, start__lt=window_end)
            for visit in visits:
                if visit.employee_id:
                    others_by_employee[visit.employee_id].append(
                        _Busy(visit.pk, visit.start, visit.end, visit.site_name, visit.customer_id)
                    )
        for pk, employee_id, start, end, site_name, customer_id in others.values_list(
            "id", "employee_id", "start", "end", "site__name", "site__customer_id"
        ):
            others_by_employee[employee_id].append(_Busy(pk, start, end, site_name, customer_id))
        for busy in others_by_employee.values():
            busy.sort(key=lambda other: (other.start, other.pk))
        _hide_invisible_sites(others_by_employee, viewer)
        for slot in Availability.objects.filter(employee_id__in=employee_ids):
            slots_by_employee[slot.employee_id].append(slot)
        for absence in Absence.objects.filter(
            employee_id__in=employee_ids, start_date__lte=last_day, end_date__gte=first_day
        ):
            absences_by_employee[absence.employee_id].append(absence)
        # A site made incompatible after the visit was planned: refused for new visits, but
        # those already there must show it.
        forbidden = set(
            Employee.incompatible_sites.through.objects.filter(
                employee_id__in=employee_ids
            ).values_list("employee_id", "site_id")
        )
    closures_by_site: dict[int, list[SiteClosure]] = defaultdict(list)
    # By dates alone, then kept for the visits' sites: few closures meet a week, and a week
    # may have 2,000 sites (as many query parameters).
    for closure in SiteClosure.objects.filter(start_date__lte=last_day, end_date__gte=first_day):
        if closure.site_id in site_ids:
            closures_by_site[closure.site_id].append(closure)

    zone = timezone.get_current_timezone()
    # Translated once: a loaded week may count thousands of conflicts.
    texts = {
        "busy_at": _("Intervenant déjà pris de %(start)s à %(end)s (%(site)s)."),
        "busy": _("Intervenant déjà pris de %(start)s à %(end)s."),
        "unavailable": _("En dehors des disponibilités de l'intervenant."),
        "incompatible": _("Site incompatible : cet intervenant ne doit pas y être envoyé."),
    }
    for visit in visits:
        result[visit.pk] = _conflicts_of(
            visit,
            day=visit.start.astimezone(zone).date(),
            zone=zone,
            texts=texts,
            others=others_by_employee.get(visit.employee_id, []),
            slots=slots_by_employee.get(visit.employee_id, []),
            absences=absences_by_employee.get(visit.employee_id, []),
            closures=closures_by_site.get(visit.site_id, []),
        )
        if (visit.employee_id, visit.site_id) in forbidden:
            result[visit.pk].insert(0, Conflict("incompatible_site", texts["incompatible"]))
    return result


def _hide_invisible_sites(
    others_by_employee: dict[int, list[_Busy]], viewer: AnyUser | None
) -> None:
    """Blank the site name of the visits the viewer may not see (another rep's customer)."""
    if viewer is None or user_sees_all_customers(viewer):
        return
    others = [other for group in others_by_employee.values() for other in group]
    customer_ids = {other.customer_id for other in others}
    visible = set(
        customers_visible_to(viewer).filter(pk__in=customer_ids).values_list("pk", flat=True)
    )
    for other in others:
        if other.customer_id not in visible:
            other.site_name = ""


def _conflicts_of(
    visit: VisitTimes,
    *,
    day: date,
    zone,
    texts: dict[str, str],
    others: list[_Busy],
    slots: list[Availability],
    absences: list[Absence],
    closures: list[SiteClosure],
) -> list[Conflict]:
    conflicts = []
    if visit.employee_id:
        for other in others:
            if other.start >= visit.end:
                break  # the others come in the order of their start
            if other.pk != visit.pk and visit.start < other.end:
                times = other.times_shown()
                message = (
                    texts["busy_at"] % {**times, "site": other.site_name}
                    if other.site_name
                    else texts["busy"] % times
                )
                conflicts.append(Conflict("double_booking", message))
        if slots and not _within_availability(visit, slots, zone):
            conflicts.append(Conflict("unavailable", texts["unavailable"]))
        for absence in absences:
            if absence.start_date <= day <= absence.end_date:
                conflicts.append(
                    Conflict(
                        "absence",
                        _("Intervenant absent du %(start)s au %(end)s%(reason)s.")
                        % {
                            "start": date_format(absence.start_date, "SHORT_DATE_FORMAT"),
                            "end": date_format(absence.end_date, "SHORT_DATE_FORMAT"),
                            "reason": f" ({absence.reason})" if absence.reason else "",
                        },
                    )
                )
    for closure in closures:
        if closure.start_date <= day <= closure.end_date:
            conflicts.append(
                Conflict(
                    "site_closure",
                    _("Site fermé du %(start)s au %(end)s%(reason)s.")
                    % {
                        "start": date_format(closure.start_date, "SHORT_DATE_FORMAT"),
                        "end": date_format(closure.end_date, "SHORT_DATE_FORMAT"),
                        "reason": f" ({closure.reason})" if closure.reason else "",
                    },
                )
            )
    return conflicts


def upcoming_and_recent(queryset: QuerySet[Intervention], *, count: int = 5):
    """The next planned visits and the last ones (for the customer record's Planning tab)."""
    now = timezone.now()
    upcoming = queryset.filter(start__gte=now).exclude(status=Intervention.Status.CANCELLED)
    recent = queryset.filter(start__lt=now).order_by("-start")
    related = ("site", "service", "employee")
    return (
        list(upcoming.select_related(*related)[:count]),
        list(recent.select_related(*related)[:count]),
    )


# Day sheet and week of an employee ------------------------------------------------------


@dataclass(frozen=True)
class ContactPhones:
    """Whom to call about a visit: the site's contact, else the customer itself."""

    name: str
    phones: list[str]  # E.164, mobile first


def _phones(holder) -> list[str]:
    return [number for number in (holder.mobile, holder.phone) if number]


def visit_contact(visit: Intervention) -> ContactPhones | None:
    """The first contact of the visit's site with a phone, else the customer's phones.
    Reads the contacts that day_sheet_visits prefetched: no query."""
    site = visit.site
    for contact in getattr(site, "phone_contacts", None) or []:
        return ContactPhones(contact.name, _phones(contact))
    customer = site.customer
    phones = _phones(customer)
    return ContactPhones(customer.name, phones) if phones else None


def day_sheet_queryset(user: AnyUser) -> QuerySet[Intervention]:
    """The visits the user may see, each with its site, customer, service, employee and the
    site's contacts that have a phone (prefetched: one more query for them all)."""
    with_phone = Contact.objects.filter(~Q(phone="") | ~Q(mobile="")).order_by("name", "id")
    return (
        interventions_visible_to(user)
        .select_related("site__customer", "service", "employee")
        .prefetch_related(Prefetch("site__contacts", queryset=with_phone, to_attr="phone_contacts"))
        .order_by("start", "id")
    )


def day_sheet_visits(*, user: AnyUser, employee: Employee, day: date) -> list[Intervention]:
    """An employee's visits of one local day that the user may see, in order: two queries."""
    return list(interventions_between(day_sheet_queryset(user).filter(employee=employee), day, day))


def week_visits(*, user: AnyUser, employee: Employee, monday: date) -> list[Intervention]:
    """An employee's visits of the week starting `monday`, in order: one query."""
    visits = interventions_between(
        interventions_visible_to(user).filter(employee=employee), monday, monday + timedelta(6)
    )
    return list(visits.select_related("site__customer", "service").order_by("start", "id"))
