"""Writes of payments: record one (allocated to invoices by hand, or oldest due first),
allocate a customer's credit later, and reverse one (a mistake, a bounced cheque).

Locking order, as billing's: the invoices' rows in id order, then the journal's counter.
Two payments allocated at once to one invoice take turns on its row, and the second sees
what the first left due: an invoice is never over-paid.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.billing.journal import journal_append
from creneau.billing.models import Invoice, JournalEntry
from creneau.billing.services import invoice_amounts_refresh
from creneau.core.models import AuditEvent
from creneau.core.services import audit_record
from creneau.core.templatetags.creneau import money
from creneau.customers.models import Customer
from creneau.payments.models import Payment, PaymentAllocation
from creneau.payments.selectors import ZERO, active_allocations

MAX_AMOUNT = Decimal("99999999.99")


def payment_figures(payment: Payment) -> dict[str, Any]:
    """What the journal keeps of a payment or a reversal."""
    return {
        "id": payment.pk,
        "customer_id": payment.customer_id,
        "date": payment.date.isoformat(),
        "amount": f"{payment.amount:.2f}",
        "method": payment.method,
        "reversal_of": payment.reversal_of_id,
        "allocations": [
            [allocation.invoice_id, f"{allocation.amount:.2f}"]
            for allocation in payment.allocations.order_by("id")
        ],
    }


def _check_amount(amount: Decimal) -> Decimal:
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise ValidationError({"amount": _("Montant invalide.")}) from error
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": _("Le montant d'un règlement est positif.")})
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        message = _("Un montant a deux décimales et ne dépasse pas %(max)s.")
        raise ValidationError({"amount": message % {"max": money(MAX_AMOUNT)}})
    return amount


def _check_date(day: date) -> None:
    if day > timezone.localdate() + timedelta(days=1):
        raise ValidationError(
            {"date": _("Un règlement ne peut pas être daté de plus d'un jour à l'avance.")}
        )


def _locked_open_invoices(customer: Customer, invoice_ids: list[int] | None) -> list[Invoice]:
    """The customer's issued invoices with something due, locked in id order."""
    queryset = (
        Invoice.objects.select_for_update()
        .filter(customer=customer, kind=Invoice.Kind.INVOICE)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("id")
    )
    if invoice_ids is not None:
        queryset = queryset.filter(pk__in=invoice_ids)
    return list(queryset)


def _plan(
    customer: Customer, available: Decimal, wanted: list[dict[str, Any]] | None
) -> list[tuple[Invoice, Decimal]]:
    """The allocations to make: the ones asked, checked, or the oldest due first."""
    if wanted is None:
        invoices = [inv for inv in _locked_open_invoices(customer, None) if inv.amount_due > 0]
        invoices.sort(key=lambda invoice: (invoice.due_date, invoice.pk))
        plan, left = [], available
        for invoice in invoices:
            if left <= 0:
                break
            part = min(left, invoice.amount_due)
            plan.append((invoice, part))
            left -= part
        return plan
    ids = [item.get("invoice_id") for item in wanted]
    invoices = {invoice.pk: invoice for invoice in _locked_open_invoices(customer, ids)}
    plan, total = [], ZERO
    for index, item in enumerate(wanted, start=1):
        invoice = invoices.get(item.get("invoice_id"))
        if invoice is None:
            message = _("Ligne %(index)s : ce n'est pas une facture émise de ce client.")
            raise ValidationError({"allocations": message % {"index": index}})
        part = _check_amount(item.get("amount"))
        if part > invoice.amount_due:
            message = _("Ligne %(index)s : il reste %(due)s à régler sur %(number)s.")
            values = {"index": index, "due": money(invoice.amount_due), "number": invoice.number}
            raise ValidationError({"allocations": message % values})
        invoice.amount_due -= part  # the same invoice twice in the list adds up
        plan.append((invoice, part))
        total += part
    if total > available:
        message = _("Les affectations (%(total)s) dépassent le règlement (%(amount)s).")
        values = {"total": money(total), "amount": money(available)}
        raise ValidationError({"allocations": message % values})
    return plan


