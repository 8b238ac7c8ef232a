"""Reads of payments and balances, all derived from invoices, credit notes, payments and
allocations (nobody types a balance)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.customers.models import Customer
from creneau.customers.selectors import AnyUser, customers_visible_to
from creneau.payments.models import Payment, PaymentAllocation, Refund

ZERO = Decimal("0.00")
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
    to an invoice nor refunded (its credit)."""

    balance: Decimal
    overdue: Decimal
    credit: Decimal


def customer_balance(customer: Customer, *, today=None) -> Balance:
    """Two queries, whatever the number of documents: the record's header shows it."""
    today = today or timezone.localdate()
    invoice = Q(kind=Invoice.Kind.INVOICE)
    documents = (
        Invoice.objects.filter(customer=customer)
        .exclude(status=Invoice.Status.DRAFT)
        .aggregate(
            invoiced=Sum("total_gross", filter=invoice),
            credited=Sum("total_gross", filter=Q(kind=Invoice.Kind.CREDIT_NOTE)),
            overdue=Sum("amount_due", filter=invoice & Q(due_date__lt=today, amount_due__gt=0)),
        )
    )

    def total(queryset: QuerySet, field: str) -> Subquery:
        summed = queryset.values("customer_id").annotate(total=Sum(field)).values("total")
        return Subquery(summed)

    money = (
        Customer.objects.filter(pk=customer.pk)
        .annotate(
            paid=total(Payment.objects.filter(ACTIVE, customer=OuterRef("pk")), "amount"),
            allocated=total(
                active_allocations()
                .filter(payment__customer=OuterRef("pk"))
                .annotate(customer_id=F("payment__customer_id")),
                "amount",
            ),
            refunded=total(Refund.objects.filter(customer=OuterRef("pk")), "amount"),
            refunded_of_active=total(
                Refund.objects.filter(
                    customer=OuterRef("pk"),
                    payment__reversal_of__isnull=True,
                    payment__reversal__isnull=True,
                ),
                "amount",
            ),
        )
        .values("paid", "allocated", "refunded", "refunded_of_active")
        .get()
    )
    invoiced, credited = documents["invoiced"] or ZERO, documents["credited"] or ZERO
    paid, allocated, refunded, refunded_of_active = (
        money[name] or ZERO for name in ("paid", "allocated", "refunded", "refunded_of_active")
    )
    # Every refund is money paid back, and so owed again; only those of active payments
    # spent a credit that still counts (a reversed payment has none left).
    return Balance(
        balance=invoiced - credited - paid + refunded,
        overdue=documents["overdue"] or ZERO,
        credit=paid - allocated - refunded_of_active,
    )


def invoice_payments(invoice: Invoice) -> list[dict]:
    """The payments allocated to an invoice, reversed ones too (flagged): for the invoice's
    API (billing reads it through billing.services.invoice_payments_register)."""
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
