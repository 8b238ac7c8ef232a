"""API of payments (règlements) and customers' balances: the list (filters, pages), reading
one with its allocations and refunds, recording one (allocated by hand or oldest due
first), allocating or refunding its credit, reversing one, and a customer's balance with
its invoices due. Sales reps read their customers'
payments (404 for the others); direction and accounting record and reverse; planning reads
none (404 everywhere)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from creneau.billing.models import Invoice
from creneau.catalog.api import decimal_text
from creneau.core.api_params import BoundedLimitOffsetPagination, DbId
from creneau.core.api_text import text_of
from creneau.core.schemas import InputSchema, Message, decimal_out, decimal_string
from creneau.customers.selectors import customers_visible_to
from creneau.payments import services
from creneau.payments.models import Payment, PaymentAllocation, PaymentMethod, Refund
from creneau.payments.rules import user_may_record_payments, user_sees_payments
from creneau.payments.selectors import customer_balance, payments_visible_to

router = Router(tags=["payments"])

# `date` is also a field's name: the type under another name where the field has a default.
Day = date

Amount = decimal_out(places=2)
AmountIn = decimal_string(digits=8, places=2, description="Montant en euros, positif.")
MAX_ALLOCATIONS = 500
Method = Literal[*PaymentMethod.values]  # type: ignore[valid-type]

# Answers -------------------------------------------------------------------------------


class AllocationOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str | None
    amount: Amount

    @staticmethod
    def resolve_invoice_number(obj: PaymentAllocation) -> str | None:
        return obj.invoice.number

    @staticmethod
    def resolve_amount(obj: PaymentAllocation) -> str:
        return decimal_text(obj.amount, 2)


class RefundOut(Schema):
    id: int
    date: date
    amount: Amount
    method: str = Field(description=", ".join(Refund.Method.values))
    reference: str
    reason: str
    created_at: datetime

    @staticmethod
    def resolve_amount(obj: Refund) -> str:
        return decimal_text(obj.amount, 2)


class PaymentSummary(Schema):
    id: int
    customer_id: int
    customer_name: str
    date: date
    amount: Amount
    method: str = Field(description=", ".join(PaymentMethod.values))
    reference: str
    cheque_bank: str
    cheque_number: str
    reversal_of_id: int | None = Field(description="Une annulation : le règlement annulé.")
    reversed_by_id: int | None = Field(description="L'annulation de ce règlement, s'il y a lieu.")
    reason: str = Field(description="Le motif d'une annulation.")
    deposit_id: int | None = Field(description="La remise de chèques du règlement.")
    refunds: list[RefundOut] = Field(description="Les remboursements pris sur son avoir.")
    created_at: datetime

    @staticmethod
    def resolve_refunds(obj: Payment) -> list[Refund]:
        return list(obj.refunds.all())  # prefetched, in the model's order

    @staticmethod
    def resolve_customer_name(obj: Payment) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_amount(obj: Payment) -> str:
        return decimal_text(obj.amount, 2)

    @staticmethod
    def resolve_reversed_by_id(obj: Payment) -> int | None:
        reversal = getattr(obj, "reversal", None)
        return reversal.pk if reversal is not None else None


class PaymentOut(PaymentSummary):
    allocations: list[AllocationOut]
    unallocated: Amount = Field(
        description="Ce qui n'est ni affecté à une facture ni remboursé (l'avoir)."
    )

    @staticmethod
    def resolve_allocations(obj: Payment) -> list[PaymentAllocation]:
        return list(obj.allocations.select_related("invoice").order_by("id"))

    @staticmethod
    def resolve_unallocated(obj: Payment) -> str:
        return decimal_text(services.payment_credit(obj), 2)


class InvoiceDueOut(Schema):
    id: int
    number: str | None
    due_date: date | None
    amount_due: Amount

    @staticmethod
    def resolve_amount_due(obj: Invoice) -> str:
        return decimal_text(obj.amount_due, 2)


class BalanceOut(Schema):
    balance: Amount = Field(description="Factures moins avoirs et règlements.")
    overdue: Amount = Field(description="Dont échu.")
    credit: Amount = Field(description="Règlements non affectés.")
    invoices_due: list[InvoiceDueOut]


# Inputs --------------------------------------------------------------------------------


class AllocationIn(InputSchema):
    invoice_id: DbId
    amount: AmountIn


class PaymentIn(InputSchema):
    customer_id: DbId
    date: Day | None = Field(None, description="Par défaut : aujourd'hui ; au plus demain.")
    amount: AmountIn
    method: Method
    reference: text_of(Payment, "reference") = ""
    cheque_bank: text_of(Payment, "cheque_bank") = ""
    cheque_number: text_of(Payment, "cheque_number") = ""
    allocations: list[AllocationIn] | None = Field(
        None,
        max_length=MAX_ALLOCATIONS,
        description="Par défaut : les factures dues les plus anciennes d'abord.",
    )


class ReverseIn(InputSchema):
    # Checked by the service (422 in French when empty), after the payment is found: an
    # invisible payment answers 404 whatever the body.
    reason: text_of(Payment, "reason") = Field("", description="Obligatoire.")


class AllocateIn(InputSchema):
    allocations: list[AllocationIn] | None = Field(
        None,
        max_length=MAX_ALLOCATIONS,
        description="Par défaut : les factures dues les plus anciennes d'abord.",
    )


class RefundIn(InputSchema):
    # Amount and method are checked after the payment is found (422 in French when
    # missing): an invisible payment answers 404 whatever the body.
    amount: AmountIn | None = Field(None, description="Obligatoire ; au plus l'avoir.")
    date: Day | None = Field(None, description="Par défaut : aujourd'hui ; au plus demain.")
    method: Literal["", *Refund.Method.values] = Field(  # type: ignore[valid-type]
        "", description="Obligatoire : " + ", ".join(Refund.Method.values) + "."
    )
    reference: text_of(Refund, "reference") = ""
    reason: text_of(Refund, "reason") = ""


class PaymentFilters(InputSchema):
    customer_id: DbId | None = None
    start: date | None = Field(None, description="Reçus à partir du.")
    end: date | None = Field(None, description="Reçus jusqu'au (inclus).")
    method: Literal["", *PaymentMethod.values] = ""  # type: ignore[valid-type]


# Helpers -------------------------------------------------------------------------------


def _require_reader(request: HttpRequest) -> None:
    if not user_sees_payments(request.user):
        raise Http404


def _require_writer(request: HttpRequest) -> None:
    if not user_may_record_payments(request.user):
        raise HttpError(403, _("Votre rôle ne permet pas de saisir des règlements."))


def _payload(payment_id: int) -> Payment:
    return (
        Payment.objects.select_related("customer", "reversal")
        .prefetch_related("refunds")
        .get(pk=payment_id)
    )


def _allocations_in(items: list[AllocationIn] | None) -> list[dict] | None:
    if items is None:
        return None
    return [{"invoice_id": item.invoice_id, "amount": Decimal(item.amount)} for item in items]


def payments_filter(user, filters: PaymentFilters) -> QuerySet[Payment]:
    payments = payments_visible_to(user)
    if filters.customer_id is not None:
        payments = payments.filter(customer_id=filters.customer_id)
    if filters.start is not None:
        payments = payments.filter(date__gte=filters.start)
    if filters.end is not None:
        payments = payments.filter(date__lte=filters.end)
    if filters.method:
        payments = payments.filter(method=filters.method)
    return (
        payments.select_related("customer", "reversal")
        .prefetch_related("refunds")
        .order_by("-date", "-id")
    )


# Routes --------------------------------------------------------------------------------


@router.get("/payments", response={200: list[PaymentSummary], 404: Message}, summary="Règlements")
@paginate(BoundedLimitOffsetPagination)
def payment_list(request: HttpRequest, filters: Query[PaymentFilters]):
    _require_reader(request)
    return payments_filter(request.user, filters)


@router.post("/payments", response={201: PaymentOut}, summary="Saisir un règlement")
def payment_add(request: HttpRequest, payload: PaymentIn):
    """Affecté aux factures et montants donnés, sinon aux factures dues les plus anciennes
    d'abord ; le reste (`unallocated`) est l'avoir du client. Montant nul ou négatif,
    affectation au-delà du reste dû, facture d'un autre client, affectations supérieures
    au règlement, date de plus d'un jour à l'avance : 422, rien n'est enregistré."""
    _require_reader(request)
    customer = get_object_or_404(customers_visible_to(request.user), pk=payload.customer_id)
    _require_writer(request)
    allocations = _allocations_in(payload.allocations)
    payment = services.payment_create(
        customer=customer,
        by=request.user,
        amount=payload.amount,
        method=payload.method,
        date=payload.date,
        reference=payload.reference,
        cheque_bank=payload.cheque_bank,
        cheque_number=payload.cheque_number,
        allocations=allocations,
    )
    return Status(201, _payload(payment.pk))


