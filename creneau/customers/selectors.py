"""Reads of customer data. Every query of customer data starts from customers_visible_to()."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from creneau.core.models import AuditEvent
from creneau.core.roles import Role, user_role, user_sees_all_customers
from creneau.customers.models import Contact, Customer, Family, Site

AnyUser = AbstractBaseUser | AnonymousUser


def customers_visible_to(user: AnyUser) -> QuerySet[Customer]:
    """The visibility rule: direction, planning and accounting see every customer; a sales
    rep sees only the customers whose sales rep it is; anybody else sees none."""
    if user_sees_all_customers(user):
        return Customer.objects.all()
    if user_role(user) == Role.SALES:
        return Customer.objects.filter(sales_rep=user)
    return Customer.objects.none()


def customer_get(*, user: AnyUser, pk: int) -> Customer:
    """One visible customer, or 404 (never 403: another rep's customer does not exist here)."""
    return get_object_or_404(
        customers_visible_to(user).select_related("family", "sales_rep"), pk=pk
    )


def sites_visible_to(user: AnyUser) -> QuerySet[Site]:
    return Site.objects.filter(customer__in=customers_visible_to(user))


def contacts_visible_to(user: AnyUser) -> QuerySet[Contact]:
    return Contact.objects.filter(customer__in=customers_visible_to(user))


def normalise_search_text(text: str) -> str:
    """Lower case, accents removed, runs of spaces folded: how search_text and queries compare."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", text.lower()).strip()


PHONE_LIKE = re.compile(r"^[\d\s.\-+()]+$")


def search_terms(query: str) -> list[str]:
    """Split a typed query into terms that must all appear in search_text.

    A query made only of digits and phone punctuation ("06 12 34 56 78", "+33 6...") is
    one term of digits, French international prefix turned national, so that a phone
    matches however it was typed.
    """
    query = (query or "").strip()
    if PHONE_LIKE.match(query) and sum(char.isdigit() for char in query) >= 4:
        digits = re.sub(r"\D", "", query)
        if query.lstrip().startswith("+33") or digits.startswith("0033"):
            digits = "0" + digits.removeprefix("00").removeprefix("33")
        return [digits]
    return [term for term in normalise_search_text(query).split(" ") if term]


def customer_search_text(customer: Customer, sites: list[Site] | None = None) -> str:
    """The text the search box matches for one customer (see Customer.search_text)."""
    if sites is None:
        sites = list(customer.sites.all()) if customer.pk else []
    parts: list[str] = [customer.name, customer.code, customer.email, *customer.address_lines]
    for number in (customer.phone, customer.mobile):
        if number:
            digits = re.sub(r"\D", "", number)
            parts.append("0" + digits[2:] if number.startswith("+33") else digits)
    for site in sites:
        parts.extend([site.name, site.street, site.postcode, site.city])
    return normalise_search_text(" ".join(part for part in parts if part))


SORTABLE = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "code": ("code",),
    "-code": ("-code",),
    "city": ("city", "name", "id"),
    "-city": ("-city", "name", "id"),
    "postcode": ("postcode", "name", "id"),
    "-postcode": ("-postcode", "name", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


def customers_filter(*, user: AnyUser, filters: dict[str, Any]) -> QuerySet[Customer]:
    """Visible customers matching the list's filters (the page, the CSV export and the API).

    filters: q (free text), family (id), sales_rep (id, or "none"), kind, city, active
    ("1", "0" or "" for all; active only by default), sort (a key of SORTABLE).
    """
    customers = customers_visible_to(user)
    for term in search_terms(filters.get("q") or ""):
        customers = customers.filter(search_text__contains=term)
    if family := filters.get("family"):
        customers = customers.filter(family_id=family)
    sales_rep = filters.get("sales_rep")
    if sales_rep == "none":
        customers = customers.filter(sales_rep__isnull=True)
    elif sales_rep:
        customers = customers.filter(sales_rep_id=sales_rep)
    if kind := filters.get("kind"):
        customers = customers.filter(kind=kind)
    if city := (filters.get("city") or "").strip():
        customers = customers.filter(city__iexact=city)
    active = filters.get("active", "1")
    if active in ("1", True):
        customers = customers.filter(is_active=True)
    elif active in ("0", False):
        customers = customers.filter(is_active=False)
    order = SORTABLE.get(filters.get("sort") or "name", SORTABLE["name"])
    return customers.select_related("family", "sales_rep").order_by(*order)


def customer_duplicates(
    *, user: AnyUser, name: str = "", postcode: str = "", email: str = "", phones: list[str] = ()
) -> QuerySet[Customer]:
    """Visible customers that look like the one about to be created: same e-mail, same phone
    (mobile or landline), or same name in the same postcode."""
    match = Q()
    if email:
        match |= Q(email__iexact=email)
    for number in (phone for phone in phones if phone):
        match |= Q(phone=number) | Q(mobile=number)
    if name and postcode:
        match |= Q(name__iexact=name.strip(), postcode=postcode.strip())
    if not match:
        return Customer.objects.none()
    return customers_visible_to(user).filter(match).select_related("sales_rep")[:10]


def customer_history(*, customer: Customer) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(customer_id=customer.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def families_list() -> QuerySet[Family]:
    return Family.objects.order_by("name")


def families_with_customer_counts() -> QuerySet[Family]:
    """Families with their number of customers (all of them: only direction manages families)."""
    return Family.objects.annotate(customers_count=Count("customer")).order_by("name")


def sales_reps() -> QuerySet[User]:
    """Active staff users who may own a portfolio (sales reps and direction)."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.SALES, Role.DIRECTION])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
