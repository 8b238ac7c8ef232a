"""The week grids: rows (employees, or sites) of seven day cells holding the visits' cards.

A week of 100 employees holds some 2,000 visits. They are read in one query, their
conflicts in five more (selectors.interventions_conflicts), and each card's HTML is made
here, once, in Python: a template included per card would cost more than the rest of
the page together.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from creneau.core.collation import french_sort_key
from creneau.customers.selectors import AnyUser
from creneau.planning.models import Employee, Intervention
from creneau.planning.selectors import (
    Conflict,
    interventions_between,
    interventions_conflicts,
    interventions_visible_to,
    local_day_bounds,
)
from creneau.planning.views.filters import PlanningFilters

Status = Intervention.Status
DAYS = 7
STATUS_ICONS = {
    Status.DONE: "bi-check-circle-fill",
    Status.CANCELLED: "bi-x-circle",
    Status.MISSED: "bi-person-x-fill",
}
# The key of the row of the visits nobody is assigned to.
UNASSIGNED_ROW = None


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=offset) for offset in range(DAYS)]


@dataclass(slots=True)
class VisitLine:
    """A visit as the grids show it: plain values read in one query, not models (a week
    holds 2,000 of them). Its times are local (Europe/Paris)."""

    pk: int
    start: datetime
    end: datetime
    status: str
    employee_id: int | None
    site_id: int
    service_id: int | None
    site_name: str
    customer_id: int
    customer_name: str
    service_label: str | None
    employee_first_name: str | None
    employee_last_name: str | None
    employee_color: str | None
    # The same times in Europe/Paris, for the eye (the conflicts compare the UTC ones: two
    # times of one zone compare without converting).
    local_start: datetime | None = None
    local_end: datetime | None = None

    @property
    def employee_name(self) -> str:
        return f"{self.employee_first_name} {self.employee_last_name}".strip()


VISIT_COLUMNS = (
    "id", "start", "end", "status", "employee_id", "site_id", "service_id", "site__name",
    "site__customer_id", "site__customer__name", "service__label", "employee__first_name",
    "employee__last_name", "employee__color",
)  # fmt: skip


def week_visits(
    user: AnyUser,
    filters: PlanningFilters,
    monday: date,
    *,
    employee_rows: Collection[int | None] | None = None,
) -> list[VisitLine]:
    """The visible visits of the week, filtered, in the order of their start (one query).
    `employee_rows`: only those of these employees (None: nobody assigned)."""
    visits = filters.apply(interventions_visible_to(user))
    visits = interventions_between(visits, monday, monday + timedelta(days=DAYS - 1))
    if employee_rows is not None:
        ids = [pk for pk in employee_rows if pk is not None]
        if UNASSIGNED_ROW in employee_rows:
            visits = visits.filter(Q(employee_id__in=ids) | Q(employee__isnull=True))
        else:
            visits = visits.filter(employee_id__in=ids)
    zone = timezone.get_current_timezone()
    lines = []
    for row in visits.order_by("start", "id").values_list(*VISIT_COLUMNS):
        line = VisitLine(*row)
        line.local_start, line.local_end = line.start.astimezone(zone), line.end.astimezone(zone)
        lines.append(line)
    return lines


@dataclass
class Cell:
    day: date
    cards: list[str] = field(default_factory=list)


@dataclass
class Row:
    """One line of the grid: an employee (or nobody: "À pourvoir"), or a site."""

    dom_id: str
    label: str
    cells: list[Cell]
    employee_id: int | None = None
    color: str = ""
    detail: str = ""  # the site's customer
    customer_id: int | None = None
    minutes: int = 0  # planned and done, for the employee's hours of the week
    visits: int = 0
    conflicts: int = 0  # visits in conflict

    @property
    def cells_html(self) -> SafeString:
        """The row's seven cells: made here rather than by the template, which would take
        longer over 700 cells than over the rest of the page."""
        label = escape(f"{self.detail} \u2013 {self.label}" if self.detail else self.label)
        return mark_safe(  # the cards escape their text, the label is escaped above
            "".join(
                f'<td class="d{index}" data-day="{cell.day.isoformat()}" data-label="{label}">'
                f"{''.join(cell.cards)}</td>"
                for index, cell in enumerate(self.cells)
            )
        )

    @property
    def hours(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        return f"{hours}\u00a0h\u00a0{minutes:02d}" if minutes else f"{hours}\u00a0h"


class CardMaker:
    """Makes the cards of one page: its words are translated once, not per card."""

    def __init__(self, *, conflicts: dict[int, list[Conflict]], by_site: bool):
        self.conflicts = conflicts
        self.by_site = by_site
        self.edit_url = reverse("planning:visit_edit", args=[0]).removesuffix("0/")
        self.status_words = {status: escape(status.label) for status in STATUS_ICONS}
        self.conflict_word = escape(_("Conflit :"))
        self.unassigned = escape(_("À pourvoir"))
        self.no_service = escape(_("Intervention"))
        # Many visits share a site or a service: their names are escaped once.
        self.escaped: dict[str, str] = {}

    def _escape(self, text: str) -> str:
        found = self.escaped.get(text)
        if found is None:
            found = self.escaped[text] = escape(text)
        return found

    def card(self, visit: VisitLine) -> str:
        classes = "visit"
        icons = hidden = ""
        if visit.status != Status.PLANNED:
            classes += f" is-{visit.status}"
            icons = f'<i class="bi {STATUS_ICONS[visit.status]}" aria-hidden="true"></i>'
            hidden = f'<span class="visually-hidden">{self.status_words[visit.status]}</span>'
        site = self._escape(visit.site_name)
        title = f"{self._escape(visit.customer_name)} \u00b7 {site}"
        if reasons := " ".join(escape(c.message) for c in self.conflicts.get(visit.pk, ())):
            classes += " has-conflict"
            icons += '<i class="bi bi-exclamation-triangle-fill visit-flag" aria-hidden="true"></i>'
            hidden += f'<span class="visually-hidden">{self.conflict_word} {reasons}</span>'
            title += f" \u2014 {reasons}"
        service = self._escape(visit.service_label) if visit.service_id else self.no_service
        if self.by_site:
            employed = visit.employee_id is not None
            who = self._escape(visit.employee_name) if employed else self.unassigned
            second = f'<span class="visit-who"><i class="chip"></i>{who}</span>'
            color = f' data-color="{escape(visit.employee_color)}"' if employed else ""
            data = f'{color} data-employee="{visit.employee_id or ""}"'
        else:
            second, data = f"<span>{site}</span>", ""
        start, end = visit.local_start, visit.local_end
        times = f"{start.hour:02d}:{start.minute:02d}\u2013{end.hour:02d}:{end.minute:02d}"
        return (
            f'<a class="{classes}" href="{self.edit_url}{visit.pk}/"{data} title="{title}">'
            f'<span class="visit-time">{icons}{times}</span>'
            f"{second}<span>{service}</span>{hidden}</a>"
        )


def _minutes(visit: VisitLine) -> int:
    if visit.status not in (Status.PLANNED, Status.DONE):
        return 0
    return int((visit.end - visit.start).total_seconds() // 60)


def _fill(row: Row, visit: VisitLine, monday: date, maker: CardMaker) -> None:
    index = (visit.local_start.date() - monday).days
    row.cells[index].cards.append(maker.card(visit))
    row.minutes += _minutes(visit)
    row.visits += 1
    if maker.conflicts.get(visit.pk):
        row.conflicts += 1


def employee_rows(
    *,
    visits: list[VisitLine],
    employees: list[Employee],
    monday: date,
    maker: CardMaker,
    unassigned_row: bool,
) -> list[Row]:
    """ "À pourvoir" first (when asked), then one row per employee given, and one per other
    employee having a visit (an inactive one), in the order of their names."""
    days = week_days(monday)
    by_id = {employee.pk: employee for employee in employees}
    for visit in visits:
        if visit.employee_id and visit.employee_id not in by_id:
            by_id[visit.employee_id] = Employee(
                pk=visit.employee_id,
                first_name=visit.employee_first_name,
                last_name=visit.employee_last_name,
                color=visit.employee_color,
            )
    people = sorted(
        by_id.values(),
        key=lambda e: (french_sort_key(e.last_name), french_sort_key(e.first_name), e.pk),
    )
    rows: dict[int | None, Row] = {}
    if unassigned_row:
        rows[UNASSIGNED_ROW] = Row(
            dom_id="row-unassigned", label=_("À pourvoir"), cells=[Cell(day) for day in days]
        )
    for employee in people:
        rows[employee.pk] = Row(
            dom_id=f"row-employee-{employee.pk}",
            label=employee.full_name,
            cells=[Cell(day) for day in days],
            employee_id=employee.pk,
            color=employee.color,
        )
    for visit in visits:
        if (row := rows.get(visit.employee_id)) is not None:
            _fill(row, visit, monday, maker)
    return list(rows.values())


def site_rows(*, visits: list[VisitLine], monday: date, maker: CardMaker) -> list[Row]:
    """One row per site having a visit, by customer then site name."""
    days = week_days(monday)
    rows: dict[int, Row] = {}
    for visit in visits:
        row = rows.get(visit.site_id)
        if row is None:
            row = rows[visit.site_id] = Row(
                dom_id=f"row-site-{visit.site_id}",
                label=visit.site_name,
                detail=visit.customer_name,
                customer_id=visit.customer_id,
                cells=[Cell(day) for day in days],
            )
        _fill(row, visit, monday, maker)
    return sorted(
        rows.values(), key=lambda row: (french_sort_key(row.detail), french_sort_key(row.label))
    )


@dataclass
class WeekGrid:
    rows: list[Row]
    days: list[date]
    visit_count: int
    conflict_count: int


def employee_grid(
    user: AnyUser,
    filters: PlanningFilters,
    monday: date,
    *,
    employees: list[Employee],
    sees_everyone: bool,
    only_rows: Collection[int | None] | None = None,
) -> WeekGrid:
    """The week by employee. Every active employee has a row for those who see every
    customer (somewhere to drop a visit); a sales rep sees the rows of the employees having
    its customers' visits. `only_rows` builds those rows alone (after a move)."""
    visits = week_visits(user, filters, monday, employee_rows=only_rows)
    conflicts = interventions_conflicts(
        visits, viewer=user, complete_between=_complete_week(filters, monday, sees_everyone)
    )
    maker = CardMaker(conflicts=conflicts, by_site=False)
    if filters.unassigned:
        shown: list[Employee] = []
    elif filters.employee_id is not None:
        shown = [e for e in employees if e.pk == filters.employee_id]
    elif sees_everyone:
        shown = employees
    else:
        shown = []  # the employees of the visits come with them
    if only_rows is not None:
        shown = [e for e in shown if e.pk in only_rows]
    unassigned_row = not (filters.employee_id is not None) and (
        only_rows is None or UNASSIGNED_ROW in only_rows
    )
    rows = employee_rows(
        visits=visits, employees=shown, monday=monday, maker=maker, unassigned_row=unassigned_row
    )
    if filters.employee_id is not None and not rows:
        # A rep filtering on an employee who has none of its visits: the row, empty.
        rows = employee_rows(
            visits=[],
            employees=[e for e in employees if e.pk == filters.employee_id],
            monday=monday,
            maker=maker,
            unassigned_row=False,
        )
    return WeekGrid(
        rows=rows,
        days=week_days(monday),
        visit_count=len(visits),
        conflict_count=sum(1 for found in conflicts.values() if found),
    )


