"""The aged balance (balance âgée): what each customer owes at a date, by how late it is.

An invoice's amount due at `as_of` falls in one bucket by its due date: not yet due (due
on `as_of` or later), then 1 to 30, 31 to 60, 61 to 90 and more than 90 days past due.
The page, its CSV and the API read it here; the database does the sums (one query for a
page, which also counts the customers and sums the buckets over all of them with window
functions), never a loop over invoices in Python. Today's part reads the partial index
invoice_open_due (billing migration 0003) alone.

What was due at a past date, exactly as it was then: an invoice issued by that date, less
its credit notes issued by that date, less the allocations of its payments dated by that
date and not reversed by then (a reversal dated later does not count yet). It is read
from what is due today, corrected for the few invoices something happened to since: a
credit note issued after the date, a payment dated after it, a reversal dated after it.
Those invoices alone are recomputed from their documents, so that a date a month ago
costs little more than today (docs/payments.md, "Balance âgée").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Case, DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from creneau.billing.models import Invoice
from creneau.core.params import parse_id
from creneau.customers.models import Customer
from creneau.customers.selectors import AnyUser, customers_visible_to
from creneau.payments.models import Payment, PaymentAllocation

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=16, decimal_places=2)
OPEN_STATUSES = [Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID]
FIRST_YEAR = 2000  # an as_of before it answers nothing useful and is refused

# The buckets, in order: their keys (the API's and the CSV's columns) and their titles.
# The dashes are typed, not escaped: xgettext would extract "\u2013" as six characters.
BUCKETS: list[tuple[str, Any]] = [
    ("not_due", _("Non échu")),
    ("days_0_30", _("0–30 jours")),  # noqa: RUF001
    ("days_31_60", _("31–60 jours")),  # noqa: RUF001
    ("days_61_90", _("61–90 jours")),  # noqa: RUF001
    ("days_over_90", _("Plus de 90 jours")),
]
BUCKET_KEYS = [key for key, _label in BUCKETS]
SORT_TOTAL, SORT_NAME = "total", "name"
NO_SALES_REP = "none"


def as_of_error(as_of: date) -> str | None:
    """Why a date cannot be asked (in the future: nothing is known of it yet), or None."""
    if as_of > timezone.localdate():
        return gettext("Une balance âgée se lit à aujourd'hui ou à une date passée.")
    if as_of.year < FIRST_YEAR:
        return gettext("Choisissez une date à partir de %(year)s.") % {"year": FIRST_YEAR}
    return None


@dataclass(frozen=True)
class AgedFilters:
    """What the page, the CSV and the API ask: the date and the customers' filters."""

    as_of: date | None = None  # today when None
    family: int | None = None
    sales_rep: int | str | None = None  # an id, or NO_SALES_REP
    kind: str = ""
    sort: str = SORT_TOTAL


@dataclass
class AgedRow:
    """One customer's line, or the totals' line (no customer)."""

    customer_id: int | None
    customer_name: str
    code: str
    amounts: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((self.amounts.get(key, ZERO) for key in BUCKET_KEYS), ZERO)

    @property
    def cells(self) -> list[Decimal]:
        return [self.amounts.get(key, ZERO) for key in BUCKET_KEYS]

    def as_dict(self) -> dict[str, Any]:
        return {**{key: self.amounts.get(key, ZERO) for key in BUCKET_KEYS}, "total": self.total}


def _money(value: Any) -> Decimal:
    # SQLite sums decimals as floats: back to cents (PostgreSQL's numeric is exact already).
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT)


def _customers(user: AnyUser, filters: AgedFilters) -> QuerySet[Customer] | None:
    """The visible customers matching the filters, or None when that is every customer (no
    subquery then: the sums walk the invoices alone)."""
    customers = customers_visible_to(user)
    if filters.family:
        customers = customers.filter(family_id=filters.family)
    if filters.sales_rep == NO_SALES_REP:
        customers = customers.filter(sales_rep__isnull=True)
    elif filters.sales_rep:
        customers = customers.filter(sales_rep_id=filters.sales_rep)
    if filters.kind:
        customers = customers.filter(kind=filters.kind)
    if not customers.query.where and not customers.query.is_sliced:
        return None
    return customers.values("id")


def _of_customers(queryset: QuerySet, customers: QuerySet | None, path: str) -> QuerySet:
    return queryset if customers is None else queryset.filter(**{f"{path}__in": customers})


def _due_now(as_of: date, past: bool, customers: QuerySet | None) -> QuerySet:
    """Each issued invoice with something due today: (customer, due date, amount due)."""
    invoices = Invoice.objects.filter(
        kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES, amount_due__gt=0
    )
    if past:
        invoices = invoices.filter(issue_date__lte=as_of)
    return (
        _of_customers(invoices, customers, "customer")
        .order_by()
        .annotate(aged_customer=F("customer_id"), aged_due_date=F("due_date"))
        .annotate(aged_due=F("amount_due"))
        .values_list("aged_customer", "aged_due_date", "aged_due")
    )