@router.get("/payments/{payment_id}", response=PaymentOut, summary="Lire un règlement")
def payment_detail(request: HttpRequest, payment_id: DbId):
    _require_reader(request)
    return _payload(get_object_or_404(payments_visible_to(request.user), pk=payment_id).pk)


@router.post(
    "/payments/{payment_id}/reverse", response={201: PaymentOut}, summary="Annuler un règlement"
)
def payment_reverse(request: HttpRequest, payment_id: DbId, payload: ReverseIn):
    """Une écriture d'annulation, avec son motif (une erreur, un chèque impayé) : les
    factures réglées redeviennent dues. Une annulation, ou un règlement déjà annulé : 422."""
    _require_reader(request)
    payment = get_object_or_404(payments_visible_to(request.user), pk=payment_id)
    _require_writer(request)
    reversal = services.payment_reverse(payment=payment, by=request.user, reason=payload.reason)
    return Status(201, _payload(reversal.pk))


@router.post(
    "/payments/{payment_id}/allocate",
    response=PaymentOut,
    summary="Affecter l'avoir d'un règlement",
)
def payment_allocate(request: HttpRequest, payment_id: DbId, payload: AllocateIn | None = None):
    """Affecte ce qui reste d'un règlement (l'avoir) aux factures et montants donnés, sinon
    aux factures dues les plus anciennes d'abord. Règlement entièrement affecté ou annulé,
    affectation au-delà du reste dû ou de l'avoir, facture d'un autre client : 422."""
    _require_reader(request)
    payment = get_object_or_404(payments_visible_to(request.user), pk=payment_id)
    _require_writer(request)
    allocations = _allocations_in(payload.allocations if payload is not None else None)
    services.payment_allocate(payment=payment, by=request.user, allocations=allocations)
    return _payload(payment.pk)


