"""The dunning run, second half: sending a preview.

Safety, in this order:
- the run goes from preview to sending once, under its row's lock: a second send (two
  clicks, two API calls at once) is refused;
- each reminder is sent in its own transaction, which locks the reminder's row, then its
  invoices' rows in id order (as the payments do: a payment being allocated waits, or is
  waited for). Under those locks each invoice is checked again: settled since the preview,
  put on hold, or already sent that level (or a later one) by another run, it is dropped
  from the reminder (the reason is kept in the audit trail) and the amounts, fees and text
  are made again from what is left; a reminder left empty is dropped;
- the database refuses the same level twice for an invoice, and the indemnity twice
  (ReminderInvoice's partial unique constraints): a reminder that meets one is rolled
  back and checked again, once;
- e-mails go through the outbox in the reminder's transaction: a rolled-back reminder
  sends nothing, a mail server that is down delays it.

A run interrupted while sending (a killed worker) is finished by dunning_run_resume: only
what was not sent is sent.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfWriter

from creneau.billing.models import Invoice
from creneau.core.models import AuditEvent, Company
from creneau.core.pdf import render_pdf
from creneau.core.services import audit_record, email_queue
from creneau.payments.dunning import (
    OPEN_STATUSES,
    ZERO,
    DueInvoice,
    Levels,
    ReminderDraft,
    User,
    check_may_run,
    company_values,
    deadline_from,
    run_closed_error,
)
from creneau.payments.holds import holds_in_force
from creneau.payments.models import DunningRun, Reminder, ReminderChannel, ReminderInvoice
from creneau.payments.print.reminder import reminder_print_data
from creneau.payments.selectors import customer_balance

logger = logging.getLogger(__name__)

# Why an invoice left a reminder between the preview and the sending (kept in the audit
# trail's `changes` as {"dropped": [null, <code>]}).
SETTLED, ON_HOLD, ALREADY_SENT = "settled", "on_hold", "already_sent"
DROP_REASONS = {
    SETTLED: gettext_lazy("réglée ou annulée depuis l'aperçu"),
    ON_HOLD: gettext_lazy("relances suspendues depuis l'aperçu"),
    ALREADY_SENT: gettext_lazy("ce niveau est déjà parti dans une autre campagne"),
}
LETTER_CHANNELS = (ReminderChannel.LETTER, ReminderChannel.BOTH)
EMAIL_CHANNELS = (ReminderChannel.EMAIL, ReminderChannel.BOTH)


def drop_reason_text(code: str) -> str:
    return str(DROP_REASONS.get(code, code))


def dunning_run_send(
    *, run: DunningRun, by: User | None, excluded_customer_ids: Iterable[int] = ()
) -> DunningRun:
    """Send a preview: leave out the unticked reminders (and those of
    `excluded_customer_ids`), then send each of the others. Once: a run that is not a
    preview any more is refused (ValidationError with code dunning.RUN_CLOSED)."""
    check_may_run(by, automatic=run.automatic)
    excluded = set(excluded_customer_ids)
    with transaction.atomic():
        locked = DunningRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != DunningRun.Status.PREVIEW:
            raise run_closed_error()
        if excluded:
            known = set(
                locked.reminders.filter(customer_id__in=excluded).values_list(
                    "customer_id", flat=True
                )
            )
            if excluded - known:
                raise ValidationError(
                    {
                        "excluded_customer_ids": _("Absents de cette campagne : %(ids)s.")
                        % {"ids": ", ".join(map(str, sorted(excluded - known)))}
                    }
                )
            locked.reminders.filter(customer_id__in=excluded).update(excluded=True)
        reminders = locked.reminders.filter(excluded=False).count()
        if not reminders and locked.reminders.exists():
            # Every reminder unticked: most likely a slip, and nothing would be sent.
            raise ValidationError(
                _("Toutes les relances sont décochées : cochez celles à envoyer.")
            )
        locked.status = DunningRun.Status.SENDING
        locked.save(update_fields=["status"])
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            message=_("Envoi des relances lancé : %(count)s relances") % {"count": reminders},
        )
    return dunning_run_execute(run_id=locked.pk, by=by)


def dunning_run_resume(*, run: DunningRun, by: User | None) -> DunningRun:
    """Finish a run whose sending stopped: only the reminders not sent yet go."""
    check_may_run(by, automatic=run.automatic)
    if run.status != DunningRun.Status.SENDING:
        raise ValidationError(_("Cette campagne n'est pas en cours d'envoi."))
    return dunning_run_execute(run_id=run.pk, by=by)


def dunning_run_execute(*, run_id: int, by: User | None) -> DunningRun:
    """Send every reminder of a sending run that is neither sent, dropped nor unticked,
    then gather the letters into one PDF and mark the run sent. Safe to run again."""
    run = DunningRun.objects.get(pk=run_id)
    if run.status != DunningRun.Status.SENDING:
        return run
    context = SendContext(run)
    pending = (
        run.reminders.filter(status=Reminder.Status.PROPOSED, excluded=False)
        .order_by("customer__name", "customer_id", "billing_group")
        .values_list("pk", flat=True)
    )
    for reminder_id in list(pending):
        try:
            letter = _send_one(context, reminder_id, by)
        except IntegrityError:
            # Another run sent one of its invoices at this very level meanwhile: checked
            # again, that invoice is now dropped.
            logger.info("dunning run %s: reminder %s checked again", run.pk, reminder_id)
            letter = _send_one(context, reminder_id, by)
        if letter is not None:
            context.letters[reminder_id] = letter
    return _run_finish(context)


class SendContext:
    """What every reminder of one sending reads: the levels, the company, the day."""

    def __init__(self, run: DunningRun) -> None:
        self.run = run
        self.levels = Levels.load()
        self.company = Company.load()
        self.values = company_values(self.company)
        self.today = timezone.localdate()
        self.deadline = deadline_from(self.today)
        ranks = [level.rank for level in self.levels.active] or [0]
        self.last_rank = max(ranks)
        self.letters: dict[int, bytes] = {}


def _drop_reasons(
    context: SendContext, reminder: Reminder, items: list[ReminderInvoice]
) -> dict[int, str]:
    """Each item that may not go any more, with why (under the invoices' locks)."""
    ids = [item.invoice_id for item in items]
    invoices = {
        invoice.pk: invoice
        for invoice in Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    holds = holds_in_force(context.run.as_of)
    customer_held = holds.filter(customer_id=reminder.customer_id).exists()
    held = set(holds.filter(invoice_id__in=ids).values_list("invoice_id", flat=True))
    sent = dict(
        ReminderInvoice.objects.filter(sent=True, invoice_id__in=ids)
        .order_by()
        .values("invoice_id")
        .annotate(rank=Max("level_rank"))
        .values_list("invoice_id", "rank")
    )
    reasons = {}
    for item in items:
        invoice = invoices[item.invoice_id]
        item.invoice = invoice
        if invoice.amount_due <= 0 or invoice.status not in OPEN_STATUSES:
            reasons[item.pk] = SETTLED
        elif customer_held or invoice.pk in held:
            reasons[item.pk] = ON_HOLD
        elif sent.get(invoice.pk, 0) >= item.level_rank:
            reasons[item.pk] = ALREADY_SENT
    return reasons


def _draft_of(context: SendContext, reminder: Reminder, kept: list[ReminderInvoice]):
    """The reminder made again from the invoices it keeps, as they are now."""
    claimed = set(
        ReminderInvoice.objects.filter(
            sent=True, indemnity__gt=0, invoice_id__in=[item.invoice_id for item in kept]
        ).values_list("invoice_id", flat=True)
    )
    default_rate = context.company.late_penalty_rate or ZERO
    draft = ReminderDraft(
        customer_id=reminder.customer_id,
        customer_name=reminder.customer.name,
        customer_code=reminder.customer.code,
        billing_group=reminder.billing_group,
        recipients=list(reminder.recipients),
    )
    for item in kept:
        invoice = item.invoice
        draft.invoices.append(
            DueInvoice(
                id=invoice.pk,
                number=invoice.number or "",
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                total_gross=invoice.total_gross,
                amount_due=invoice.amount_due,
                penalty_rate=(
                    invoice.late_penalty_rate
                    if invoice.late_penalty_rate is not None
                    else default_rate
                ),
                is_business=invoice.is_business,
                level=context.levels.by_rank[item.level_rank],
                indemnity_claimed=invoice.pk in claimed,
            )
        )
    draft.settle(context.run.as_of)
    draft.render(
        company=context.values,
        balance=customer_balance(reminder.customer).balance,
        deadline=context.deadline,
    )
    return draft


def _record_drops(reminder: Reminder, items, reasons: dict[int, str], by: User | None):
    for item in items:
        if item.pk in reasons:
            audit_record(
                by=by,
                action=AuditEvent.Action.OTHER,
                instance=item,
                customer=reminder.customer,
                changes={"dropped": [None, reasons[item.pk]]},
                message=_("Facture %(number)s retirée de la relance : %(reason)s")
                % {"number": item.invoice.number, "reason": drop_reason_text(reasons[item.pk])},
            )


def _send_one(context: SendContext, reminder_id: int, by: User | None) -> bytes | None:
    """Send one reminder in its own transaction; returns its letter, if it has one."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("customer", "level")
            .get(pk=reminder_id)
        )
        if reminder.status != Reminder.Status.PROPOSED or reminder.excluded:
            return None
        items = list(reminder.items.order_by("invoice_id"))
        reasons = _drop_reasons(context, reminder, items)
        _record_drops(reminder, items, reasons, by)
        kept = [item for item in items if item.pk not in reasons]
        if not kept:
            reminder.status = Reminder.Status.DROPPED
            reminder.save(update_fields=["status"])
            audit_record(
                by=by,
                action=AuditEvent.Action.OTHER,
                instance=reminder,
                customer=reminder.customer,
                message=_("Relance abandonnée : plus aucune facture à relancer"),
            )
            return None
        draft = _draft_of(context, reminder, kept)
        _mark_sent(context, reminder, kept, draft)
        letter = _letter(context, reminder, kept) if draft.channel in LETTER_CHANNELS else None
        if draft.channel in EMAIL_CHANNELS:
            _queue_email(reminder, letter, by)
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=reminder,
            customer=reminder.customer,
            message=_("Relance envoyée (%(level)s, %(channel)s) : %(invoices)s")
            % {
                "level": reminder.level.name,
                "channel": reminder.get_channel_display(),
                "invoices": ", ".join(item.invoice.number for item in kept),
            },
        )
    return letter


def _mark_sent(context: SendContext, reminder: Reminder, kept, draft: ReminderDraft) -> None:
    by_invoice = {invoice.id: invoice for invoice in draft.invoices}
    for item in kept:
        due = by_invoice[item.invoice_id]
        item.amount_due, item.fee = due.amount_due, due.fee
        item.indemnity, item.interest = due.indemnity, due.interest
        item.sent, item.sent_on = True, context.run.as_of
    ReminderInvoice.objects.bulk_update(
        kept, ["amount_due", "fee", "indemnity", "interest", "sent", "sent_on"]
    )
    reminder.level = draft.level
    reminder.channel = draft.channel
    reminder.subject, reminder.body = draft.subject, draft.body
    reminder.amount_due, reminder.fees = draft.amount_due, draft.fees
    reminder.status, reminder.sent_at = Reminder.Status.SENT, timezone.now()
    reminder.save(
        update_fields=[
            "level", "channel", "subject", "body", "amount_due", "fees", "status", "sent_at",
        ]
    )  # fmt: skip


def letter_filename(reminder: Reminder) -> str:
    return f"Relance {reminder.customer.code} {reminder.billing_group}.pdf"


def _letter(context: SendContext, reminder: Reminder, items: list[ReminderInvoice]) -> bytes:
    data = reminder_print_data(
        reminder=reminder,
        items=items,
        company=context.company,
        letter_date=context.today,
        deadline=context.deadline,
        final=reminder.level.rank >= context.last_rank,
    )
    return render_pdf(template="payments/reminder.typ", data=data, company=context.company)


def _queue_email(reminder: Reminder, letter: bytes | None, by: User | None) -> None:
    attachments = [(letter_filename(reminder), letter, "application/pdf")] if letter else []
    try:
        with transaction.atomic():
            email = email_queue(
                to=reminder.recipients,
                subject=reminder.subject,
                body=reminder.body,
                attachments=attachments,
                by=by,
                customer_id=reminder.customer_id,
                related=reminder,
            )
    except ValidationError:
        # An address the outbox refuses (typed long ago): the reminder is posted instead.
        logger.warning("reminder %s: no valid address, posted instead", reminder.pk)
        reminder.channel = ReminderChannel.LETTER
        reminder.save(update_fields=["channel"])
        return
    reminder.email = email
    reminder.save(update_fields=["email"])


def sent_letters(run: DunningRun):
    return (
        run.reminders.filter(status=Reminder.Status.SENT, channel__in=LETTER_CHANNELS)
        .select_related("customer", "level")
        .order_by("customer__name", "customer_id", "billing_group")
    )


def _letters_pdf(context: SendContext) -> bytes | None:
    """One PDF of every letter of the run, to print: those made while sending, and again
    those of a sending that was interrupted."""
    writer = PdfWriter()
    count = 0
    for reminder in sent_letters(context.run):
        letter = context.letters.get(reminder.pk)
        if letter is None:
            items = list(
                reminder.items.filter(sent=True).select_related("invoice").order_by("invoice_id")
            )
            letter = _letter(context, reminder, items)
        writer.append(io.BytesIO(letter))
        count += 1
    if not count:
        return None
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _run_finish(context: SendContext) -> DunningRun:
    letters = _letters_pdf(context)
    with transaction.atomic():
        run = DunningRun.objects.select_for_update().get(pk=context.run.pk)
        if run.status != DunningRun.Status.SENDING:
            return run
        if letters is not None:
            run.letters_pdf.save(letters_filename(run.as_of), ContentFile(letters), save=False)
        run.status, run.sent_at = DunningRun.Status.SENT, timezone.now()
        run.save(update_fields=["letters_pdf", "status", "sent_at"])
        counts = run_counts(run)
        audit_record(
            by=None,
            action=AuditEvent.Action.OTHER,
            instance=run,
            message=_("Relances envoyées : %(sent)s, abandonnées : %(dropped)s")
            % {"sent": counts["sent"], "dropped": counts["dropped"]},
        )
    return run


def letters_filename(as_of: date) -> str:
    return f"relances-{as_of.isoformat()}.pdf"


def run_counts(run: DunningRun) -> dict[str, int]:
    reminders = run.reminders.all()
    return {
        "sent": reminders.filter(status=Reminder.Status.SENT).count(),
        "dropped": reminders.filter(status=Reminder.Status.DROPPED).count(),
        "excluded": reminders.filter(excluded=True).count(),
        "emails": reminders.filter(email__isnull=False).count(),
        "letters": reminders.filter(
            status=Reminder.Status.SENT, channel__in=LETTER_CHANNELS
        ).count(),
    }


def dropped_items(run: DunningRun) -> list[dict]:
    """The invoices that left the run's reminders at sending, with why (from the audit
    trail): [{"reminder", "item", "reason"}]."""
    items = list(
        ReminderInvoice.objects.filter(
            reminder__run=run,
            reminder__excluded=False,
            reminder__status__in=[Reminder.Status.SENT, Reminder.Status.DROPPED],
            sent=False,
        )
        .select_related("reminder__customer", "invoice")
        .order_by("reminder__customer__name", "invoice_id")
    )
    reasons = dict(
        AuditEvent.objects.filter(
            object_type=ReminderInvoice._meta.model_name,
            object_id__in=[str(item.pk) for item in items],
            changes__has_key="dropped",
        ).values_list("object_id", "changes__dropped")
    )
    return [
        {
            "item": item,
            "reminder": item.reminder,
            "code": (reasons.get(str(item.pk)) or [None, ""])[1],
            "reason": drop_reason_text((reasons.get(str(item.pk)) or [None, ""])[1]),
        }
        for item in items
    ]


def dunning_letter_preview(*, reminder: Reminder) -> bytes:
    """A reminder's letter as it would print today (the preview's "voir le courrier")."""
    context = SendContext(reminder.run)
    items = list(reminder.items.select_related("invoice").order_by("invoice_id"))
    if reminder.status == Reminder.Status.SENT:
        items = [item for item in items if item.sent]
    else:
        # A preview has no text yet: written as it would be if sent today (not saved).
        draft = _draft_of(context, reminder, items)
        reminder.subject, reminder.body = draft.subject, draft.body
    return _letter(context, reminder, items)
