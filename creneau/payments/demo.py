"""Demo payments and dunning: a few one-off invoices of the past months (some paid, some
overdue at each dunning level), then payments on most of the month's invoices, a deposit of
cheques, a bounced cheque, a customer in credit, one on hold, and the reminders already sent.

Two loaders (creneau.core.demo.DEMO_LOADERS):
- `load_earlier_invoices`, before the billing demo: the services number and date an invoice
  by the clock, and numbers never go back in time, so invoices dated in the past months
  must be issued before the month's run issues today's. They are issued with the clock set
  to their day (`_clock_at`), as if the demo company had used Créneau then.
- `load_payments`, after it: payments through the services (dated in the past with the
  clock set there too), and the dunning's history written as rows: the dunning run engine
  is built apart; these are what it would have left (runs sent, reminders with their text
  rendered from the default levels).

Idempotent: each loader does nothing when what it makes is there. Deterministic: amounts
and methods come from `context.random("payments")`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock

from django.contrib.auth.models import User
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.defaults import default_vat_rates_ensure
from creneau.catalog.models import VatRate
from creneau.core.demo import DemoContext
from creneau.core.models import Company
from creneau.core.templatetags.creneau import money
from creneau.customers.models import Customer
from creneau.payments.dunning_text import reminder_text_render
from creneau.payments.models import (
    ChequeDeposit,
    DunningHold,
    DunningRun,
    Payment,
    PaymentMethod,
    Reminder,
    ReminderInvoice,
    ReminderLevel,
)
from creneau.payments.models.dunning import RECOVERY_INDEMNITY
from creneau.payments.selectors import customer_balance
from creneau.payments.services import payment_create, payment_reverse

# Marks the one-off invoices of the past months (their notes), for the payments loader.
EARLIER_NOTE = "Intervention ponctuelle"
HOLD_REASON = (
    "Litige : le client conteste le passage du mois dernier ; en attente du rapport de "
    "l'intervenant."
)
BOUNCED_REASON = "Chèque impayé (provision insuffisante)"
BANKS = ["Crédit Agricole", "Banque Populaire", "Crédit Mutuel", "Société Générale", "LCL"]


@dataclass(frozen=True)
class Earlier:
    """A one-off invoice of the past months: days past its due date today (negative: not
    due yet), its net amount, what it was for, and what became of it."""

    overdue_days: int
    business: bool
    net: str
    label: str
    fate: str  # paid, on_hold, level_3, partial_level_2, level_1, bounced, recent


EARLIER = [
    Earlier(100, True, "400.00", "Remise en état après travaux", "paid"),
    Earlier(70, True, "300.00", "Nettoyage de fin de chantier", "on_hold"),
    Earlier(50, True, "245.00", "Lavage des vitres en hauteur", "level_3"),
    Earlier(25, False, "150.00", "Grand ménage de printemps", "partial_level_2"),
    Earlier(10, False, "125.00", "Repassage et rangement", "level_1"),
    Earlier(8, True, "180.00", "Shampouinage des moquettes", "bounced"),
    Earlier(4, False, "80.00", "Nettoyage des vitres", "recent"),
]


@contextmanager
def _clock_at(day: date) -> Iterator[None]:
    """Run the services as on `day` at 10:00: they date what they make by the clock."""
    moment = timezone.make_aware(datetime.combine(day, time(10, 0)))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _earlier_customers(rng: random.Random) -> list[Customer]:
    """One customer per earlier invoice, of the kind it asks, with an e-mail, all different."""
    pools = {
        kind: list(
            Customer.objects.filter(kind=kind, is_active=True).exclude(email="").order_by("id")[:40]
        )
        for kind in (Customer.Kind.BUSINESS, Customer.Kind.INDIVIDUAL)
    }
    for pool in pools.values():
        rng.shuffle(pool)
    return [
        pools[Customer.Kind.BUSINESS if earlier.business else Customer.Kind.INDIVIDUAL].pop()
        for earlier in EARLIER
    ]


def load_earlier_invoices(*, context: DemoContext) -> str:
    """Demo loader, before the billing demo's: the one-off invoices of the past months."""
    # Last year's invoices (demo_last_year) come before; any of this year's means done.
    today = timezone.localdate()
    if Invoice.objects.exclude(issue_date__lt=date(today.year, 1, 1)).exists():
        return "Factures ponctuelles des mois passés : factures déjà présentes."
    by = context.users.get("compta") or context.users.get("direction")
    customers = _earlier_customers(context.random("payments:earlier"))
    default_vat_rates_ensure(VatRate)
    rate = VatRate.objects.filter(rate=Decimal("20.00")).order_by("position", "id").first()
    planned = []
    for earlier, customer in zip(EARLIER, customers, strict=True):
        day = today - timedelta(days=earlier.overdue_days + customer.payment_terms_days)
        planned.append((day, earlier, customer))
    for day, earlier, customer in sorted(planned, key=lambda item: item[0]):
        with _clock_at(day):
            invoice = invoice_create(customer=customer, by=by, notes=EARLIER_NOTE)
            invoice_line_add(
                invoice=invoice, by=by, line_type="free", description=earlier.label,
                quantity=Decimal(1), unit_price=Decimal(earlier.net), vat_rate=rate,
            )  # fmt: skip
            invoice_issue(invoice=invoice, by=by)
    return f"Factures ponctuelles des mois passés : {len(planned)} émise(s)."