@router.post(
    "/payments/{payment_id}/refund",
    response={201: PaymentOut},
    summary="Rembourser l'avoir d'un règlement",
)
def payment_refund(request: HttpRequest, payment_id: DbId, payload: RefundIn):
    """Rembourse au client tout ou partie de l'avoir du règlement (ce qui n'est ni affecté
    ni déjà remboursé) ; la réponse est le règlement, avec ses `refunds`. Montant au-delà
    de l'avoir, règlement annulé ou annulation, date de plus d'un jour à l'avance : 422."""
    _require_reader(request)
    payment = get_object_or_404(payments_visible_to(request.user), pk=payment_id)
    _require_writer(request)
    if payload.amount is None:
        raise ValidationError({"amount": _("Indiquez le montant du remboursement.")})
    if not payload.method:
        raise ValidationError({"method": _("Indiquez le mode du remboursement.")})
    services.refund_create(
        payment=payment,
        by=request.user,
        amount=Decimal(payload.amount),
        method=payload.method,
        date=payload.date,
        reference=payload.reference,
        reason=payload.reason,
    )
    return Status(201, _payload(payment.pk))


@router.get("/customers/{customer_id}/balance", response=BalanceOut, summary="Solde d'un client")
def customer_balance_detail(request: HttpRequest, customer_id: DbId):
    """Le solde (factures moins avoirs et règlements), l'échu, l'avoir, et les factures
    restant dues, de la plus ancienne échéance à la plus récente."""
    _require_reader(request)
    customer = get_object_or_404(customers_visible_to(request.user), pk=customer_id)
    balance = customer_balance(customer)
    invoices_due = (
        Invoice.objects.filter(customer=customer, kind=Invoice.Kind.INVOICE, amount_due__gt=0)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("due_date", "id")
    )
    return {
        "balance": decimal_text(balance.balance, 2),
        "overdue": decimal_text(balance.overdue, 2),
        "credit": decimal_text(balance.credit, 2),
        "invoices_due": list(invoices_due),
    }
