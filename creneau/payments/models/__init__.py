"""Payments (règlements) and cheque deposits, refunds of a customer's credit, and the
dunning (relances): its levels, runs, reminders and holds."""

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

__all__ = [
    "ChequeDeposit",
    "DunningHold",
    "DunningRun",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "Refund",
    "Reminder",
    "ReminderChannel",
    "ReminderInvoice",
    "ReminderLevel",
]