def _allocate(payment: Payment, plan: list[tuple[Invoice, Decimal]]) -> list[PaymentAllocation]:
    allocations = PaymentAllocation.objects.bulk_create(
        PaymentAllocation(
            payment=payment, invoice=invoice, customer_id=payment.customer_id, amount=part
        )
        for invoice, part in plan
    )
    for invoice in {invoice.pk: invoice for invoice, _part in plan}.values():
        invoice.refresh_from_db(fields=["total_gross", "amount_due", "status"])
        invoice_amounts_refresh(invoice=invoice)
    return allocations


def payment_create(
    *,
    customer: Customer,
    by: User | None,
    amount: Decimal,
    method: str,
    date: date | None = None,
    reference: str = "",
    cheque_bank: str = "",
    cheque_number: str = "",
    allocations: list[dict[str, Any]] | None = None,
) -> Payment:
    """Record a payment and allocate it: to the invoices and amounts given, or to the
    customer's oldest due invoices first. What is not allocated is the customer's credit."""
    payment = Payment(
        customer=customer,
        amount=_check_amount(amount),
        method=method,
        date=date or timezone.localdate(),
        reference=reference,
        cheque_bank=cheque_bank,
        cheque_number=cheque_number,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    payment.full_clean(exclude=["reversal_of"], validate_constraints=False)
    _check_date(payment.date)
    with transaction.atomic():
        plan = _plan(customer, payment.amount, allocations)
        payment.save()
        _allocate(payment, plan)
        journal_append(kind=JournalEntry.Kind.PAYMENT, figures=payment_figures(payment))
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=payment, customer=customer)
    return payment


def payment_credit(payment: Payment) -> Decimal:
    """What of an active payment is not allocated yet."""
    if payment.is_reversal or hasattr(payment, "reversal"):
        return ZERO
    allocated = sum(
        (allocation.amount for allocation in active_allocations().filter(payment=payment)), ZERO
    )
    return payment.amount - allocated


def payment_allocate(
    *, payment: Payment, by: User | None, allocations: list[dict[str, Any]] | None = None
) -> list[PaymentAllocation]:
    """Allocate what is left of a payment (the customer's credit) to invoices."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        left = payment_credit(locked)
        if left <= 0:
            raise ValidationError(_("Ce règlement est entièrement affecté."))
        plan = _plan(locked.customer, left, allocations)
        made = _allocate(locked, plan)
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=locked,
            customer=locked.customer,
            message=_("Affecté : %(amount)s")
            % {"amount": money(sum((a.amount for a in made), ZERO))},
        )
    return made


def payment_reverse(*, payment: Payment, by: User | None, reason: str) -> Payment:
    """Cancel a payment by a reversing entry (a mistake, a bounced cheque): its allocations
    stop counting and its invoices are due again."""
    reason = " ".join((reason or "").split())[:255]
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de l'annulation.")})
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.is_reversal:
            raise ValidationError(
                _("Une annulation ne s'annule pas : saisissez un nouveau règlement.")
            )
        if Payment.objects.filter(reversal_of=locked).exists():
            raise ValidationError(_("Ce règlement est déjà annulé."))
        invoice_ids = sorted(set(locked.allocations.values_list("invoice_id", flat=True)))
        invoices = list(
            Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("id")
        )
        reversal = Payment.objects.create(
            customer_id=locked.customer_id,
            date=timezone.localdate(),
            amount=locked.amount,
            method=locked.method,
            reference=locked.reference,
            reversal_of=locked,
            reason=reason,
            created_by=by if by is not None and by.is_authenticated else None,
        )
        for invoice in invoices:
            invoice_amounts_refresh(invoice=invoice)
        journal_append(kind=JournalEntry.Kind.PAYMENT, figures=payment_figures(reversal))
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            customer=locked.customer,
            message=_("Annulé : %(reason)s") % {"reason": reason},
        )
    return reversal
