"""Reads of customer data. Every query of customer data starts from customers_visible_to()."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import connections
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Collate, Concat, Left
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.module_loading import import_string

from creneau.core.collation import french_collate, name_key
from creneau.core.models import AuditEvent
from creneau.core.roles import Role, user_role, user_sees_all_customers
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.customers.models import Contact, Customer, Family, InvoiceRecipient, Site

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
    one term of digits, French international prefix turned national (+33 (0)6... too), so
    that a phone matches however it was typed.
    """
    # What a search box reads (core.text): a query of a thousand words would make a
    # condition too deep for SQLite, and no one types one.
    query = (query or "").strip()[:SEARCH_MAX_LENGTH]
    if PHONE_LIKE.match(query) and sum(char.isdigit() for char in query) >= 4:
        digits = re.sub(r"\D", "", query)
        if query.lstrip().startswith("+33") or digits.startswith("0033"):
            # "+33 (0)6 12..." repeats the national 0 after the country code.
            digits = "0" + digits.removeprefix("00").removeprefix("33").removeprefix("0")
        return [digits]
    return [term for term in normalise_search_text(query).split(" ") if term]


def customer_name_key(name: str) -> str:
    """Customer.name_key for a name: unaccented, case-folded, within the column's length
    (decomposing may lengthen a name: "œ" gives "oe")."""
    return name_key(name)[: Customer._meta.get_field("name_key").max_length]


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


# Trigram indexes need words of three characters or more. A query made only of shorter
# words ("du", "le g") is someone starting to type a name: it matches the customers whose
# name begins with it, through an index on the start of search_text (which begins with the
# name), in the byte order of the "C" collation so that the same index also serves the
# sort: a page is read in index order. NAME_PREFIX_LENGTH is what the index covers
# (migration 0003).
TRIGRAM_LENGTH = 3
NAME_PREFIX_LENGTH = 32


def name_prefix(using: str) -> Collate:
    """The start of search_text (the name without accents nor capitals), in byte order."""
    collation = "C" if connections[using].vendor == "postgresql" else "BINARY"
    return Collate(Left("search_text", NAME_PREFIX_LENGTH), collation)


def search_is_name_prefix(terms: list[str]) -> bool:
    return bool(terms) and all(len(term) < TRIGRAM_LENGTH for term in terms)


# A complete e-mail address. Its domain's trigrams (example.com, gmail.com, orange.fr) are in
# most other addresses, which makes the trigram index slow for it: it is looked up in the
# e-mail column instead (index customer_email_ci).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
# Five digits are a postcode: matched at the start of a word, not inside a phone number.
# "30000" inside any word has two trigrams ("300", "000") found in 17% of customers; at
# a word's start it has two more (" 30", "  3") and the index finds the postcode at once.
POSTCODE = re.compile(r"^\d{5}$")


def customers_search(customers: QuerySet[Customer], terms: list[str]) -> QuerySet[Customer]:
    """Customers whose search_text holds every term (see search_terms).

    Shortcuts, for speed on a large base: a query of words under three letters matches
    the start of the name; a complete e-mail address matches the e-mail; five digits match
    a word that starts with them (a postcode).
    """
    if search_is_name_prefix(terms):
        prefix = " ".join(terms)[:NAME_PREFIX_LENGTH]
        return customers.alias(search_prefix=name_prefix(customers.db)).filter(
            search_prefix__startswith=prefix
        )
    for term in terms:
        if EMAIL.match(term):
            customers = customers.filter(email__iexact=term)
        elif POSTCODE.match(term):
            customers = customers.filter(search_text__contains=f" {term}")
        else:
            customers = customers.filter(search_text__contains=term)
    return customers


# Up to this many matches the list's count is exact; beyond, it is PostgreSQL's estimate.
# Up to this many too, a text search sorted by name reads all its matches and sorts them.
EXACT_COUNT_LIMIT = 1000