# --- Payments and the dunning's history (after the billing demo) -----------------------


def _pay(customer: Customer, by: User | None, amount: Decimal, method: str, day: date,
         invoice: Invoice | None = None, rng: random.Random | None = None,
         reference: str = "") -> Payment:  # fmt: skip
    """A payment through the service, as recorded on `day`: to `invoice` by hand, or
    oldest due first; a cheque gets a bank and a number."""
    extra = {}
    if method == PaymentMethod.CHEQUE:
        rng = rng or random.Random(customer.pk)
        extra = {
            "cheque_bank": rng.choice(BANKS),
            "cheque_number": f"{rng.randint(1, 9999999):07d}",
        }
    allocations = None
    if invoice is not None:
        allocations = [{"invoice_id": invoice.pk, "amount": min(amount, invoice.amount_due)}]
    with _clock_at(day):
        return payment_create(
            customer=customer, by=by, amount=amount, method=method, date=day,
            reference=reference, allocations=allocations, **extra,
        )  # fmt: skip


def _earlier_invoices() -> dict[str, Invoice]:
    """The one-off invoices of the past months, by fate (matched on their line's label)."""
    fates = {earlier.label: earlier.fate for earlier in EARLIER}
    invoices = Invoice.objects.filter(notes=EARLIER_NOTE, kind=Invoice.Kind.INVOICE)
    found = {}
    for invoice in invoices.select_related("customer").prefetch_related("lines"):
        label = next((line.description for line in invoice.lines.all()), "")
        if label in fates:
            found[fates[label]] = invoice
    return found


def _settle_earlier(earlier: dict[str, Invoice], by: User | None) -> int:
    """What became of the earlier invoices: one paid, one half paid in CESU, one paid by a
    cheque that bounced, one customer put on hold; the others left due."""
    made = 0
    if (invoice := earlier.get("paid")) is not None:
        _pay(invoice.customer, by, invoice.amount_due, PaymentMethod.TRANSFER,
             invoice.due_date - timedelta(days=5), invoice,
             reference=f"VIR {invoice.customer.name[:40]}")  # fmt: skip
        made += 1
    if (invoice := earlier.get("partial_level_2")) is not None:
        part = (invoice.amount_due * Decimal("0.4")).quantize(Decimal("0.01"))
        _pay(invoice.customer, by, part, PaymentMethod.CESU, invoice.due_date - timedelta(days=3),
             invoice, reference="CESU 12 titres")  # fmt: skip
        made += 1
    if (invoice := earlier.get("bounced")) is not None:
        cheque = _pay(invoice.customer, by, invoice.amount_due, PaymentMethod.CHEQUE,
                      invoice.issue_date + timedelta(days=12), invoice)  # fmt: skip
        with _clock_at(invoice.due_date + timedelta(days=2)):
            payment_reverse(payment=cheque, by=by, reason=BOUNCED_REASON)
        made += 1
    if (invoice := earlier.get("on_hold")) is not None:
        with _clock_at(invoice.due_date + timedelta(days=30)):
            DunningHold.objects.create(customer=invoice.customer, reason=HOLD_REASON, created_by=by)
    return made


