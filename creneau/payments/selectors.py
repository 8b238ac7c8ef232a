"""Reads of payments and balances, all derived from invoices, credit notes, payments and
allocations (nobody types a balance)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.customers.models import Customer
from creneau.customers.selectors import AnyUser, customers_visible_to
from creneau.payments.models import Payment, PaymentAllocation, Refund

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=16, decimal_places=2)
# A payment counts unless it is a reversal or has been reversed.
ACTIVE = Q(reversal_of__isnull=True, reversal__isnull=True)


def payments_visible_to(user: AnyUser) -> QuerySet[Payment]:
    customers = customers_visible_to(user)
    if not customers.query.where and not customers.query.is_sliced:
        return Payment.objects.all()
    return Payment.objects.filter(customer__in=customers)


def active_allocations() -> QuerySet[PaymentAllocation]:
    return PaymentAllocation.objects.filter(
        payment__reversal_of__isnull=True, payment__reversal__isnull=True
    )


def invoice_paid_amount(invoice: Invoice) -> Decimal:
    """What the customer's payments settle of an invoice (reversed payments left out)."""
    total = active_allocations().filter(invoice=invoice).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def _sum(queryset: QuerySet, field: str) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO


@dataclass(frozen=True)
class Balance:
    """A customer's account: what it owes (invoices less credit notes and payments, plus
    what was refunded to it), what of it is past due, and the payments neither allocated
    to an invoice nor refunded (its credit).

    `billed` (invoices less credit notes, incl. VAT) and `amount_due` (the sum of the
    documents' amounts due) come from the same read, for the record's tab."""

    balance: Decimal
    overdue: Decimal
    credit: Decimal
    billed: Decimal = ZERO
    amount_due: Decimal = ZERO


def _cents(amount: Decimal) -> Decimal:
    """SQLite sums decimals as floats: a sum of signed amounts may come back as -9E-15."""
    return Decimal(amount).quantize(CENT)


def _money(expression) -> Coalesce:
    return Coalesce(expression, Value(ZERO), output_field=MONEY)


def customer_balance(customer: Customer, *, today=None) -> Balance:
    """Four aggregates, each over one customer's rows of one table (read from covering
    indexes on PostgreSQL), however many invoices and payments: no join over them.

    - A reversal has its payment's amount: the active payments' total is the payments'
      total less twice the reversed ones, i.e. every payment counted, reversals negative.
    - The active allocations are the customer's allocations less those of its reversed
      payments, found through its reversals (few)."""
    today = today or timezone.localdate()
    invoice = Invoice.Kind.INVOICE
    documents = (
        Invoice.objects.filter(customer=customer)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by()
        .aggregate(
            billed=_money(
                Sum(Case(When(kind=invoice, then=F("total_gross")), default=-F("total_gross")))
            ),
            due=_money(Sum("amount_due")),
            overdue=_money(
                Sum("amount_due", filter=Q(kind=invoice, due_date__lt=today, amount_due__gt=0))
            ),
        )
    )
    paid = Payment.objects.filter(customer=customer).aggregate(
        total=_money(
            Sum(Case(When(reversal_of__isnull=True, then=F("amount")), default=-F("amount")))
        )
    )["total"]
    reversed_payments = Payment.objects.filter(customer=customer, reversal_of__isnull=False).values(
        "reversal_of_id"
    )
    allocations = PaymentAllocation.objects.filter(customer=customer).aggregate(
        every=_money(Sum("amount")),
        reversed=_money(Sum("amount", filter=Q(payment_id__in=reversed_payments))),
    )
    # Every refund is money paid back, and so owed again; only those of active payments
    # spent a credit that still counts (a reversed payment has none left).
    refunds = Refund.objects.filter(customer=customer).aggregate(
        every=_money(Sum("amount")),
        of_reversed=_money(Sum("amount", filter=Q(payment_id__in=reversed_payments))),
    )
    billed, paid = _cents(documents["billed"]), _cents(paid)
    allocated = _cents(allocations["every"]) - _cents(allocations["reversed"])
    refunded = _cents(refunds["every"])
    refunded_of_active = refunded - _cents(refunds["of_reversed"])
    return Balance(
        balance=billed - paid + refunded,
        overdue=_cents(documents["overdue"]),
        credit=paid - allocated - refunded_of_active,
        billed=billed,
        amount_due=_cents(documents["due"]),
    )


def customers_credit(customers: QuerySet) -> dict[int, Decimal]:
    """The unallocated credit of each customer of `customers` (a queryset of their ids)
    that has some: its active payments, less their allocations and refunds. Three grouped
    queries, for the dunning's preview of thousands of customers."""

    def by_customer(queryset: QuerySet) -> dict[int, Decimal]:
        rows = queryset.order_by().values("customer_id").annotate(total=Sum("amount"))
        return {row["customer_id"]: row["total"] or ZERO for row in rows}

    paid = by_customer(Payment.objects.filter(ACTIVE, customer_id__in=customers))
    allocated = by_customer(active_allocations().filter(customer_id__in=customers))
    refunded = by_customer(
        Refund.objects.filter(
            customer_id__in=customers,
            payment__reversal_of__isnull=True,
            payment__reversal__isnull=True,
        )
    )
    credits = {
        customer: _cents(amount - allocated.get(customer, ZERO) - refunded.get(customer, ZERO))
        for customer, amount in paid.items()
    }
    return {customer: credit for customer, credit in credits.items() if credit > 0}


def invoice_payments(invoice: Invoice) -> list[dict]:
    """The payments allocated to an invoice, reversed ones too (flagged): for the invoice's
    API (billing reads it through billing.settlement.payments_hooks_register)."""
    allocations = (
        PaymentAllocation.objects.filter(invoice=invoice)
        .select_related("payment__reversal")
        .order_by("payment__date", "payment_id", "id")
    )
    return [
        {
            "payment_id": allocation.payment_id,
            "date": allocation.payment.date,
            "method": allocation.payment.method,
            "amount": allocation.amount,
            "reversed": hasattr(allocation.payment, "reversal"),
        }
        for allocation in allocations
    ]