class CustomerListQuerySet(QuerySet):
    """What customers_filter returns: a QuerySet that stays fast on a large base.

    Two things differ from a plain QuerySet, on PostgreSQL only:

    - count() counts exactly up to EXACT_COUNT_LIMIT and, beyond, returns the planner's
      estimate of the number of rows (never less than EXACT_COUNT_LIMIT + 1); or, when
      `estimates` is off (a balance filter: the planner's guess of the overdue customers
      was 7 times the truth), EXACT_COUNT_LIMIT + 1 itself, "plus de 1 000"
      (count_above). Counting the
      30,000 matches of "mar" means reading 30,000 rows, slower than the page itself, and
      nobody pages through a thousand customers: they refine the search. The paginator of
      the list page and the API's "count" both call count().
    - A page of a text search sorted by name: PostgreSQL walks the name index until it has
      25 matches, assuming matches are spread evenly along the names. For a name ("roux",
      "sch") they are not: it reads every name from A to R first. When the search matches
      at most EXACT_COUNT_LIMIT customers (known from the count the paginator made first),
      the page is read through the search index and sorted instead: same rows, same order.
      A list restricted to one sales rep is not: its walk stops at the end of the
      portfolio. (A search by the start of the name walks its own index: see name_prefix.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whether a name-sorted page of few matches is read through the search index and
        # sorted (set by customers_filter for text searches over every customer).
        self.sort_few_matches = False
        # Shared by this queryset's clones (the paginator counts one, fetches a slice of
        # it), keyed by the SQL of the matching rows.
        self.match_counts: dict[tuple, int] = {}
        # Whether a count beyond EXACT_COUNT_LIMIT is the planner's estimate (else a bound).
        self.estimates = True

    def _clone(self) -> CustomerListQuerySet:
        clone = super()._clone()
        clone.sort_few_matches = self.sort_few_matches
        clone.match_counts = self.match_counts
        clone.estimates = self.estimates
        return clone

    def _matching_ids(self) -> QuerySet:
        query = self.query.chain()
        query.clear_limits()
        query.clear_ordering(force=True)
        return QuerySet(model=self.model, query=query, using=self.db).values("pk")

    def _plain(self) -> bool:
        """Nothing to gain: not PostgreSQL, already fetched, or known to be empty."""
        return (
            self._result_cache is not None
            or connections[self.db].vendor != "postgresql"
            or self.query.is_empty()
        )

    def count(self) -> int:
        if self._plain():
            return super().count()
        ids = self._matching_ids()
        key = _sql_key(ids)
        if key not in self.match_counts:
            exact = ids[: EXACT_COUNT_LIMIT + 1].count()
            if exact > EXACT_COUNT_LIMIT and self.estimates:
                exact = max(exact, planner_row_estimate(ids))
            self.match_counts[key] = exact
        return self.match_counts[key]

    def count_above(self) -> int | None:
        """EXACT_COUNT_LIMIT when count() only says "more than that" (the page shows "plus de
        1 000 clients"), else None: count() is how many."""
        if self.estimates or self._plain() or self.count() <= EXACT_COUNT_LIMIT:
            return None
        return EXACT_COUNT_LIMIT

    def _fetch_all(self) -> None:
        if not self._plain() and self._sorts_its_matches():
            self.query = self.query.chain()
            self.query.order_by = tuple(_name_order_unindexed(self.query.order_by))
        super()._fetch_all()

    def _sorts_its_matches(self) -> bool:
        """A text search sorted by name, with few matches."""
        if not self.sort_few_matches:
            return False
        if not self.query.order_by or self.query.order_by[0] not in NAME_ORDERS:
            return False
        return self.count() <= EXACT_COUNT_LIMIT


def _sql_key(queryset: QuerySet) -> tuple:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return (sql, *map(str, params))


def _name_order_unindexed(ordering: tuple) -> list:
    """The same order by name, written so that no index serves it (name_key || '')."""
    rewritten = []
    for field_name in ordering:
        if field_name in NAME_ORDERS:
            expression = Concat("name_key", Value(""), output_field=CharField())
            field_name = expression.desc() if field_name.startswith("-") else expression.asc()
        rewritten.append(field_name)
    return rewritten


def planner_row_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows `queryset` returns (EXPLAIN, no execution)."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# By name is by name_key: the French order (capitals and accents aside), through an index.
SORTABLE = {
    "name": ("name_key", "id"),
    "-name": ("-name_key", "-id"),
    "code": ("code",),
    "-code": ("-code",),
    "city": ("city", "name_key", "id"),
    "-city": ("-city", "name_key", "id"),
    "postcode": ("postcode", "name_key", "id"),
    "-postcode": ("-postcode", "name_key", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


NAME_ORDERS = ("name_key", "-name_key")


def list_order(sort: str, terms: list[str]) -> tuple[str, ...]:
    order = SORTABLE.get(sort, SORTABLE["name"])
    if search_is_name_prefix(terms) and order[0] in NAME_ORDERS:
        # By the name's start in its index's order (accents and capitals aside), then name.
        return ("-search_prefix" if order[0] == "-name_key" else "search_prefix", *order)
    return order


# The balance filters ("avec un solde", "en retard", "en retard de plus de N jours").
BALANCE_DUE = "due"
BALANCE_OVERDUE = "overdue"
OVERDUE_DAYS_MAX = 3650


def user_sees_invoices(user: AnyUser) -> bool:
    """billing.rules.user_sees_invoices, read at call time: customers does not import
    billing (billing is above it)."""
    return import_string("creneau.billing.rules.user_sees_invoices")(user)


def balance_filter(balance: str, overdue_days: int | None) -> Exists | Q:
    """Customers with an issued document still due; overdue: an invoice (not a credit note)
    past its due date, by more than overdue_days days when given; Q() (no filter) for
    other values. Built on the reverse relation `invoices`, so customers never imports
    billing's models."""
    if overdue_days is not None and not 1 <= overdue_days <= OVERDUE_DAYS_MAX:
        overdue_days = None
    if balance not in (BALANCE_DUE, BALANCE_OVERDUE) and overdue_days is None:
        return Q()
    invoice = Customer._meta.get_field("invoices").related_model
    due = invoice.objects.filter(customer=OuterRef("pk"), amount_due__gt=0).exclude(status="draft")
    if balance == BALANCE_OVERDUE or overdue_days is not None:
        before = timezone.localdate() - timedelta(days=overdue_days or 0)
        due = due.filter(kind="invoice", due_date__lt=before)
    return Exists(due)


def customers_filter(*, user: AnyUser, filters: dict[str, Any]) -> QuerySet[Customer]:
    """Visible customers matching the list's filters (the page, the CSV export and the API).

    filters: q (free text), family (id), sales_rep (id, or "none"), kind, city, active
    ("1", "0" or "" for all; active only by default), balance ("due", "overdue"),
    overdue_days (1 to 3650: overdue by more than that; ignored out of range; the balance
    filters only for users who see invoices), sort (a key of SORTABLE).
    Its count() is exact up to EXACT_COUNT_LIMIT matches, and with a balance filter stops
    at EXACT_COUNT_LIMIT + 1 (see CustomerListQuerySet).
    """
    terms = search_terms(filters.get("q") or "")
    customers = customers_search(customers_visible_to(user), terms)
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
    balance = filters.get("balance") or ""
    overdue_days = filters.get("overdue_days")
    by_balance = Q()
    if (balance or overdue_days) and user_sees_invoices(user):
        by_balance = balance_filter(balance, _int_or_none(overdue_days))
        customers = customers.filter(by_balance)
    order = list_order(filters.get("sort") or "name", terms)
    customers = customers.select_related("family", "sales_rep").order_by(*order)
    listed = CustomerListQuerySet(model=Customer, query=customers.query.chain(), using=customers.db)
    # Restricted to one rep, the walk along the name is bounded by the portfolio (index
    # customer_rep_name_key) and beats sorting; over every customer, it is not.
    listed.sort_few_matches = bool(terms) and user_sees_all_customers(user) and not sales_rep
    # The planner misjudges the customers with invoices due (it reads all invoices'
    # statistics, mostly paid ones): with a balance filter, no estimate (docs/payments.md).
    listed.estimates = by_balance == Q()
    return listed


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def customer_duplicates(
    *, user: AnyUser, name: str = "", postcode: str = "", email: str = "", phones: list[str] = ()
) -> QuerySet[Customer]:
    """Visible customers that look like the one about to be created: same e-mail, same phone
    (mobile or landline), or same name in the same postcode, accents, capitals and extra
    spaces aside (name_key)."""
    match = Q()
    if email:
        match |= Q(email__iexact=email)
    for number in (phone for phone in phones if phone):
        match |= Q(phone=number) | Q(mobile=number)
    if customer_name_key(name) and postcode:
        match |= Q(name_key=customer_name_key(name), postcode=postcode.strip())
    if not match:
        return Customer.objects.none()
    return customers_visible_to(user).filter(match).select_related("sales_rep")[:10]


class CustomerDuplicateFinder:
    """customer_duplicates' rule for many candidates at once (an import of thousands of
    customers): the visible customers' e-mails, phones and name keys by postcode are read
    once, then each candidate is matched in memory. Gives the first match's id."""

    def __init__(self, *, user: AnyUser | None) -> None:
        """`user` None (a command run by the host): every customer."""
        self.by_email: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.by_name: dict[tuple[str, str], int] = {}
        visible = Customer.objects.all() if user is None else customers_visible_to(user)
        rows = visible.values_list("id", "email", "phone", "mobile", "name_key", "postcode")
        for pk, email, phone, mobile, key, postcode in rows.order_by("id").iterator(5000):
            if email:
                self.by_email.setdefault(email.lower(), pk)
            for number in (phone, mobile):
                if number:
                    self.by_phone.setdefault(number, pk)
            if key and postcode:
                self.by_name.setdefault((key, postcode), pk)

    def match(
        self, *, name: str = "", postcode: str = "", email: str = "", phones: list[str] = ()
    ) -> int | None:
        if email and email.lower() in self.by_email:
            return self.by_email[email.lower()]
        for number in (phone for phone in phones if phone):
            if number in self.by_phone:
                return self.by_phone[number]
        key = customer_name_key(name)
        if key and postcode:
            return self.by_name.get((key, postcode.strip()))
        return None


def customer_history(*, customer: Customer) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(customer_id=customer.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def families_list() -> QuerySet[Family]:
    return Family.objects.order_by(french_collate("name"), "id")


def families_with_customer_counts() -> QuerySet[Family]:
    """Families with their number of customers (all of them: only direction manages families)."""
    return Family.objects.annotate(customers_count=Count("customer")).order_by(
        french_collate("name"), "id"
    )


def sales_reps() -> QuerySet[User]:
    """Active staff users who may own a portfolio (sales reps and direction)."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.SALES, Role.DIRECTION])
        .distinct()
        .order_by(french_collate("first_name"), french_collate("last_name"), "username")
    )


def invoice_recipients_of(*, customer: Customer) -> QuerySet[InvoiceRecipient]:
    """A customer's invoice recipients by billing group (the caller has checked that the
    user sees the customer)."""
    return (
        InvoiceRecipient.objects.filter(customer=customer)
        .select_related("contact")
        .order_by("billing_group", "id")
    )
