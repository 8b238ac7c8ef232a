"""Writes of the monthly billing run: its preview, its issuing, and the task's body that
turns each proposed invoice into an issued one.

Safety, in this order:
- each proposed invoice is made in its own transaction, which locks the run's item and
  the customer's row: two runs over the same customer take turns, and the second sees
  what the first billed (a visit is billed at most once: BilledIntervention's one-to-one;
  a flat fee once a month: InvoiceLine's unique (flat_schedule, flat_month); the database
  refuses the rest, and the item is then rebuilt and tried again);
- an interrupted run (a killed worker, an error) leaves no half-made invoice, since the
  item's transaction rolls back whole; executing the run again makes only the items that
  have no invoice yet.

Locking order: the run's item, the customer, then what services._issue_locked takes
(the numbering counter, then the journal's counter).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.billing.billables import (
    BillableFilters,
    billable_customers,
    billables_propose,
    line_refresh,
    proposal_totals,
)
from creneau.billing.models import (
    BilledIntervention,
    BillingRun,
    BillingRunItem,
    Invoice,
    InvoiceLine,
)
from creneau.billing.rules import user_may_issue_invoices
from creneau.billing.services import _issue_locked
from creneau.core.closing import ensure_period_open
from creneau.core.models import AuditEvent
from creneau.core.services import audit_record
from creneau.customers.models import Customer, InvoiceRecipient

logger = logging.getLogger(__name__)

# The dates a run bills: beyond them, a typo (year 20270), not a month of work.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
# How many times an item is rebuilt when another run billed part of it meanwhile.
ITEM_ATTEMPTS = 3
# Items issued per transaction on the fast path (runs_bulk).


class RunInterrupted(Exception):
    """Raised by tests (through `interrupt_after`) to simulate a worker that dies."""


def _check_may_issue(by: User | None) -> None:
    if by is None or not user_may_issue_invoices(by):
        raise PermissionDenied(_("Votre rôle ne permet pas de facturer."))


def billing_period_check(period_start: date | None, period_end: date | None) -> None:
    """A period of at most a year (beyond, surely a typing mistake), said in words: the
    form, the API and the services agree."""
    if period_start is None or period_end is None:
        raise ValidationError(_("Indiquez le début et la fin de la période."))
    for name, value in (("period_start", period_start), ("period_end", period_end)):
        if not EARLIEST <= value <= LATEST:
            raise ValidationError({name: _("Date hors des limites : de 2000 à 2099.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("La fin de la période ne peut précéder son début.")})
    if period_end >= period_start + relativedelta(years=1):
        raise ValidationError({"period_end": _("Une facturation couvre au plus un an.")})


def billing_run_create(
    *,
    by: User,
    period_start: date,
    period_end: date,
    customer_ids: Iterable[int] | None = None,
    family_ids: Iterable[int] | None = None,
    sales_rep_ids: Iterable[int] | None = None,
    include_missed: bool = False,
) -> BillingRun:
    """Compute the preview: one item per (customer, billing group) with something to bill
    in the period, its lines and totals. Nothing is numbered yet."""
    _check_may_issue(by)
    billing_period_check(period_start, period_end)
    filters = BillableFilters(
        customer_ids=tuple(sorted(set(customer_ids or ()))),
        family_ids=tuple(sorted(set(family_ids or ()))),
        sales_rep_ids=tuple(sorted(set(sales_rep_ids or ()))),
    )
    if filters.customer_ids:
        known = billable_customers(user=by, filters=BillableFilters(filters.customer_ids))
        missing = set(filters.customer_ids) - set(known.values_list("pk", flat=True))
        if missing:
            raise ValidationError(
                {"customer_ids": _("Clients inconnus : %(ids)s.")
                 % {"ids": ", ".join(str(pk) for pk in sorted(missing))}}
            )  # fmt: skip
    proposals = billables_propose(
        user=by,
        period_start=period_start,
        period_end=period_end,
        filters=filters,
        include_missed=include_missed,
    )
    with transaction.atomic():
        run = BillingRun.objects.create(
            period_start=period_start,
            period_end=period_end,
            filters=filters.as_json(),
            include_missed=include_missed,
            created_by=by if by is not None and by.is_authenticated else None,
        )
        items = []
        for proposal in proposals:
            totals = proposal.totals()
            items.append(
                BillingRunItem(
                    run=run,
                    customer_id=proposal.customer_id,
                    billing_group=proposal.billing_group,
                    proposal=proposal.as_json(),
                    total_net=totals.net,
                    total_vat=totals.vat,
                    total_gross=totals.gross,
                )
            )
        BillingRunItem.objects.bulk_create(items, batch_size=2000)
        audit_record(
            by=by,
            action=AuditEvent.Action.CREATE,
            instance=run,
            message=_("Aperçu de facturation : %(count)s factures proposées")
            % {"count": len(items)},
        )
    return run


def _item_totals(item: BillingRunItem) -> None:
    totals = proposal_totals(item.proposal["lines"])
    item.total_net, item.total_vat, item.total_gross = totals.net, totals.vat, totals.gross


def billing_run_issue(
    *,
    run: BillingRun,
    by: User,
    excluded_customer_ids: Iterable[int] = (),
    excluded_lines: Iterable[tuple[int, str]] = (),
    send: bool = False,
    enqueue: bool = True,
) -> BillingRun:
    """Leave out the unticked customers and lines, then hand the run to the task worker
    (`enqueue=False`: the caller executes it itself, as the command does)."""
    _check_may_issue(by)
    ensure_period_open(timezone.localdate())
    excluded_customers = set(excluded_customer_ids)
    lines_by_item: dict[int, set[str]] = {}
    for item_id, key in excluded_lines:
        lines_by_item.setdefault(int(item_id), set()).add(str(key))
    with transaction.atomic():
        locked = BillingRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != BillingRun.Status.PREVIEW:
            raise ValidationError(_("Cette facturation est déjà émise ou en cours d'émission."))
        changed = []
        for item in locked.items.filter(
            Q(customer_id__in=excluded_customers) | Q(pk__in=lines_by_item)
        ):
            if item.customer_id in excluded_customers:
                item.excluded = True
            keys = lines_by_item.get(item.pk, set())
            for line in item.proposal["lines"]:
                line["excluded"] = line["key"] in keys
            if all(line.get("excluded") for line in item.proposal["lines"]):
                item.excluded = True
            _item_totals(item)
            changed.append(item)
        BillingRunItem.objects.bulk_update(
            changed, ["excluded", "proposal", "total_net", "total_vat", "total_gross"]
        )
        locked.status = BillingRun.Status.ISSUING
        locked.send = send
        locked.progress_done = 0
        locked.progress_total = locked.items.filter(excluded=False).count()
        locked.save(update_fields=["status", "send", "progress_done", "progress_total"])
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            message=_("Émission lancée : %(count)s factures") % {"count": locked.progress_total},
        )
        if enqueue:
            transaction.on_commit(lambda: _queue_run(locked.pk))
    return locked


def billing_run_item_exclude(
    *, item: BillingRunItem, by: User, excluded: bool, line_key: str | None = None
) -> BillingRunItem:
    """Untick (or tick again) a proposed invoice, or one of its lines, before issuing;
    its totals follow. The run must still be a preview."""
    _check_may_issue(by)
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=item.run_id)
        if run.status != BillingRun.Status.PREVIEW:
            raise ValidationError(_("Cette facturation est déjà émise ou en cours d'émission."))
        locked = BillingRunItem.objects.select_for_update().get(pk=item.pk)
        if line_key is None:
            locked.excluded = excluded
        else:
            lines = [line for line in locked.proposal["lines"] if line["key"] == line_key]
            if not lines:
                raise ValidationError(_("Cette ligne n'est pas dans la facture proposée."))
            lines[0]["excluded"] = excluded
            locked.excluded = all(line.get("excluded") for line in locked.proposal["lines"])
            _item_totals(locked)
        locked.save(update_fields=["excluded", "proposal", "total_net", "total_vat", "total_gross"])
    return locked


def billing_run_resume(*, run: BillingRun, by: User) -> BillingRun:
    """Queue again a run that failed or whose worker stopped: only what is left is made
    (two workers on one run are safe: each item is made once, under its lock)."""
    _check_may_issue(by)
    with transaction.atomic():
        locked = BillingRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in (BillingRun.Status.ISSUING, BillingRun.Status.FAILED):
            raise ValidationError(_("Cette facturation n'est pas en cours d'émission."))
        locked.status, locked.error = BillingRun.Status.ISSUING, ""
        locked.save(update_fields=["status", "error"])
        audit_record(
            by=by, action=AuditEvent.Action.OTHER, instance=locked, message=_("Émission reprise")
        )
        transaction.on_commit(lambda: _queue_run(locked.pk))
    return locked


def _queue_run(run_id: int) -> None:
    from creneau.billing.tasks import execute_billing_run

    execute_billing_run.enqueue(run_id)


# Executing (the task's body) ----------------------------------------------------------


def _already_billed(lines: list[dict[str, Any]]) -> tuple[set[int], set[tuple[int, str]]]:
    """The visits and flat fees among the lines that some invoice bills already."""
    visit_ids = [visit[0] for line in lines for visit in line["visits"]]
    billed = set(
        BilledIntervention.objects.filter(intervention_id__in=visit_ids).values_list(
            "intervention_id", flat=True
        )
    )
    flat = [(line["flat_schedule_id"], line["flat_month"]) for line in lines]
    flat = [(schedule, month) for schedule, month in flat if schedule]
    flat_billed: set[tuple[int, str]] = set()
    if flat:
        for schedule_id, month in InvoiceLine.objects.filter(
            flat_schedule_id__in=[schedule for schedule, _month in flat],
            flat_month__in=[month for _schedule, month in flat],
        ).values_list("flat_schedule_id", "flat_month"):
            flat_billed.add((schedule_id, month.isoformat()))
    return billed, flat_billed


def lines_left(
    lines: list[dict[str, Any]], billed: set[int], flat_billed: set[tuple[int, str]]
) -> list[dict[str, Any]]:
    """The lines less the visits and flat fees billed since the preview, recounted."""
    left = []
    for line in lines:
        flat_key = (line["flat_schedule_id"], line["flat_month"])
        if line["flat_schedule_id"] and flat_key in flat_billed:
            continue
        visits = [visit for visit in line["visits"] if visit[0] not in billed]
        if not visits and not line["flat_schedule_id"]:
            continue
        if len(visits) != len(line["visits"]):
            line = line_refresh({**line, "visits": visits})
        left.append(line)
    return left


def item_lines_left(item: BillingRunItem) -> list[dict[str, Any]]:
    """The item's ticked lines, less what was billed since the preview."""
    lines = [line for line in item.proposal["lines"] if not line.get("excluded")]
    billed, flat_billed = _already_billed(lines)
    return lines_left(lines, billed, flat_billed)


