"""Reads of quotes. Every query starts from customers_visible_to(): a sales rep sees the
quotes of its own customers only, whoever created them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from creneau.catalog.models import ServiceImage
from creneau.core.models import AuditEvent
from creneau.core.params import parse_date_or_none, parse_id
from creneau.core.roles import Role, user_role
from creneau.customers.models import Contact, Customer
from creneau.customers.selectors import AnyUser, customers_visible_to, search_terms
from creneau.quotes.models import OFFERED_STATUSES, Quote, QuoteLine


def user_edits_quotes(user: AnyUser) -> bool:
    """Direction and sales reps write quotes; planning and accounting read them."""
    return user_role(user) in (Role.DIRECTION, Role.SALES)


def quotes_visible_to(user: AnyUser) -> QuerySet[Quote]:
    customers = customers_visible_to(user)
    if not customers.query.where and not customers.query.is_sliced:
        # Every customer is visible (direction, planning, accounting): filtering on all
        # of them would only cost a join on every list and count.
        return Quote.objects.all()
    return Quote.objects.filter(customer__in=customers)


def quote_get(*, user: AnyUser, pk: int) -> Quote:
    """One visible quote with its customer and site, or 404."""
    return get_object_or_404(
        quotes_visible_to(user).select_related("customer", "site", "created_by"),
        pk=parse_id(pk) or 0,  # an id beyond 64 bits would overflow SQLite
    )


def quote_line_get(*, user: AnyUser, pk: int) -> QuoteLine:
    return get_object_or_404(
        QuoteLine.objects.filter(quote__in=quotes_visible_to(user)).select_related(
            "quote", "quote__customer", "quote__site", "vat_rate", "service"
        ),
        pk=parse_id(pk) or 0,
    )


def quote_lines(*, quote: Quote, with_images: bool = False) -> list[QuoteLine]:
    """The lines in order, with what the editor and the PDF show of them. `with_images`
    adds `first_image`, the file name of the first image of each line's service (or None):
    the PDF prints that one, read in the same query."""
    lines = quote.lines.select_related("vat_rate", "service").order_by("position", "id")
    if with_images:
        first = ServiceImage.objects.filter(service=OuterRef("service_id")).order_by(
            "position", "id"
        )
        lines = lines.annotate(first_image=Subquery(first.values("image")[:1]))
    return list(lines)


SORTABLE = {
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "number": ("number", "id"),
    "-number": ("-number", "-id"),
    # The customer's name_key (French order) then id: the order of the
    # customer_name_key_id index, so that the first page walks customers in order instead
    # of sorting every quote.
    "customer": ("customer__name_key", "customer_id", "-date", "-id"),
    "-customer": ("-customer__name_key", "-customer_id", "-date", "-id"),
    "total": ("total_net", "id"),
    "-total": ("-total_net", "-id"),
    "validity": ("validity_date", "id"),
    "-validity": ("-validity_date", "-id"),
}


def _status_filter(status: str, today: date) -> Q:
    """Filter on the status the user sees: an offered quote past its validity has expired."""
    if status == Quote.Status.EXPIRED:
        return Q(status=Quote.Status.EXPIRED) | Q(
            status__in=OFFERED_STATUSES, validity_date__lt=today
        )
    if status in OFFERED_STATUSES:
        return Q(status=status, validity_date__gte=today)
    return Q(status=status)


# Past this many matching customers, the search keeps them in a subquery.
CUSTOMER_IDS_INLINE = 1000


def _text_filter(q: str) -> Q:
    """A quote number containing the text, or a customer matching it (name, code, phone,
    city... as the search box matches). The matching customers' ids are fetched first,
    so that PostgreSQL can OR two index scans (trigram on the number, customer id)."""
    customers = Customer.objects.all()
    for term in search_terms(q):
        customers = customers.filter(search_text__contains=term)
    ids = list(customers.values_list("id", flat=True)[: CUSTOMER_IDS_INLINE + 1])
    matching = (
        Q(customer_id__in=ids) if len(ids) <= CUSTOMER_IDS_INLINE else Q(customer__in=customers)
    )
    return Q(number__icontains=q) | matching


def quotes_filter(*, user: AnyUser, filters: dict[str, Any]) -> QuerySet[Quote]:
    """Visible quotes matching the list's filters (the page, the CSV export and the API).

    filters: status, customer (id), date_from, date_to (ISO dates), q (number, customer
    name or code, site), sort (a key of SORTABLE, newest first by default).
    """
    quotes = quotes_visible_to(user)
    if (status := filters.get("status")) in Quote.Status.values:
        quotes = quotes.filter(_status_filter(status, timezone.localdate()))
    if customer := parse_id(filters.get("customer")):
        quotes = quotes.filter(customer_id=customer)
    if date_from := parse_date_or_none(filters.get("date_from")):
        quotes = quotes.filter(date__gte=date_from)
    if date_to := parse_date_or_none(filters.get("date_to")):
        quotes = quotes.filter(date__lte=date_to)
    if q := (filters.get("q") or "").strip():
        quotes = quotes.filter(_text_filter(q))
    order = SORTABLE.get(filters.get("sort") or "-date", SORTABLE["-date"])
    return quotes.select_related("customer", "site").order_by(*order)


def quotes_of_customer(*, customer: Customer) -> QuerySet[Quote]:
    return customer.quotes.select_related("site").order_by("-date", "-id")


def quote_history(*, quote: Quote) -> QuerySet[AuditEvent]:
    """What happened to the quote (created, finalised, sent to whom, accepted...)."""
    return (
        AuditEvent.objects.filter(
            customer_id=quote.customer_id, object_type="quote", object_id=str(quote.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def quote_recipient_choices(*, quote: Quote) -> list[tuple[str, str]]:
    """The e-mails the user may pick to send a quote to: the customer's, then its contacts'
    (those of the quote's site first)."""
    choices: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(email: str, label: str) -> None:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            choices.append((email, label))

    add(quote.customer.email, f"{quote.customer.name} <{quote.customer.email}>")
    contacts = Contact.objects.filter(customer=quote.customer).exclude(email="")
    contacts = sorted(contacts, key=lambda c: (c.site_id != quote.site_id, c.name.lower()))
    for contact in contacts:
        role = contact.get_role_display()
        add(contact.email, f"{contact.name} ({role}) <{contact.email}>")
    return choices