# The reminders already sent: (fate, the levels it received).
REMINDED = [("on_hold", (1, 2)), ("level_3", (1, 2, 3)), ("partial_level_2", (1, 2)),
            ("level_1", (1,))]  # fmt: skip


def _reminder_values(invoice: Invoice, due: Decimal, fees: Decimal, day: date) -> dict:
    company = Company.load()
    return {
        "client": invoice.customer.name,
        "code_client": invoice.customer.code,
        "factures": invoice.number,
        "factures_detail": (
            f"{invoice.number} du {invoice.issue_date:%d/%m/%Y}, échéance "
            f"{invoice.due_date:%d/%m/%Y} : {money(invoice.total_gross)}, reste dû {money(due)}"
        ),
        "montant_du": money(due),
        "echeances": f"{invoice.due_date:%d/%m/%Y}",
        "solde": money(due),
        "frais": money(fees),
        "date_limite": f"{day + timedelta(days=8):%d/%m/%Y}",
        "iban": company.iban,
        "bic": company.bic,
        "societe": company.legal_name,
    }


def _remind(invoice: Invoice, level: ReminderLevel, by: User | None) -> Reminder:
    """The reminder of one invoice at one level, sent on the day the level fell due, in a
    dunning run of that day, as the run engine leaves them."""
    day = invoice.due_date + timedelta(days=level.days_after_due)
    due = invoice.total_gross - sum(
        (a.amount for a in invoice.allocations.filter(payment__date__lt=day)), Decimal("0.00")
    )
    indemnity = Decimal("0.00")
    if level.add_recovery_indemnity and invoice.is_business:
        indemnity = RECOVERY_INDEMNITY
    fees = level.fee + indemnity
    values = _reminder_values(invoice, due, fees, day)
    with _clock_at(day):
        run = DunningRun.objects.filter(as_of=day, status=DunningRun.Status.SENT).first()
        if run is None:
            run = DunningRun.objects.create(as_of=day, status=DunningRun.Status.SENT,
                                            created_by=by, sent_at=timezone.now())  # fmt: skip
        reminder = Reminder.objects.create(
            run=run, customer=invoice.customer, billing_group=invoice.billing_group,
            level=level, channel=level.channel, status=Reminder.Status.SENT,
            recipients=[invoice.customer.email] if invoice.customer.email else [],
            subject=reminder_text_render(level.subject, values)[:255],
            body=reminder_text_render(level.body, values), amount_due=due, fees=fees,
            sent_at=timezone.now(),
        )  # fmt: skip
        ReminderInvoice.objects.create(
            reminder=reminder, invoice=invoice, level_rank=level.rank, amount_due=due,
            fee=level.fee, indemnity=indemnity, sent=True, sent_on=day,
        )  # fmt: skip
    return reminder


def _dunning_history(earlier: dict[str, Invoice], by: User | None) -> int:
    levels = {level.rank: level for level in ReminderLevel.objects.all()}
    sent = 0
    for fate, ranks in REMINDED:
        invoice = earlier.get(fate)
        if invoice is None:
            continue
        for rank in ranks:
            if rank in levels:
                _remind(invoice, levels[rank], by)
                sent += 1
    return sent