def invoice_lines_of(invoice: Invoice, lines: list[dict[str, Any]], sites: dict[int, str]):
    """The invoice's lines, in the proposal's order (by site, then service); a section
    title per site when the invoice bills several."""
    titled = len({line["site_id"] for line in lines}) > 1
    result, current_site = [], None
    for line in lines:
        if titled and line["site_id"] != current_site:
            current_site = line["site_id"]
            result.append(
                InvoiceLine(
                    invoice=invoice,
                    position=len(result),
                    line_type=InvoiceLine.LineType.SECTION,
                    site_id=current_site,
                    description=sites.get(current_site, ""),
                    quantity=Decimal(0),
                )
            )
        result.append(
            InvoiceLine(
                invoice=invoice,
                position=len(result),
                # A flat fee of a schedule without a service is a free line.
                line_type=(
                    InvoiceLine.LineType.SERVICE
                    if line["service_id"]
                    else InvoiceLine.LineType.FREE
                ),
                service_id=line["service_id"],
                site_id=line["site_id"],
                description=line["description"],
                quantity=Decimal(line["quantity"]),
                unit=line["unit"],
                unit_price=Decimal(line["unit_price"]),
                vat_rate_id=line["vat_rate_id"],
                vat_rate_value=Decimal(line["vat_rate"]),
                vat_exemption=line["vat_exemption"],
                net=Decimal(line["net"]),
                flat_schedule_id=line["flat_schedule_id"],
                flat_month=date.fromisoformat(line["flat_month"]) if line["flat_month"] else None,
            )
        )
    return result


