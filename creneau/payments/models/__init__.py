"""Payments (règlements) and cheque deposits, refunds of a customer's credit, the
dunning (relances): its levels, runs, reminders and holds, and SEPA direct debit: mandates
and collection batches."""

from creneau.payments.models.dunning import (
    DunningHold,
    DunningRun,
    Reminder,
    ReminderChannel,
    ReminderInvoice,
    ReminderLevel,
)
from creneau.payments.models.payments import (
    ChequeDeposit,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Refund,
)
from creneau.payments.models.sepa import (
    Mandate,
    MandateScheme,
    MandateStatus,
    MandateType,
    SepaBatch,
    SepaBatchItem,
    SepaBatchStatus,
    SepaItemStatus,
    SequenceType,
)

__all__ = [
    "ChequeDeposit",
    "DunningHold",
    "DunningRun",
    "Mandate",
    "MandateScheme",
    "MandateStatus",
    "MandateType",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "Refund",
    "Reminder",
    "ReminderChannel",
    "ReminderInvoice",
    "ReminderLevel",
    "SepaBatch",
    "SepaBatchItem",
    "SepaBatchStatus",
    "SepaItemStatus",
    "SequenceType",
]
