"""The dunning run (relances), first half: what it proposes, and the preview the office
unticks. The sending is in dunning_send.py, the letters in print/reminder.py.

What a run proposes, at its date `as_of` (docs/dunning.md):
- every issued invoice (not a credit note) with an amount due, past its due date, and not
  on hold at `as_of` (a hold of the invoice or of its customer, not released, without an
  end date or ending on `as_of` or later);
- for each, the NEXT level only: the first active level ranked above the highest level
  already sent for it, once `as_of - due_date` reaches the level's days AND, when a
  level was sent before, at least (this level's days - the previous level's days) have
  passed since that one, and never less than a day. A run that was missed for a week
  therefore catches up one level at a time: never two levels at once, never the same
  level twice (the database refuses it too: ReminderInvoice's partial unique
  constraints);
- one reminder per customer and billing group, at the highest of its invoices' levels.

Money: each invoice keeps its own level; the 40 € indemnity (its level asks for it, the
customer is a business, never claimed for this invoice) and the late interest (amount due
x the invoice's rate x days late / 365) are the invoice's own; the level's fee is charged
once per reminder, on its first invoice at the reminder's level. The fee and the
indemnity are for business customers only: the costs of collecting a debt without a court
order stay with the creditor for individuals (Code des procédures civiles d'exécution,
L111-8), the 40 € is for businesses only (Code de commerce D441-5).

Speed: the preview is read in a handful of set-based queries and written with
bulk_create (100,000 open invoices: bench/dunning_bench.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import groupby

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from creneau.billing.models import Invoice
from creneau.core.models import AuditEvent, Company
from creneau.core.money import money_round
from creneau.core.services import audit_record
from creneau.customers.display import iban_groups
from creneau.customers.models import Customer, InvoiceRecipient
from creneau.payments.dunning_text import reminder_text_render
from creneau.payments.holds import invoices_not_on_hold
from creneau.payments.models import (
    DunningRun,
    Reminder,
    ReminderChannel,
    ReminderInvoice,
    ReminderLevel,
)
from creneau.payments.models.dunning import RECOVERY_INDEMNITY, REMINDER_BODY_MAX_LENGTH
from creneau.payments.rules import user_may_run_dunning
from creneau.payments.selectors import customers_credit

User = AbstractBaseUser | AnonymousUser
ZERO = Decimal("0.00")
# The dates a run takes: beyond them, a typo (year 20270), not a dunning.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
# The deadline a reminder gives ({date_limite}): this many days after it is sent.
DEADLINE_DAYS = 8
# Two levels of one invoice are always at least this many days apart.
MIN_GAP_DAYS = 1
# A reminder's text lists at most this many invoices (its letter lists them all).
LISTED_INVOICES = 100
SUBJECT_MAX_LENGTH = 255
# The ValidationError code of a run that is no longer a preview (the API answers 409).
RUN_CLOSED = "run_closed"
OPEN_STATUSES = [Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID]


def check_may_run(by: User | None, *, automatic: bool = False) -> None:
    """Direction and accounting; the daily task (automatic, no user) too."""
    if by is None and automatic:
        return
    if by is None or not user_may_run_dunning(by):
        raise PermissionDenied(_("Votre rôle ne permet pas de lancer les relances."))


def dunning_date_check(as_of: date | None) -> date:
    if as_of is None:
        raise ValidationError({"as_of": _("Indiquez la date de la campagne.")})
    if not EARLIEST <= as_of <= LATEST:
        raise ValidationError({"as_of": _("Date hors des limites : de 2000 à 2099.")})
    return as_of


def run_closed_error() -> ValidationError:
    return ValidationError(
        _("Cette campagne de relance est déjà envoyée ou en cours d'envoi."), code=RUN_CLOSED
    )


# French formats, fast: Babel takes 0.1 ms an amount, and a run formats 200,000 of them.
# The same text as core.templatetags.creneau.money (tests/test_dunning.py checks it).
@lru_cache(maxsize=65536)
def money_text(value: Decimal) -> str:
    text = f"{money_round(value) + 0:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") + "\u00a0€"


def date_text(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


# A reminder speaks French to the customer whatever the language of the user who prepares
# it (as the printed documents do): its fixed words are not translated.
DETAIL_LINE = "la facture n° {} du {}, échue le {}, de {} TTC, dont {} restent dus"


# Reads ----------------------------------------------------------------------------------


def dunnable_invoices(as_of: date) -> QuerySet[Invoice]:
    """The invoices a run at `as_of` may chase: issued, due, past due, not on hold."""
    return invoices_not_on_hold(
        Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE,
            status__in=OPEN_STATUSES,
            amount_due__gt=0,
            due_date__lt=as_of,
        ),
        as_of,
    )


@dataclass(frozen=True)
class SentBefore:
    """What the runs sent before for one invoice: its highest level, when, and whether
    the 40 € indemnity was claimed."""

    rank: int
    sent_on: date | None
    indemnity_claimed: bool


def sent_before(as_of: date) -> dict[int, SentBefore]:
    """For each open invoice past due at `as_of` that was reminded before: what was sent.
    (Read through the invoice's own filters, not the holds': a join on an index, 0.2 s for
    100,000 invoices, where the held-out subquery took a second.)"""
    rows = (
        ReminderInvoice.objects.filter(
            sent=True,
            invoice__kind=Invoice.Kind.INVOICE,
            invoice__status__in=OPEN_STATUSES,
            invoice__amount_due__gt=0,
            invoice__due_date__lt=as_of,
        )
        .order_by()  # no ordering's joins in a GROUP BY
        .values("invoice_id")
        .annotate(rank=Max("level_rank"), sent_on=Max("sent_on"), indemnity=Max("indemnity"))
        .values_list("invoice_id", "rank", "sent_on", "indemnity")
    )
    return {
        invoice_id: SentBefore(rank, sent_on, bool(indemnity and indemnity > 0))
        for invoice_id, rank, sent_on, indemnity in rows
    }


def reminder_recipients(customer_ids: QuerySet | Iterable[int]) -> dict[tuple[int, str], list]:
    """The reminder recipients of each (customer, billing group): their addresses, each
    once (a contact's e-mail, or a plain address), in the order they were added."""
    rows = (
        InvoiceRecipient.objects.filter(for_reminders=True, customer_id__in=customer_ids)
        .order_by("id")
        .values_list("customer_id", "billing_group", "email", "contact__email")
    )
    found: dict[tuple[int, str], list[str]] = {}
    for customer_id, group, email, contact_email in rows:
        address = ((contact_email if contact_email is not None else email) or "").strip()
        addresses = found.setdefault((customer_id, group), [])
        if address and address.lower() not in {known.lower() for known in addresses}:
            addresses.append(address)
    return found


# The levels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Levels:
    """The levels as a run reads them once: the active ones in rank order, and every
    level by rank (a level sent before may have been switched off since)."""

    active: list[ReminderLevel]
    by_rank: dict[int, ReminderLevel]

    @classmethod
    def load(cls) -> Levels:
        levels = list(ReminderLevel.objects.order_by("rank"))
        return cls([level for level in levels if level.active], {lv.rank: lv for lv in levels})

    def next_for(
        self, *, due_date: date, as_of: date, before: SentBefore | None
    ) -> ReminderLevel | None:
        """The next level of an invoice, if its delays have passed at `as_of`."""
        days_late = (as_of - due_date).days
        for level in self.active:
            if before is not None and level.rank <= before.rank:
                continue
            if days_late < level.days_after_due:
                return None
            if before is not None:
                previous = self.by_rank.get(before.rank)
                gap = level.days_after_due - (previous.days_after_due if previous else 0)
                if before.sent_on is None or (as_of - before.sent_on).days < max(gap, MIN_GAP_DAYS):
                    return None
            return level
        return None


# A reminder being prepared ---------------------------------------------------------------


@dataclass(slots=True)
class DueInvoice:
    """An invoice chased by a reminder, with what its level adds."""

    id: int
    number: str
    issue_date: date
    due_date: date
    total_gross: Decimal
    amount_due: Decimal
    penalty_rate: Decimal
    is_business: bool
    level: ReminderLevel
    indemnity_claimed: bool
    fee: Decimal = ZERO
    indemnity: Decimal = ZERO
    interest: Decimal = ZERO

    @property
    def charges(self) -> Decimal:
        return self.fee + self.indemnity + self.interest


@dataclass
class ReminderDraft:
    """A reminder before it is saved (the preview) or sent (again, with what is left)."""

    customer_id: int
    customer_name: str
    customer_code: str
    billing_group: str
    recipients: list[str]
    invoices: list[DueInvoice] = field(default_factory=list)
    level: ReminderLevel | None = None
    channel: str = ReminderChannel.EMAIL
    subject: str = ""
    body: str = ""

    @property
    def amount_due(self) -> Decimal:
        return sum((invoice.amount_due for invoice in self.invoices), ZERO)

    @property
    def fees(self) -> Decimal:
        return sum((invoice.charges for invoice in self.invoices), ZERO)

    def settle(self, as_of: date) -> None:
        """The reminder's level and channel, and each invoice's fee, indemnity and
        interest (see the module's docstring)."""
        self.invoices.sort(key=lambda invoice: (invoice.due_date, invoice.id))
        self.level = max((invoice.level for invoice in self.invoices), key=lambda lv: lv.rank)
        fee_charged = False
        for invoice in self.invoices:
            level = invoice.level
            invoice.fee = invoice.indemnity = invoice.interest = ZERO
            if invoice.is_business and level.rank == self.level.rank and not fee_charged:
                invoice.fee, fee_charged = level.fee, True
            claimable = invoice.is_business and not invoice.indemnity_claimed
            if level.add_recovery_indemnity and claimable:
                invoice.indemnity = RECOVERY_INDEMNITY
            if level.add_late_interest and invoice.penalty_rate > 0:
                days = max((as_of - invoice.due_date).days, 0)
                invoice.interest = money_round(
                    invoice.amount_due * invoice.penalty_rate / 100 * days / 365
                )
        self.channel = self.level.channel
        if self.channel != ReminderChannel.LETTER and not self.recipients:
            self.channel = ReminderChannel.LETTER  # no address: posted only

    def render(self, *, company: dict[str, str], balance: Decimal, deadline: date) -> None:
        """The subject and text of the reminder's level, its placeholders filled in."""
        listed = self.invoices[:LISTED_INVOICES]
        more = len(self.invoices) - len(listed)
        numbers = ", ".join(invoice.number for invoice in listed)
        details = [
            DETAIL_LINE.format(
                invoice.number,
                date_text(invoice.issue_date),
                date_text(invoice.due_date),
                money_text(invoice.total_gross),
                money_text(invoice.amount_due),
            )
            for invoice in listed
        ]
        if more:
            numbers += f" et {more} autres"
            details.append(f"et {more} autres factures (voir le courrier)")
        due_dates = sorted({invoice.due_date for invoice in listed})
        values = {
            **company,
            "client": self.customer_name,
            "code_client": self.customer_code,
            "factures": numbers,
            "factures_detail": " ;\n".join(details) + ".",
            "montant_du": money_text(self.amount_due),
            "echeances": ", ".join(date_text(day) for day in due_dates),
            "solde": money_text(balance),
            "frais": money_text(self.fees),
            "date_limite": date_text(deadline),
        }
        subject = " ".join(reminder_text_render(self.level.subject, values).split())
        if len(subject) > SUBJECT_MAX_LENGTH:
            subject = subject[: SUBJECT_MAX_LENGTH - 1] + "…"
        self.subject = subject
        body = reminder_text_render(self.level.body, values)
        if len(body) > REMINDER_BODY_MAX_LENGTH:
            body = body[: REMINDER_BODY_MAX_LENGTH - 1] + "…"
        self.body = body


def company_values(company: Company) -> dict[str, str]:
    return {
        "iban": iban_groups(company.iban) if company.iban else "",
        "bic": company.bic,
        "societe": company.legal_name,
    }


def deadline_from(day: date) -> date:
    return day + timedelta(days=DEADLINE_DAYS)


def dunning_proposals(*, as_of: date, levels: Levels | None = None) -> list[ReminderDraft]:
    """The reminders a run at `as_of` would send, grouped by customer and billing group:
    the preview, in a fixed number of queries. Their subject and text are written when
    they are sent (ReminderDraft.render): they carry that day's amounts and deadline."""
    levels = levels or Levels.load()
    if not levels.active:
        return []
    candidates = dunnable_invoices(as_of)
    customers = candidates.values("customer_id")
    before = sent_before(as_of)
    recipients = reminder_recipients(customers)
    company = Company.load()
    default_rate = company.late_penalty_rate or ZERO
    rows = candidates.order_by("customer_id", "billing_group", "due_date", "id").values_list(
        "id", "customer_id", "billing_group", "number", "issue_date", "due_date",
        "total_gross", "amount_due", "late_penalty_rate", "customer_kind",
        "customer__name", "customer__code", "customer__email", "customer__kind",
    )  # fmt: skip
    drafts = []
    business = Customer.Kind.BUSINESS
    for (customer_id, group), invoices in groupby(rows, key=lambda row: (row[1], row[2])):
        draft = None
        for row in invoices:
            previous = before.get(row[0])
            level = levels.next_for(due_date=row[5], as_of=as_of, before=previous)
            if level is None:
                continue
            if draft is None:
                addresses = recipients.get((customer_id, group))
                if not addresses and (row[12] or "").strip():
                    addresses = [row[12].strip()]
                draft = ReminderDraft(customer_id, row[10], row[11], group, addresses or [])
            draft.invoices.append(
                DueInvoice(
                    id=row[0], number=row[3], issue_date=row[4], due_date=row[5],
                    total_gross=row[6], amount_due=row[7],
                    penalty_rate=row[8] if row[8] is not None else default_rate,
                    is_business=(row[9] or row[13]) == business, level=level,
                    indemnity_claimed=previous is not None and previous.indemnity_claimed,
                )
            )  # fmt: skip
        if draft is not None:
            draft.settle(as_of)
            drafts.append(draft)
    return _without_covered(drafts, customers)


def _without_covered(drafts: list[ReminderDraft], customers: QuerySet) -> list[ReminderDraft]:
    """Leave out the customers whose unallocated credit (a payment not yet allocated, an
    over-paid invoice credited since) covers what they would be reminded of: they have
    paid; the office allocates the credit (Affecter) rather than send a reminder."""
    credits = customers_credit(customers)
    if not credits:
        return drafts
    reminded: dict[int, Decimal] = {}
    for draft in drafts:
        reminded[draft.customer_id] = reminded.get(draft.customer_id, ZERO) + draft.amount_due
    return [
        draft
        for draft in drafts
        if credits.get(draft.customer_id, ZERO) < reminded[draft.customer_id]
    ]


# Writes ----------------------------------------------------------------------------------


def dunning_run_create(*, as_of: date, by: User | None, automatic: bool = False) -> DunningRun:
    """Compute the preview of a run at `as_of`: one proposed reminder per customer and
    billing group, each with its invoices and amounts. Nothing is sent yet."""
    check_may_run(by, automatic=automatic)
    dunning_date_check(as_of)
    drafts = dunning_proposals(as_of=as_of)
    actor = by if by is not None and by.is_authenticated else None
    with transaction.atomic():
        run = DunningRun.objects.create(as_of=as_of, automatic=automatic, created_by=actor)
        preview_write(run, drafts)
        audit_record(
            by=by,
            action=AuditEvent.Action.CREATE,
            instance=run,
            message=_("Aperçu des relances au %(date)s : %(count)s relances proposées")
            % {"date": date_text(as_of), "count": len(drafts)},
        )
    return run


REMINDER_COLUMNS = [
    "id", "run_id", "customer_id", "billing_group", "level_id", "channel", "status",
    "excluded", "recipients", "subject", "body", "amount_due", "fees",
]  # fmt: skip
ITEM_COLUMNS = [
    "reminder_id", "invoice_id", "level_rank", "amount_due", "fee", "indemnity", "interest",
    "sent",
]  # fmt: skip


def preview_write(run: DunningRun, drafts: list[ReminderDraft]) -> None:
    """Save the proposed reminders and their invoices. On PostgreSQL with COPY, the
    reminders' ids taken from their sequence first (100,000 rows: 2 s instead of 15 with
    bulk_create); elsewhere with bulk_create."""
    if connection.vendor != "postgresql":
        reminders = Reminder.objects.bulk_create(
            [_reminder_of(run, draft) for draft in drafts], batch_size=1000
        )
        ReminderInvoice.objects.bulk_create(
            [
                ReminderInvoice(reminder_id=reminder.pk, **_item_fields(invoice))
                for reminder, draft in zip(reminders, drafts, strict=True)
                for invoice in draft.invoices
            ],
            batch_size=5000,
        )
        return
    reminder_table = Reminder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [reminder_table, len(drafts)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(f"COPY {reminder_table} ({', '.join(REMINDER_COLUMNS)}) FROM STDIN") as copy:
            for pk, draft in zip(ids, drafts, strict=True):
                copy.write_row(
                    (
                        pk, run.pk, draft.customer_id, draft.billing_group, draft.level.pk,
                        draft.channel, Reminder.Status.PROPOSED.value, False,
                        json.dumps(draft.recipients), draft.subject, draft.body,
                        draft.amount_due, draft.fees,
                    )
                )  # fmt: skip
        item_table = ReminderInvoice._meta.db_table
        with raw.copy(f"COPY {item_table} ({', '.join(ITEM_COLUMNS)}) FROM STDIN") as copy:
            for pk, draft in zip(ids, drafts, strict=True):
                for invoice in draft.invoices:
                    copy.write_row(
                        (
                            pk, invoice.id, invoice.level.rank, invoice.amount_due,
                            invoice.fee, invoice.indemnity, invoice.interest, False,
                        )
                    )  # fmt: skip


def _reminder_of(run: DunningRun, draft: ReminderDraft) -> Reminder:
    return Reminder(
        run=run,
        customer_id=draft.customer_id,
        billing_group=draft.billing_group,
        level=draft.level,
        channel=draft.channel,
        recipients=draft.recipients,
        subject=draft.subject,
        body=draft.body,
        amount_due=draft.amount_due,
        fees=draft.fees,
    )


def _item_fields(invoice: DueInvoice) -> dict:
    return {
        "invoice_id": invoice.id,
        "level_rank": invoice.level.rank,
        "amount_due": invoice.amount_due,
        "fee": invoice.fee,
        "indemnity": invoice.indemnity,
        "interest": invoice.interest,
    }


def dunning_run_exclude(
    *,
    run: DunningRun,
    by: User | None,
    excluded: bool,
    reminder_ids: Iterable[int] = (),
    customer_ids: Iterable[int] = (),
) -> int:
    """Untick (excluded=True) or tick again reminders of a preview, named by their ids or
    by their customers'; returns how many changed. Ids that are not in the run: 422."""
    check_may_run(by)
    reminder_ids, customer_ids = set(reminder_ids), set(customer_ids)
    with transaction.atomic():
        locked = DunningRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != DunningRun.Status.PREVIEW:
            raise run_closed_error()
        reminders = locked.reminders.filter(
            Q(pk__in=reminder_ids) | Q(customer_id__in=customer_ids)
        )
        found = set(reminders.values_list("pk", "customer_id"))
        missing_customers = customer_ids - {customer for _pk, customer in found}
        missing_reminders = reminder_ids - {pk for pk, _customer in found}
        if missing_customers or missing_reminders:
            raise ValidationError(
                {
                    "excluded_customer_ids": _("Absents de cette campagne : %(ids)s.")
                    % {"ids": ", ".join(map(str, sorted(missing_customers | missing_reminders)))}
                }
            )
        return reminders.exclude(excluded=excluded).update(excluded=excluded)