def _make_invoice(run: BillingRun, item: BillingRunItem, lines: list[dict], by: User | None):
    invoice = Invoice(
        customer=item.customer,
        billing_group=item.billing_group,
        billing_run=run,
        period_start=run.period_start,
        period_end=run.period_end,
        created_by=by,
    )
    invoice.needs_posting = not _reachable(item.customer, item.billing_group)
    invoice.save()
    site_ids = sorted({line["site_id"] for line in lines})
    Invoice.sites.through.objects.bulk_create(
        [Invoice.sites.through(invoice_id=invoice.pk, site_id=pk) for pk in site_ids]
    )
    sites = dict(item.customer.sites.filter(pk__in=site_ids).values_list("pk", "name"))
    saved = invoice_lines_of(invoice, lines, sites)
    InvoiceLine.objects.bulk_create(saved)
    links = []
    section = InvoiceLine.LineType.SECTION
    service_lines = [line for line in saved if line.line_type != section]
    for proposed, line in zip(lines, service_lines, strict=True):
        links += [
            BilledIntervention(
                intervention_id=visit[0], line=line, date=date.fromisoformat(visit[1])
            )
            for visit in proposed["visits"]
        ]
    # Always the same order, so that two runs inserting the same visits wait for each other
    # instead of deadlocking.
    links.sort(key=lambda link: link.intervention_id)
    BilledIntervention.objects.bulk_create(links)
    return invoice, saved