METHODS = {
    Customer.Kind.INDIVIDUAL: ([PaymentMethod.CESU, PaymentMethod.CESU_PREFINANCED,
                                PaymentMethod.CHEQUE, PaymentMethod.CARD, PaymentMethod.TRANSFER],
                               [3, 1, 3, 2, 1]),
    Customer.Kind.BUSINESS: ([PaymentMethod.TRANSFER, PaymentMethod.CHEQUE, PaymentMethod.CARD],
                             [6, 3, 1]),
}  # fmt: skip
CHEQUES_DEPOSITED = 3  # at least, in the deposit of the day
CREDIT_EXTRA = Decimal("50.00")


def _pay_the_month(rng: random.Random, by: User | None, skipped: set[int]) -> tuple[int, int]:
    """Payments on most of the month's invoices (the customers of the earlier ones aside):
    two in three in full, one in eight in part; the first cheques go into one deposit, and
    one individual pays 50 € more than asked (its credit). Returns (payments, cheques)."""
    today = timezone.localdate()
    invoices = (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE, amount_due__gt=0)
        .exclude(status=Invoice.Status.DRAFT)
        .exclude(customer_id__in=skipped)
        .select_related("customer")
        .order_by("id")
    )
    cheques, made, credit_given = [], 0, False
    for invoice in invoices:
        draw = rng.random()
        if draw >= 0.80:
            continue  # left to pay
        full = draw < 0.68
        methods, weights = METHODS[invoice.customer.kind]
        method = rng.choices(methods, weights)[0]
        if full and len(cheques) < CHEQUES_DEPOSITED:
            method = PaymentMethod.CHEQUE
        amount = invoice.amount_due
        if not full:
            amount = (amount * Decimal(rng.randint(40, 70)) / 100).quantize(Decimal("0.01"))
        extra = Decimal("0.00")
        if full and not credit_given and invoice.customer.kind == Customer.Kind.INDIVIDUAL:
            extra, method, credit_given = CREDIT_EXTRA, PaymentMethod.TRANSFER, True
        payment = _pay(invoice.customer, by, amount + extra, method, today, invoice, rng,
                       reference=_reference(method, invoice))  # fmt: skip
        made += 1
        if method == PaymentMethod.CHEQUE:
            cheques.append(payment.pk)
    if cheques:
        deposit = ChequeDeposit.objects.create(
            date=today, reference=str(rng.randint(1000, 9999)), created_by=by
        )
        # Recorded together: the deposit's link is part of the cheques' recording (the
        # deposit screen of Facturation > Règlements makes both at once).
        Payment.objects.filter(pk__in=cheques).update(deposit=deposit)
    return made, len(cheques)


def _reference(method: str, invoice: Invoice) -> str:
    if method == PaymentMethod.TRANSFER:
        return f"VIR {invoice.number}"
    if method in (PaymentMethod.CESU, PaymentMethod.CESU_PREFINANCED):
        return "CESU"
    if method == PaymentMethod.CARD:
        return "CB terminal"
    return ""


def load_payments(*, context: DemoContext) -> str:
    """Demo loader, after the billing demo: payments, a deposit, a bounced cheque, a credit,
    a hold and the reminders sent."""
    # Those of last year's invoices (demo_last_year) aside.
    last_year_end = date(timezone.localdate().year - 1, 12, 31)
    if Payment.objects.exclude(allocations__invoice__issue_date__lte=last_year_end).exists():
        return "Règlements : déjà présents."
    by = context.users.get("compta") or context.users.get("direction")
    earlier = _earlier_invoices()
    settled = _settle_earlier(earlier, by)
    reminders = _dunning_history(earlier, by)
    skipped = {invoice.customer_id for invoice in earlier.values()}
    made, cheques = _pay_the_month(context.random("payments"), by, skipped)
    overdue = sum(
        1 for customer_id in skipped
        if customer_balance(Customer(pk=customer_id)).overdue > 0
    )  # fmt: skip
    return (
        f"Règlements : {settled + made} règlement(s) dont {cheques} chèque(s) remis en "
        f"banque, {overdue} client(s) en retard, {reminders} relance(s) envoyée(s), "
        f"une suspension."
    )