def _touched_since(as_of: date) -> QuerySet:
    """Ids of the invoices something happened to after `as_of`: a credit note issued, a
    payment dated, or a payment reversed (read on the issue date's and payment date's
    indexes, so this is small for a recent date)."""
    credited = (
        Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE, issue_date__gt=as_of)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by()
        .values("credited_invoice_id")
    )
    paid = PaymentAllocation.objects.filter(payment__date__gt=as_of).order_by().values("invoice_id")
    reversed_since = (
        PaymentAllocation.objects.filter(
            payment__in=Payment.objects.filter(date__gt=as_of, reversal_of__isnull=False)
            .order_by()
            .values("reversal_of_id")
        )
        .order_by()
        .values("invoice_id")
    )
    # UNION ALL: the IN around it does not mind duplicates, and no sort removes them.
    return credited.union(paid, reversed_since, all=True)


def _correction(as_of: date, customers: QuerySet | None) -> QuerySet:
    """For each invoice touched since `as_of`: what was due then less what is due now
    (which _due_now counted), computed from its documents dated by `as_of`."""
    credited = (
        Invoice.objects.filter(
            credited_invoice=OuterRef("pk"), kind=Invoice.Kind.CREDIT_NOTE, issue_date__lte=as_of
        )
        .exclude(status=Invoice.Status.DRAFT)
        .order_by()
        .values("credited_invoice")
        .annotate(total=Sum("total_gross"))
        .values("total")
    )
    # A payment dated by as_of counts unless it is a reversal, or its reversal is dated by
    # as_of too.
    reversed_by_then = Payment.objects.filter(reversal_of__isnull=False, date__lte=as_of).values(
        "reversal_of_id"
    )
    paid = (
        PaymentAllocation.objects.filter(
            invoice=OuterRef("pk"), payment__date__lte=as_of, payment__reversal_of__isnull=True
        )
        .exclude(payment__in=reversed_by_then)
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    zero = Value(ZERO, output_field=MONEY)
    invoices = (
        Invoice.objects.filter(
            pk__in=_touched_since(as_of), kind=Invoice.Kind.INVOICE, issue_date__lte=as_of
        )
        .exclude(status=Invoice.Status.DRAFT)
        .order_by()
    )
    return (
        _of_customers(invoices, customers, "customer")
        .annotate(
            due_then=Greatest(
                F("total_gross")
                - Coalesce(Subquery(credited, output_field=MONEY), zero)
                - Coalesce(Subquery(paid, output_field=MONEY), zero),
                zero,
                output_field=MONEY,
            ),
            # What _due_now counted for it (nothing unless still open with an amount due).
            counted_now=Case(
                When(status__in=OPEN_STATUSES, amount_due__gt=0, then=F("amount_due")),
                default=zero,
                output_field=MONEY,
            ),
        )
        .annotate(aged_customer=F("customer_id"), aged_due_date=F("due_date"))
        .annotate(aged_due=F("due_then") - F("counted_now"))
        .values_list("aged_customer", "aged_due_date", "aged_due")
    )


# PostgreSQL's defaults misjudge this query: JIT compilation, which it starts for queries
# it believes large, took 3.8 s of the 5 s of a date a month back over a million invoices;
# and with an index lookup priced at four sequential reads (spinning disks), it scans every
# invoice to join the few thousand touched since the date instead of looking them up
# (bench/aged_balance_bench.py: 1.1 s down to 0.4 s). Both only for this transaction.
PLANNER_SETTINGS = "SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1"


@contextmanager
def _planned() -> Iterator[Any]:
    """A cursor for the aged balance's query, with its planner settings on PostgreSQL."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PLANNER_SETTINGS)
        yield cursor


class AgedBalance:
    """The aged balance of the customers a user sees, at a date, with filters.
    `rows(offset, limit)` (one query, which also counts and sums everything), `totals()`
    (free after a page with lines, else one query), `page(number, per_page)`; and a
    sequence for Django's Paginator (count, then a slice)."""

    def __init__(self, *, user: AnyUser, filters: AgedFilters | None = None) -> None:
        self.filters = filters or AgedFilters()
        self.today = timezone.localdate()
        self.as_of = self.filters.as_of or self.today
        self._totals: tuple[int, AgedRow] | None = None
        self._page: tuple[tuple[int, int | None], list[AgedRow]] | None = None
        customers = _customers(user, self.filters)
        past = self.as_of < self.today
        parts = [_due_now(self.as_of, past, customers)]
        if past:
            parts.append(_correction(self.as_of, customers))
        sqls, params = [], []
        try:
            for part in parts:
                sql, part_params = part.query.sql_with_params()
                sqls.append(sql)
                params.extend(part_params)
        except EmptyResultSet:  # a role that sees no customer: nothing to ask
            self._totals = (0, AgedRow(None, "", "", {}))
            sqls, params = [], []
        self._union_sql = " UNION ALL ".join(sqls)
        self._union_params = params

    # The grouped query: one row per customer with something due, its buckets' sums.
    def _grouped(self) -> tuple[str, list]:
        adapt = connection.ops.adapt_datefield_value
        bounds = [adapt(self.as_of - timedelta(days=days)) for days in (0, 30, 60, 90)]
        cases = [
            "SUM(CASE WHEN r.aged_due_date >= %s THEN r.aged_due ELSE 0 END)",
            "SUM(CASE WHEN r.aged_due_date < %s AND r.aged_due_date >= %s THEN r.aged_due "
            "ELSE 0 END)",
            "SUM(CASE WHEN r.aged_due_date < %s AND r.aged_due_date >= %s THEN r.aged_due "
            "ELSE 0 END)",
            "SUM(CASE WHEN r.aged_due_date < %s AND r.aged_due_date >= %s THEN r.aged_due "
            "ELSE 0 END)",
            "SUM(CASE WHEN r.aged_due_date < %s THEN r.aged_due ELSE 0 END)",
        ]
        case_params = [bounds[0], *bounds[0:2], *bounds[1:3], *bounds[2:4], bounds[3]]
        named = zip(cases, BUCKET_KEYS, strict=True)
        columns = ", ".join(f"{case} AS {key}" for case, key in named)
        # Every amount is in cents and none is negative once summed per customer: a total
        # under a cent is nothing due (and stays so with SQLite's float sums).
        sql = (
            f"SELECT r.aged_customer AS customer_id, {columns}, SUM(r.aged_due) AS total "
            f"FROM ({self._union_sql}) r GROUP BY r.aged_customer HAVING SUM(r.aged_due) >= 0.01"
        )
        return sql, [*case_params, *self._union_params]

    def totals(self) -> tuple[int, AgedRow]:
        """How many customers owe something, and the buckets' totals (cached)."""
        if self._totals is None:
            grouped, params = self._grouped()
            sums = ", ".join(f"SUM(g.{key})" for key in BUCKET_KEYS)
            with _planned() as cursor:
                cursor.execute(f"SELECT COUNT(*), {sums} FROM ({grouped}) g", params)
                count, *amounts = cursor.fetchone()
            self._totals = (count or 0, AgedRow(None, "", "", self._amounts(amounts)))
        return self._totals

    def rows(self, offset: int = 0, limit: int | None = None) -> list[AgedRow]:
        """The customers' lines, the largest total first (or by name), a page of them. The
        same query counts the customers and sums the buckets over all of them (window
        functions): totals() after rows() costs no query while the page has a line."""
        if not self._union_sql:
            return []
        if self._page is not None:
            # Paginator asks the last page up to the count: a shorter slice of it.
            (had_offset, had_limit), had = self._page
            covered = had_limit is None or (limit is not None and limit <= had_limit)
            if had_offset == offset and covered:
                return had[:limit]
        grouped, params = self._grouped()
        customer = Customer._meta.db_table
        if self.filters.sort == SORT_NAME:
            order = "c.name_key, c.id"
        else:
            order = "g.total DESC, c.name_key, c.id"
        sums = ", ".join(f"g.{key}" for key in BUCKET_KEYS)
        overall = ", ".join(f"SUM(g.{key}) OVER ()" for key in BUCKET_KEYS)
        sql = (
            f"SELECT c.id, c.name, c.code, {sums}, COUNT(*) OVER (), {overall} "
            f"FROM ({grouped}) g JOIN {customer} c ON c.id = g.customer_id ORDER BY {order}"
        )
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params = [*params, limit, offset]
        with _planned() as cursor:
            cursor.execute(sql, params)
            result = cursor.fetchall()
        width = len(BUCKET_KEYS)
        rows = [
            AgedRow(line[0], line[1], line[2], self._amounts(line[3 : 3 + width]))
            for line in result
        ]
        if result and self._totals is None:
            count, *amounts = result[0][3 + width :]
            self._totals = (count, AgedRow(None, "", "", self._amounts(amounts)))
        self._page = ((offset, limit), rows)
        return rows

    @staticmethod
    def _amounts(values) -> dict[str, Decimal]:
        return dict(zip(BUCKET_KEYS, map(_money, values), strict=True))

    def page(self, number: Any, per_page: int) -> Page:
        """A page of lines for the page's table, with the count and totals from the same
        query (a second one only for a page past the end, or when nothing is due)."""
        wanted = parse_id(number) or 1
        self.rows(offset=(wanted - 1) * per_page, limit=per_page)
        return Paginator(self, per_page).get_page(wanted)

    # For Django's Paginator: its count, then one slice.
    def count(self) -> int:
        return self.totals()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[AgedRow]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("An aged balance is read a page at a time (a slice).")
        start = index.start or 0
        limit = None if index.stop is None else max(index.stop - start, 0)
        return self.rows(offset=start, limit=limit)

    def __iter__(self) -> Iterator[AgedRow]:
        return iter(self.rows())


def aged_balance(*, user: AnyUser, filters: AgedFilters | None = None) -> AgedBalance:
    """The aged balance of the customers `user` sees (customers_visible_to), filtered."""
    return AgedBalance(user=user, filters=filters)