def _reachable(customer: Customer, billing_group: str) -> bool:
    """Somewhere to e-mail the invoice: a recipient of the group, or the customer's e-mail
    (else it is flagged to be posted)."""
    if customer.email:
        return True
    return (
        InvoiceRecipient.objects.filter(
            customer=customer, billing_group=billing_group, for_invoices=True
        )
        .filter(~Q(email="") | ~Q(contact__email=""))
        .exists()
    )


def _execute_item(run: BillingRun, item_id: int, by: User | None) -> bool:
    """Make and issue one item's invoice in its own transaction, through _issue_locked;
    False when nothing was made (done already, billed meanwhile, or refused: the reason is
    kept on the item)."""
    with transaction.atomic():
        item = (
            BillingRunItem.objects.select_for_update(of=("self", "customer"))
            .select_related("customer")
            .get(pk=item_id)
        )
        if item.invoice_id is not None or item.excluded or _item_closed(item):
            return False
        lines = item_lines_left(item)
        if not lines:
            item.proposal["emptied"] = True
            item.save(update_fields=["proposal"])
            progress_refresh(run)
            return False
        try:
            with transaction.atomic():
                invoice, saved = _make_invoice(run, item, lines, by)
                _issue_locked(invoice, by, saved)
        except ValidationError as error:
            item.proposal["error"] = " ".join(error.messages)[:500]
            item.save(update_fields=["proposal"])
            progress_refresh(run)
            return False
        item.invoice = invoice
        item.save(update_fields=["invoice"])
        progress_refresh(run)  # _issue_locked queued the PDF
    return True


def _item_closed(item: BillingRunItem) -> bool:
    return bool(item.proposal.get("emptied") or item.proposal.get("error"))


def _execute_item_retrying(run: BillingRun, item_id: int, by: User | None) -> bool:
    for attempt in range(1, ITEM_ATTEMPTS + 1):
        try:
            return _execute_item(run, item_id, by)
        except (IntegrityError, OperationalError):
            # Another run billed some of the same visits at the same moment (or the two
            # deadlocked): the rolled-back item is rebuilt from what is left.
            if attempt == ITEM_ATTEMPTS:
                raise
            logger.info("billing run %s: item %s retried", run.pk, item_id)
    return False


