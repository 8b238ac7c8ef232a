"""Reads of payments and balances, all derived from invoices, credit notes, payments and
allocations (nobody types a balance)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
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
    today = today or timezone.localdate()
    issued = Invoice.objects.filter(customer=customer).exclude(status=Invoice.Status.DRAFT)
    invoiced = _sum(issued.filter(kind=Invoice.Kind.INVOICE), "total_gross")
    credited = _sum(issued.filter(kind=Invoice.Kind.CREDIT_NOTE), "total_gross")
    payments = Payment.objects.filter(customer=customer).filter(ACTIVE)
    paid = _sum(payments, "amount")
    allocated = _sum(active_allocations().filter(payment__customer=customer), "amount")
    overdue = _sum(
        issued.filter(kind=Invoice.Kind.INVOICE, due_date__lt=today, amount_due__gt=0),
        "amount_due",
    )
    # Every refund is money paid back, and so owed again; only those of active payments
    # spent a credit that still counts (a reversed payment has none left).
    refunds = Refund.objects.filter(customer=customer)
    refunded = _sum(refunds, "amount")
    refunded_of_active = _sum(refunds.filter(payment__in=payments), "amount")
    return Balance(
        balance=invoiced - credited - paid + refunded,
        overdue=overdue,
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
