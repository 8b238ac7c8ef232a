"""Holds on the dunning (suspendre les relances): an invoice, or a whole customer, kept out
of the runs for a reason (a dispute, a payment plan), until a date or until released.

A hold is in force from its creation until it is released, or until the end of its `until`
day. One hold in force at a time per invoice and per customer (a database constraint on
the holds not released; one whose end date has passed is closed when the next one is
made). The holds stay afterwards, as history.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from creneau.billing.models import Invoice
from creneau.core.models import AuditEvent
from creneau.core.services import audit_record
from creneau.customers.models import Customer
from creneau.payments.models import DunningHold

REASON_MAX_LENGTH = DunningHold._meta.get_field("reason").max_length


class HoldConflict(ValidationError):
    """A hold asked where one is already in force, or a release of a hold already
    released: the state changed, the input is not wrong (the API answers 409)."""


# Reads ---------------------------------------------------------------------------------


def holds_in_force(as_of: date | None = None) -> QuerySet[DunningHold]:
    """The holds in force on `as_of` (today by default): not released, and with no end
    date or one not passed yet."""
    as_of = as_of or timezone.localdate()
    return DunningHold.objects.filter(released_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gte=as_of)
    )


def hold_in_force(
    *, invoice: Invoice | None = None, customer: Customer | None = None, as_of: date | None = None
) -> DunningHold | None:
    """The hold in force on this very invoice, or on this customer (not its invoices')."""
    holds = holds_in_force(as_of).select_related("created_by")
    if invoice is not None:
        return holds.filter(invoice=invoice).first()
    return holds.filter(customer=customer).first()


def invoice_on_hold(invoice: Invoice, as_of: date | None = None) -> DunningHold | None:
    """What keeps this invoice out of the dunning on `as_of`: its own hold, else its
    customer's, else None."""
    holds = list(
        holds_in_force(as_of)
        .filter(Q(invoice_id=invoice.pk) | Q(customer_id=invoice.customer_id))
        .select_related("created_by")
    )
    holds.sort(key=lambda hold: hold.invoice_id is None)  # the invoice's own first
    return holds[0] if holds else None


def invoices_not_on_hold(invoices: QuerySet[Invoice], as_of: date | None = None) -> QuerySet:
    """The invoices of a queryset that no hold in force on `as_of` keeps out of the run
    (their own, or their customer's), in the same query (two NOT EXISTS)."""
    holds = holds_in_force(as_of)
    return invoices.filter(
        ~Exists(holds.filter(invoice_id=OuterRef("pk"))),
        ~Exists(holds.filter(customer_id=OuterRef("customer_id"))),
    )


def holds_of(*, invoice: Invoice | None = None, customer: Customer | None = None) -> QuerySet:
    """Every hold of the invoice or customer, newest first (the history)."""
    holds = DunningHold.objects.select_related("created_by", "released_by")
    if invoice is not None:
        return holds.filter(invoice=invoice).order_by("-created_at", "-id")
    return holds.filter(customer=customer).order_by("-created_at", "-id")


# Writes --------------------------------------------------------------------------------


def _clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de la suspension.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Le motif tient en %(max)s caractères au plus.")
                % {"max": REASON_MAX_LENGTH}
            }
        )
    return reason


def _already_message(*, invoice: Invoice | None, current: DunningHold | None) -> str:
    if invoice is not None:
        message = _("Les relances de cette facture sont déjà suspendues")
    else:
        message = _("Les relances de ce client sont déjà suspendues")
    if current is not None:
        message += _(" (motif : %(reason)s)") % {"reason": current.reason}
    return message + "."


def hold_create(
    *,
    by: User | None,
    reason: str,
    until: date | None = None,
    invoice: Invoice | None = None,
    customer: Customer | None = None,
) -> DunningHold:
    """Suspend the reminders of an issued invoice, or of a customer (all its invoices),
    with a reason and an optional last day."""
    if (invoice is None) == (customer is None):
        raise TypeError("hold_create takes an invoice or a customer")
    reason = _clean_reason(reason)
    today = timezone.localdate()
    if until is not None and until < today:
        raise ValidationError({"until": _("La date de fin ne peut pas être déjà passée.")})
    if invoice is not None and (
        invoice.kind != Invoice.Kind.INVOICE or invoice.status == Invoice.Status.DRAFT
    ):
        raise ValidationError(_("Seules les relances d'une facture émise se suspendent."))
    target = {"invoice": invoice} if invoice is not None else {"customer": customer}
    with transaction.atomic():
        # The invoice's or customer's row, locked: two holds asked at once take turns.
        model = Invoice if invoice is not None else Customer
        model.objects.select_for_update().filter(pk=(invoice or customer).pk).first()
        # A hold whose last day has passed is over: close it, so that the constraint
        # (one hold not released per target) lets the new one in.
        DunningHold.objects.filter(released_at__isnull=True, until__lt=today, **target).update(
            released_at=timezone.now()
        )
        current = DunningHold.objects.filter(released_at__isnull=True, **target).first()
        if current is not None:
            raise HoldConflict(_already_message(invoice=invoice, current=current))
        hold = DunningHold(
            reason=reason,
            until=until,
            created_by=by if by is not None and by.is_authenticated else None,
            **target,
        )
        try:
            with transaction.atomic():
                hold.save()
        except IntegrityError as error:
            raise HoldConflict(_already_message(invoice=invoice, current=None)) from error
        message = _("Relances suspendues : %(reason)s") % {"reason": reason}
        if until is not None:
            message += _(" (jusqu'au %(date)s)") % {"date": formats.date_format(until, "d/m/Y")}
        audit_record(
            by=by,
            action=AuditEvent.Action.CREATE,
            instance=hold,
            customer=customer or invoice.customer,
            message=message,
        )
    return hold


def hold_release(*, hold: DunningHold, by: User | None) -> DunningHold:
    """Resume the reminders: the hold ends now, and stays as history."""
    with transaction.atomic():
        # Only the hold's row: PostgreSQL locks no row of an outer join's nullable side.
        locked = (
            DunningHold.objects.select_for_update(of=("self",))
            .select_related("invoice__customer", "customer")
            .get(pk=hold.pk)
        )
        if locked.released_at is not None:
            raise HoldConflict(_("Cette suspension est déjà levée."))
        locked.released_at = timezone.now()
        locked.released_by = by if by is not None and by.is_authenticated else None
        locked.save(update_fields=["released_at", "released_by"])
        customer = locked.customer if locked.customer_id else locked.invoice.customer
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            customer=customer,
            message=_("Relances reprises (suspension : %(reason)s)") % {"reason": locked.reason},
        )
    return locked


def hold_release_in_force(
    *, by: User | None, invoice: Invoice | None = None, customer: Customer | None = None
) -> DunningHold:
    """Release the hold in force on this invoice or customer (Reprendre les relances)."""
    hold = hold_in_force(invoice=invoice, customer=customer)
    if hold is None:
        if invoice is not None:
            raise HoldConflict(_("Les relances de cette facture ne sont pas suspendues."))
        raise HoldConflict(_("Les relances de ce client ne sont pas suspendues."))
    return hold_release(hold=hold, by=by)
