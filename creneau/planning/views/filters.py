"""The filters of the planning views (employee, customer, site, service, status), read from
the URL so that a filtered week can be shared and bookmarked. Anything that cannot be read,
or that the user may not see, is ignored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from creneau.catalog.models import Service
from creneau.core.params import parse_date_or_none, parse_id
from creneau.customers.models import Customer, Site
from creneau.customers.selectors import AnyUser, customers_visible_to, sites_visible_to
from creneau.planning.models import Employee, Intervention

# The employee filter's value for the visits nobody is assigned to.
UNASSIGNED = "none"
FILTER_NAMES = ("employee", "customer", "site", "service", "status")
# The years the views open on; a date typed outside them shows the current week.
FIRST_YEAR, LAST_YEAR = 1900, 2999


@dataclass
class PlanningFilters:
    employee_id: int | None = None
    unassigned: bool = False
    customer: Customer | None = None
    site: Site | None = None
    service_id: int | None = None
    status: str = ""
    # The filter as read, for the links that must keep it (week navigation, views).
    query: dict[str, str] = field(default_factory=dict)

    @property
    def by_employee(self) -> bool:
        return self.unassigned or self.employee_id is not None

    @property
    def narrows_visits(self) -> bool:
        """Whether some visits of the week may be left out (not only employee rows)."""
        return bool(self.customer or self.site or self.service_id or self.status)

    def apply(self, visits: QuerySet[Intervention]) -> QuerySet[Intervention]:
        if self.unassigned:
            visits = visits.filter(employee__isnull=True)
        elif self.employee_id is not None:
            visits = visits.filter(employee_id=self.employee_id)
        if self.site is not None:
            visits = visits.filter(site_id=self.site.pk)
        elif self.customer is not None:
            visits = visits.filter(site__customer_id=self.customer.pk)
        if self.service_id is not None:
            visits = visits.filter(service_id=self.service_id)
        if self.status:
            visits = visits.filter(status=self.status)
        return visits


def planning_filters(user: AnyUser, params: QueryDict) -> PlanningFilters:
    """The filters of a request (at most two queries: the customer's and the site's name)."""
    filters = PlanningFilters()
    employee = (params.get("employee") or "").strip()
    if employee == UNASSIGNED:
        filters.unassigned = True
    else:
        filters.employee_id = parse_id(employee)
    if customer_id := parse_id(params.get("customer")):
        filters.customer = (
            customers_visible_to(user).only("id", "name", "code").filter(pk=customer_id).first()
        )
    if site_id := parse_id(params.get("site")):
        sites = (
            sites_visible_to(user)
            .select_related("customer")
            .only("id", "name", "customer__id", "customer__name")
        )
        site = sites.filter(pk=site_id).first()
        customer = filters.customer
        if site is not None and (customer is None or site.customer_id == customer.pk):
            filters.site = site
    filters.service_id = parse_id(params.get("service"))
    status = params.get("status") or ""
    filters.status = status if status in Intervention.Status.values else ""
    values = {
        "employee": UNASSIGNED if filters.unassigned else filters.employee_id,
        "customer": filters.customer.pk if filters.customer else None,
        "site": filters.site.pk if filters.site else None,
        "service": filters.service_id,
        "status": filters.status,
    }
    filters.query = {name: str(value) for name, value in values.items() if value}
    return filters


def active_employees() -> list[Employee]:
    """The employees shown as rows and offered in the filter (one query)."""
    return list(
        Employee.objects.filter(is_active=True).only("id", "first_name", "last_name", "color")
    )


def service_choices(selected: int | None) -> list[Service]:
    """The catalogue's active services, and the one filtered on even if withdrawn."""
    condition = Q(is_active=True) | Q(pk=selected) if selected else Q(is_active=True)
    return list(Service.objects.filter(condition).only("id", "label").order_by("label", "id"))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _plannable(day: date | None) -> date:
    # Far enough from date.min and date.max that the previous and next links can be made.
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        return timezone.localdate()
    return day


def week_of(params: QueryDict) -> date:
    """The Monday of the week asked for (`?week=` any day of it), this week by default."""
    return monday_of(_plannable(parse_date_or_none(params.get("week"))))


def month_of(params: QueryDict) -> date:
    """The first day of the month asked for (`?month=YYYY-MM`), this month by default."""
    text = (params.get("month") or "").strip()
    day = parse_date_or_none(f"{text}-01") if len(text) == 7 else None
    return _plannable(day).replace(day=1)
