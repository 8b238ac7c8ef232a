"""What an issued invoice still asks and what is left due on it: its credit notes, and
what the payments app says was paid on it.

Billing sits above payments in the app order (DESIGN.md): payments tells billing what it
knows through the hooks it registers once, when it is ready (payments/apps.py). Until
then an invoice has no payment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from creneau.billing.models import ZERO, Invoice
from creneau.core.versions import PAYMENTS, data_changed


@dataclass
class PaymentsHooks:
    """paid_amount(invoice): what its active allocations settle. payments_of(invoice): its
    allocations for the API ({"payment_id", "date", "method", "amount", "reversed"}).
    allocations_release(invoice=, credit_note=, kept=, by=): brings its active allocations
    down to `kept` once a credit note leaves it asking less than was paid (the released
    part becomes the customer's credit).
    debit_mandates_of(customer_ids): {customer_id: RUM} of the customers with an active,
    signed SEPA mandate, copied onto their invoices at issue. debit_account_of(rum): the
    debtor's IBAN under that mandate, which the invoice prints masked."""

    paid_amount: Callable[[Invoice], Decimal] | None = None
    payments_of: Callable[[Invoice], list[dict]] | None = None
    allocations_release: Callable[..., None] | None = None
    debit_mandates_of: Callable[[Iterable[int]], dict[int, str]] | None = None
    debit_account_of: Callable[[str], str] | None = None


_hooks = PaymentsHooks()


def payments_hooks_register(**hooks: Callable) -> None:
    for name, function in hooks.items():
        if not hasattr(_hooks, name):
            raise TypeError(f"unknown payments hook: {name}")
        setattr(_hooks, name, function)


def invoice_payments(invoice: Invoice) -> list[dict]:
    return _hooks.payments_of(invoice) if _hooks.payments_of else []


def direct_debit_mandates_of(customer_ids: Iterable[int]) -> dict[int, str]:
    """The RUM each customer's invoices are collected under (SEPA direct debit), by id;
    a customer without an active, signed mandate is not in it."""
    return _hooks.debit_mandates_of(customer_ids) if _hooks.debit_mandates_of else {}


def direct_debit_mandate_of(customer_id: int) -> str:
    """The RUM of one customer's active, signed mandate, or ""."""
    return direct_debit_mandates_of([customer_id]).get(customer_id, "")


def direct_debit_account_of(rum: str) -> str:
    """The debtor's IBAN under the mandate `rum`, or "" (printed masked on invoices)."""
    return _hooks.debit_account_of(rum) if _hooks.debit_account_of and rum else ""


def credited_gross(invoice: Invoice) -> Decimal:
    """What the invoice's issued credit notes already took off, incl. VAT."""
    totals = invoice.credit_notes.exclude(status=Invoice.Status.DRAFT).values_list(
        "total_gross", flat=True
    )
    return sum(totals, ZERO)


def rate_key(row: dict) -> tuple[Decimal, str]:
    return Decimal(row["rate"]), row.get("exemption", "")


def bases_left(invoice: Invoice) -> dict[tuple[Decimal, str], Decimal]:
    """Per VAT rate (and wording), the invoice's base not yet credited."""
    left = {rate_key(row): Decimal(row["base"]) for row in invoice.vat_breakdown}
    breakdowns = invoice.credit_notes.exclude(status=Invoice.Status.DRAFT).values_list(
        "vat_breakdown", flat=True
    )
    for breakdown in breakdowns:
        for row in breakdown:
            key = rate_key(row)
            left[key] = left.get(key, ZERO) - Decimal(row["base"])
    return left


def fully_credited(invoice: Invoice) -> bool:
    """Every rate's base credited: VAT rounded per document may leave the credit notes'
    total a cent away from the invoice's, never a cent due."""
    return all(base <= 0 for base in bases_left(invoice).values())


def invoice_asked(invoice: Invoice) -> Decimal:
    """What the invoice still asks once its credit notes are taken off (nothing when
    fully credited), before any payment."""
    if fully_credited(invoice):
        return ZERO
    return invoice.total_gross - credited_gross(invoice)


def invoice_allocations_release(*, invoice: Invoice, credit_note: Invoice, by) -> None:
    """After a credit note: what was paid beyond what the invoice now asks goes back to
    the customer's credit. Call it under the invoice's lock (which every allocation's
    write takes)."""
    if _hooks.allocations_release:
        _hooks.allocations_release(
            invoice=invoice, credit_note=credit_note, kept=invoice_asked(invoice), by=by
        )


def invoice_amounts_refresh(*, invoice: Invoice) -> Invoice:
    """Derive the amount due and the status of an issued invoice from its credit notes and
    its payments' allocations. Call it with the invoice's row locked."""
    if invoice.is_draft or invoice.is_credit_note:
        return invoice
    paid = _hooks.paid_amount(invoice) if _hooks.paid_amount else ZERO
    credited_all = fully_credited(invoice)
    asked = ZERO if credited_all else invoice.total_gross - credited_gross(invoice)
    due = max(asked - paid, ZERO)
    if credited_all or (due == 0 and paid == 0):
        # Fully credited, or nothing left after credit notes (a cent of VAT rounding may
        # remain on a base): cancelled.
        status = Invoice.Status.CANCELLED
    elif paid > 0:
        status = Invoice.Status.PAID if due == 0 else Invoice.Status.PARTIALLY_PAID
    else:
        status = Invoice.Status.ISSUED
    invoice.amount_due, invoice.status = due, status
    Invoice.objects.filter(pk=invoice.pk).update(amount_due=due, status=status)
    data_changed(PAYMENTS)
    return invoice
