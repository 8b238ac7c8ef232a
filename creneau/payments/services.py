"""Writes of payments: record one (allocated to invoices by hand, or oldest due first),
a deposit of cheques (many payments, all or nothing), allocate a customer's credit later,
refund it, and reverse a payment (a mistake, a bounced cheque).

Locking order, as billing's: the invoices' rows in id order, then the journal's counter.
Two payments allocated at once to one invoice take turns on its row, and the second sees
what the first left due: an invoice is never over-paid.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from creneau.billing.journal import journal_append
from creneau.billing.models import Invoice, JournalEntry
from creneau.billing.settlement import invoice_amounts_refresh
from creneau.core.closing import ensure_period_open
from creneau.core.models import AuditEvent
from creneau.core.services import audit_record
from creneau.core.templatetags.creneau import money
from creneau.core.versions import data_changed, payment_topics
from creneau.customers.models import Customer
from creneau.payments.models import ChequeDeposit, Payment, PaymentAllocation, Refund
from creneau.payments.selectors import ACTIVE, ZERO, active_allocations

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


def _check_amount(amount: Decimal, positive: str = "") -> Decimal:
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise ValidationError({"amount": _("Montant invalide.")}) from error
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": positive or _("Le montant d'un règlement est positif.")})
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        message = _("Un montant a deux décimales et ne dépasse pas %(max)s.")
        raise ValidationError({"amount": message % {"max": money(MAX_AMOUNT)}})
    return amount


def _check_date(day: date, message: str = "") -> None:
    if day > timezone.localdate() + timedelta(days=1):
        message = message or _("Un règlement ne peut pas être daté de plus d'un jour à l'avance.")
        raise ValidationError({"date": message})


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
    # Allocating a payment dated before today changes what was due at past dates too.
    data_changed(*payment_topics(payment.date))
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
    deposit: ChequeDeposit | None = None,
    future_date_allowed: bool = False,
) -> Payment:
    """Record a payment and allocate it: to the invoices and amounts given, or to the
    customer's oldest due invoices first. What is not allocated is the customer's credit.
    `deposit`: the cheque deposit it was taken to the bank in (cheque_deposit_create).
    `future_date_allowed`: a SEPA debit is recorded on its collection date, days ahead."""
    payment = Payment(
        customer=customer,
        deposit=deposit,
        amount=_check_amount(amount),
        method=method,
        date=date or timezone.localdate(),
        reference=reference,
        cheque_bank=cheque_bank,
        cheque_number=cheque_number,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    payment.full_clean(exclude=["reversal_of"], validate_constraints=False)
    if not future_date_allowed:
        _check_date(payment.date)
    ensure_period_open(payment.date, field="date")
    with transaction.atomic():
        plan = _plan(customer, payment.amount, allocations)
        payment.save()
        _allocate(payment, plan)
        journal_append(kind=JournalEntry.Kind.PAYMENT, figures=payment_figures(payment))
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=payment, customer=customer)
    return payment


def payment_credit(payment: Payment) -> Decimal:
    """What of an active payment is neither allocated nor refunded yet (the credit)."""
    if payment.is_reversal or hasattr(payment, "reversal"):
        return ZERO
    allocated = sum(
        (allocation.amount for allocation in active_allocations().filter(payment=payment)), ZERO
    )
    refunded = sum((refund.amount for refund in payment.refunds.all()), ZERO)
    return payment.amount - allocated - refunded


def allocation_release_figures(
    allocation: PaymentAllocation, credit_note: Invoice, released: Decimal
) -> dict[str, Any]:
    """What the journal keeps of an allocation a credit note reduced: the payment's
    journaled allocations (payment_figures) no longer hold, this entry says by how much."""
    return {
        "allocation_released": f"{released:.2f}",
        "payment": allocation.payment_id,
        "customer_id": allocation.customer_id,
        "invoice_id": allocation.invoice_id,
        "credit_note": credit_note.pk,
        "credit_note_number": credit_note.number,
        "date": credit_note.issue_date.isoformat(),
        "allocation": f"{allocation.amount - released:.2f}",
    }


def invoice_allocations_release(
    *, invoice: Invoice, credit_note: Invoice, kept: Decimal, by: User | None
) -> Decimal:
    """A credit note was issued on a paid invoice: bring its active allocations down to
    `kept` (what the invoice still asks), newest first, one reduced to nothing deleted. What
    is released grows the payments' credit (allocable, refundable). Called by billing's
    credit_note_create (through billing.settlement.payments_hooks_register) with the invoice's
    row locked: every write of its allocations takes that lock first, so the allocations
    need none of their own. Returns what was released."""
    allocations = list(
        active_allocations()
        .filter(invoice=invoice)
        .select_related("payment__customer")
        .order_by("-id")
    )
    excess = sum((allocation.amount for allocation in allocations), ZERO) - max(kept, ZERO)
    released_in_all = ZERO
    for allocation in allocations:
        if excess <= 0:
            break
        released = min(allocation.amount, excess)
        excess -= released
        released_in_all += released
        # Journaled before the row changes: its figures say the amount it had and has.
        journal_append(
            kind=JournalEntry.Kind.PAYMENT,
            figures=allocation_release_figures(allocation, credit_note, released),
        )
        if released == allocation.amount:
            allocation.delete()  # an allocation is positive (allocation_amount_positive)
        else:
            allocation.amount -= released
            allocation.save(update_fields=["amount"])
        payment = allocation.payment
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=payment,
            customer=payment.customer,
            message=_(
                "Affectation réduite par l'avoir %(number)s : %(amount)s de moins sur la "
                "facture %(invoice)s."
            )
            % {"number": credit_note.number, "amount": money(released), "invoice": invoice.number},
        )
    return released_in_all


def _check_active(payment: Payment) -> None:
    """A reversal, or a reversed payment, has no credit to allocate or refund."""
    if payment.is_reversal:
        raise ValidationError(_("Une annulation n'a pas d'avoir."))
    if Payment.objects.filter(reversal_of=payment).exists():
        raise ValidationError(_("Ce règlement est annulé : il n'a plus d'avoir."))


def payment_allocate(
    *, payment: Payment, by: User | None, allocations: list[dict[str, Any]] | None = None
) -> list[PaymentAllocation]:
    """Allocate what is left of a payment (the customer's credit) to invoices."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        _check_active(locked)
        ensure_period_open(locked.date)  # allocating letters the payment, on its date
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
        # The reversed payment's day, and the reversal's (today): both open.
        ensure_period_open(locked.date)
        ensure_period_open(timezone.localdate())
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


# Refunds --------------------------------------------------------------------------------


def refund_figures(refund: Refund) -> dict[str, Any]:
    """What the journal keeps of a refund: money paid back out of a payment's credit."""
    return {
        "refund": refund.pk,
        "payment": refund.payment_id,
        "customer_id": refund.customer_id,
        "date": refund.date.isoformat(),
        "amount": f"{refund.amount:.2f}",
        "method": refund.method,
    }


def refund_create(
    *,
    payment: Payment,
    by: User | None,
    amount: Decimal,
    method: str,
    date: date | None = None,
    reference: str = "",
    reason: str = "",
) -> Refund:
    """Pay back to the customer part or all of a payment's credit (what is neither allocated
    nor refunded yet). The payment's row is locked, so that two refunds, or a refund and an
    allocation, never spend the same credit twice."""
    refund = Refund(
        payment=payment,
        customer_id=payment.customer_id,
        amount=_check_amount(amount, _("Le montant d'un remboursement est positif.")),
        method=method,
        date=date or timezone.localdate(),
        reference=reference,
        reason=" ".join((reason or "").split()),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    refund.full_clean(exclude=["payment", "customer"], validate_constraints=False)
    _check_date(
        refund.date, _("Un remboursement ne peut pas être daté de plus d'un jour à l'avance.")
    )
    ensure_period_open(refund.date, field="date")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        _check_active(locked)
        credit = payment_credit(locked)
        if refund.amount > credit:
            message = _(
                "Le remboursement (%(amount)s) dépasse l'avoir de ce règlement (%(credit)s)."
            )
            values = {"amount": money(refund.amount), "credit": money(credit)}
            raise ValidationError({"amount": message % values})
        refund.payment = locked
        refund.save()
        journal_append(kind=JournalEntry.Kind.PAYMENT, figures=refund_figures(refund))
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            customer=locked.customer,
            message=_("Remboursé : %(amount)s") % {"amount": money(refund.amount)},
        )
    return refund


# Cheque deposits -------------------------------------------------------------------------

MAX_CHEQUES = 100


class ChequeRowsError(ValidationError):
    """Some cheques of a deposit are wrong: nothing was saved. `rows` maps the index of
    each wrong cheque (from 0, in the order given) to its errors by field: customer,
    amount, cheque_bank, cheque_number, invoice."""

    def __init__(self, rows: dict[int, dict[str, list[str]]]) -> None:
        self.rows = rows
        count = len(rows)
        message = ngettext(
            "%(count)s chèque à corriger : rien n'a été enregistré.",
            "%(count)s chèques à corriger : rien n'a été enregistré.",
            count,
        )
        super().__init__(message % {"count": count})


def _cheque_key(cheque: dict[str, Any]) -> tuple[str, str]:
    bank = " ".join(str(cheque.get("cheque_bank") or "").lower().split())
    return bank, str(cheque.get("cheque_number") or "").strip()


def _recorded_cheques(cheques: list[dict[str, Any]]) -> dict[tuple[int, str, str], Payment]:
    """The active cheque payments already recorded with these numbers, by (customer, bank,
    number): a cheque typed twice, in two deposits. One query for the whole deposit."""
    numbers = {number for _bank, number in map(_cheque_key, cheques) if number}
    found = Payment.objects.filter(
        ACTIVE, method=Payment.Method.CHEQUE, cheque_number__in=numbers
    ).order_by("id")
    return {
        (
            payment.customer_id,
            *_cheque_key(
                {"cheque_bank": payment.cheque_bank, "cheque_number": payment.cheque_number}
            ),
        ): payment
        for payment in found
    }


def _cheque_row_errors(
    cheque: dict[str, Any],
    index: int,
    seen: dict[tuple[int, str, str], int],
    recorded: dict[tuple[int, str, str], Payment],
) -> dict[str, list[str]]:
    """What is wrong with one cheque before recording it (the service of payments checks
    the rest: amount, lengths, the invoice's amount due)."""
    customer = cheque.get("customer")
    if customer is None:
        return {"customer": [_("Indiquez le client (son code ou son nom).")]}
    bank, number = _cheque_key(cheque)
    if not number:
        return {"cheque_number": [_("Indiquez le numéro du chèque.")]}
    key = (customer.pk, bank, number)
    if key in seen:
        message = _("Ce chèque est déjà saisi ligne %(line)s.") % {"line": seen[key] + 1}
        return {"cheque_number": [message]}
    seen[key] = index
    if (payment := recorded.get(key)) is not None:
        message = _("Ce chèque est déjà enregistré (règlement du %(date)s).")
        return {"cheque_number": [message % {"date": f"{payment.date:%d/%m/%Y}"}]}
    invoice = cheque.get("invoice")
    if invoice is not None and (
        invoice.customer_id != customer.pk
        or invoice.kind != Invoice.Kind.INVOICE
        or invoice.status == Invoice.Status.DRAFT
    ):
        return {"invoice": [_("Ce n'est pas une facture émise de ce client.")]}
    return {}


def _cheque_allocations(cheque: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The invoice named on the row, up to what it has left due (read under its lock: an
    earlier cheque of the deposit may have paid it); none named, the oldest due first."""
    invoice = cheque.get("invoice")
    if invoice is None:
        return None
    due = (
        Invoice.objects.select_for_update()
        .filter(pk=invoice.pk)
        .values_list("amount_due", flat=True)
        .get()
    )
    if due <= 0:
        message = _("La facture %(number)s est déjà réglée.") % {"number": invoice.number}
        raise ValidationError({"invoice": message})
    return [{"invoice_id": invoice.pk, "amount": min(_check_amount(cheque.get("amount")), due)}]


def _record_cheque(
    cheque: dict[str, Any], deposit: ChequeDeposit, by: User | None
) -> dict[str, list[str]]:
    """Record one cheque of the deposit; its errors by field, or none."""
    try:
        payment_create(
            customer=cheque["customer"],
            by=by,
            amount=cheque.get("amount"),
            method=Payment.Method.CHEQUE,
            date=deposit.date,
            reference=deposit.reference,
            cheque_bank=" ".join(str(cheque.get("cheque_bank") or "").split()),
            cheque_number=str(cheque.get("cheque_number") or "").strip(),
            allocations=_cheque_allocations(cheque),
            deposit=deposit,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            return {"invoice": error.messages}
        errors = error.message_dict
        # The payment's allocation is the row's invoice; its date is the deposit's.
        errors["invoice"] = (
            errors.get("invoice", [])
            + errors.pop("allocations", [])
            + errors.pop(NON_FIELD_ERRORS, [])
        )
        return {field: messages for field, messages in errors.items() if messages}
    return {}


def cheque_deposit_create(
    *,
    by: User | None,
    date: date | None,
    reference: str,
    cheques: list[dict[str, Any]],
    notes: str = "",
) -> ChequeDeposit:
    """Record a deposit of cheques at the bank (remise de chèques): one payment by cheque
    for each, dated the deposit's day, allocated to the invoice named or else to the
    customer's oldest due invoices first.

    `cheques`: [{"customer": Customer, "amount", "cheque_bank", "cheque_number",
    "invoice": Invoice or None}]. All or nothing: when a cheque is wrong, nothing is saved
    and ChequeRowsError tells every wrong cheque's errors, by field."""
    if not cheques:
        raise ValidationError(_("Saisissez au moins un chèque."))
    if len(cheques) > MAX_CHEQUES:
        message = _("Une remise compte au plus %(max)s chèques.") % {"max": MAX_CHEQUES}
        raise ValidationError(message)
    deposit = ChequeDeposit(
        date=date or timezone.localdate(),
        reference=reference,
        notes=notes,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    deposit.full_clean()
    _check_date(deposit.date, _("Une remise ne peut pas être datée de plus d'un jour à l'avance."))
    ensure_period_open(deposit.date, field="date")
    errors: dict[int, dict[str, list[str]]] = {}
    with transaction.atomic():
        deposit.save()
        seen: dict[tuple[int, str, str], int] = {}
        recorded = _recorded_cheques(cheques)
        for index, cheque in enumerate(cheques):
            row_errors = _cheque_row_errors(cheque, index, seen, recorded)
            if not row_errors:
                row_errors = _record_cheque(cheque, deposit, by)
            if row_errors:
                errors[index] = row_errors
        if errors:
            raise ChequeRowsError(errors)  # leaves the atomic block: everything rolled back
        total = sum((Decimal(cheque["amount"]) for cheque in cheques), ZERO)
        audit_record(
            by=by,
            action=AuditEvent.Action.CREATE,
            instance=deposit,
            message=ngettext(
                "%(count)s chèque, %(total)s", "%(count)s chèques, %(total)s", len(cheques)
            )
            % {"count": len(cheques), "total": money(total)},
        )
    return deposit