def week_counts(
    user: AnyUser, filters: PlanningFilters, monday: date, *, sees_everyone: bool
) -> WeekGrid:
    """The week's numbers of visits and of visits in conflict, without its rows: after a
    move, the header counts the whole week while only the touched rows are redrawn."""
    visits = week_visits(user, filters, monday)
    conflicts = interventions_conflicts(
        visits, viewer=user, complete_between=_complete_week(filters, monday, sees_everyone)
    )
    return WeekGrid(
        rows=[],
        days=[],
        visit_count=len(visits),
        conflict_count=sum(1 for found in conflicts.values() if found),
    )


def _complete_week(
    filters: PlanningFilters, monday: date, sees_everyone: bool
) -> tuple[datetime, datetime] | None:
    """The week's bounds when its visits hold every visit of their employees then (nobody
    hidden, nothing filtered out but whole employees): the conflicts need not read them
    again."""
    if not sees_everyone or filters.narrows_visits:
        return None
    return local_day_bounds(monday, monday + timedelta(days=DAYS - 1))


def site_grid(user: AnyUser, filters: PlanningFilters, monday: date) -> WeekGrid:
    visits = week_visits(user, filters, monday)
    conflicts = interventions_conflicts(visits, viewer=user)
    maker = CardMaker(conflicts=conflicts, by_site=True)
    return WeekGrid(
        rows=site_rows(visits=visits, monday=monday, maker=maker),
        days=week_days(monday),
        visit_count=len(visits),
        conflict_count=sum(1 for found in conflicts.values() if found),
    )