def _pending(run: BillingRun) -> list[int]:
    return list(
        run.items.filter(
            excluded=False,
            invoice__isnull=True,
            proposal__emptied__isnull=True,
            proposal__error__isnull=True,
        )
        .order_by("id")
        .values_list("pk", flat=True)
    )


def billing_run_execute(*, run_id: int, interrupt_after: int | None = None) -> BillingRun:
    """Make every item that has no invoice yet, by batches (runs_bulk: one transaction per
    batch; a batch that fails is made again item by item, each in its own transaction),
    then mark the run issued and, if asked, queue the sending. Safe to run again after an
    interruption, and beside another worker on the same run.
    (`interrupt_after`, for tests: raise RunInterrupted once that many invoices are made.)"""
    from creneau.billing.runs_bulk import execute_batch

    run = BillingRun.objects.select_related("created_by").get(pk=run_id)
    if run.status not in (BillingRun.Status.ISSUING, BillingRun.Status.FAILED):
        return run
    if run.status == BillingRun.Status.FAILED:
        BillingRun.objects.filter(pk=run.pk).update(status=BillingRun.Status.ISSUING, error="")
    by = run.created_by
    pending = _pending(run)
    made = 0
    size = settings.BILLING_RUN_BATCH_SIZE
    for start in range(0, len(pending), size):
        batch = pending[start : start + size]
        try:
            made += len(execute_batch(run, batch, by))
        except Exception:
            logger.warning("billing run %s: batch made item by item", run.pk, exc_info=True)
            made += sum(_execute_item_retrying(run, item_id, by) for item_id in batch)
        if interrupt_after is not None and made >= interrupt_after:
            raise RunInterrupted(made)
    return _run_finish(run)


def progress_refresh(run: BillingRun) -> None:
    """The run's count of items done (an invoice made, or nothing left to make)."""
    done = run.items.filter(excluded=False).filter(
        Q(invoice__isnull=False) | Q(proposal__emptied=True) | Q(proposal__error__isnull=False)
    )
    BillingRun.objects.filter(pk=run.pk).update(progress_done=done.count())


def queue_pdfs(invoice_ids: list[int]) -> None:
    """The workers make the PDFs after the invoices' commit: one task per batch."""
    from creneau.billing.tasks import make_invoice_pdfs

    transaction.on_commit(lambda: make_invoice_pdfs.enqueue(invoice_ids))


def _run_finish(run: BillingRun) -> BillingRun:
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        if run.status == BillingRun.Status.ISSUED:
            return run
        progress_refresh(run)
        run.refresh_from_db(fields=["progress_done"])
        run.status = BillingRun.Status.ISSUED
        run.issued_at = timezone.now()
        run.save(update_fields=["status", "issued_at"])
        if run.send:
            run_id = run.pk
            transaction.on_commit(lambda: _queue_sending(run_id))
    return run


def billing_run_fail(*, run_id: int, error: str) -> None:
    """Record why the task stopped; the run can be resumed (billing_run_resume)."""
    BillingRun.objects.filter(pk=run_id, status=BillingRun.Status.ISSUING).update(
        status=BillingRun.Status.FAILED, error=error[:2000]
    )


def _queue_sending(run_id: int) -> None:
    from creneau.billing.tasks import send_billing_run_invoices

    send_billing_run_invoices.enqueue(run_id)


def billing_run_sending_batches(*, run_id: int) -> list[list[int]]:
    """The run's invoices not sent yet, by batches of BILLING_RUN_BATCH_SIZE: what each
    send_invoices task sends (several workers share them)."""
    invoice_ids = list(
        BillingRunItem.objects.filter(run_id=run_id, invoice__isnull=False)
        .filter(invoice__sent_at__isnull=True)
        .order_by("invoice_id")
        .values_list("invoice_id", flat=True)
    )
    size = settings.BILLING_RUN_BATCH_SIZE
    return [invoice_ids[start : start + size] for start in range(0, len(invoice_ids), size)]


def billing_run_invoice_ids(run: BillingRun) -> list[int]:
    return list(
        run.items.filter(invoice__isnull=False)
        .order_by("invoice_id")
        .values_list("invoice_id", flat=True)
    )
