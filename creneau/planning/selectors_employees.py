"""Reads of the Intervenants pages and API: the list's filter, the sites offered as
incompatible, the logins an employee may be given, and its calendar address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from creneau.core.roles import Role
from creneau.customers.models import Site
from creneau.customers.selectors import (
    AnyUser,
    normalise_search_text,
    search_terms,
    sites_visible_to,
)
from creneau.planning.models import Employee
from creneau.planning.selectors import employees_visible_to

# The site search answers a few sites at most, and reads a bounded number of rows to find
# them: the office picks among ten, it does not browse five thousand.
SITE_SEARCH_RESULTS = 10
SITE_SEARCH_SCANNED = 400
ACTIVE_FILTER = {"1": True, "0": False}


def _term_condition(term: str) -> Q:
    condition = (
        Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
    )
    if term.isdigit():
        # Phones are stored in E.164 (+33612345678); a national 06 12... is searched
        # without its leading 0.
        digits = term[1:] if term.startswith("0") and len(term) > 1 else term
        condition |= Q(phone__contains=digits) | Q(mobile__contains=digits)
    return condition


def employees_filter(*, user: AnyUser, filters: dict[str, Any]) -> QuerySet[Employee]:
    """The visible employees matching a typed query (names, e-mail, phones) and the
    active filter ("1" active, "0" inactive, anything else both), by name."""
    employees = employees_visible_to(user).select_related("user")
    for term in search_terms(filters.get("q") or ""):
        employees = employees.filter(_term_condition(term))
    active = ACTIVE_FILTER.get(str(filters.get("active", "")))
    if active is not None:
        employees = employees.filter(is_active=active)
    return employees.order_by("last_name", "first_name", "id")


def _site_text(site: Site) -> str:
    customer = site.customer
    parts = [site.name, site.city, site.postcode, customer.name, customer.code]
    return normalise_search_text(" ".join(part for part in parts if part))


def sites_search(
    *, user: AnyUser, query: str, exclude: frozenset[int] | set[int] = frozenset()
) -> list[Site]:
    """Visible active sites whose name, city or customer (name, code) hold every typed
    word, accents and capitals aside. The customers' search text narrows the rows in the
    database (it holds the names of their sites too); each site is then checked itself."""
    terms = search_terms(query)
    if not terms:
        return []
    sites = sites_visible_to(user).filter(is_active=True, customer__is_active=True)
    for term in terms:
        sites = sites.filter(customer__search_text__contains=term)
    found = []
    rows = sites.select_related("customer").order_by("customer__name_key", "name", "id")
    for site in rows[:SITE_SEARCH_SCANNED]:
        text = _site_text(site)
        if site.pk not in exclude and all(term in text for term in terms):
            found.append(site)
            if len(found) == SITE_SEARCH_RESULTS:
                break
    return found


def incompatible_sites_of(*, employee: Employee, user: AnyUser) -> list[Site]:
    """The employee's incompatible sites that the user may see (a sales rep: those of its
    own customers), by customer and name."""
    return list(
        sites_visible_to(user)
        .filter(incompatible_employees=employee)
        .select_related("customer")
        .order_by("customer__name_key", "name", "id")
    )


def logins_available(*, employee: Employee) -> QuerySet[User]:
    """Active staff accounts with the intervenant role that no other employee has."""
    return (
        User.objects.filter(is_active=True, groups__name=Role.EMPLOYEE)
        .filter(Q(employee__isnull=True) | Q(employee=employee))
        .distinct()
        .order_by("username")
    )


def employee_ical_url(request: HttpRequest, employee: Employee) -> str:
    """The absolute address of the employee's calendar feed (the secret is in it); https
    when the site is served over https (SECURE_PROXY_SSL_HEADER behind a proxy)."""
    return request.build_absolute_uri(reverse("planning:ical_feed", args=[employee.ical_token]))
