"""Writes of quotes: create, edit the lines of a draft, finalise (number), send, accept,
refuse, duplicate, expire.

Callers have fetched the quote through the selectors (visibility) and checked that the user
may write quotes (user_edits_quotes). Every write records an audit row on the customer.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from creneau.catalog.models import Service
from creneau.catalog.selectors import service_price_for_site
from creneau.core.models import AuditEvent, OutboxEmail
from creneau.core.params import parse_id
from creneau.core.services import (
    TooManyRequests,
    audit_record,
    counter_next,
    email_queue,
    fields_apply,
    model_changes,
    model_snapshot,
)
from creneau.customers.models import Customer, Site
from creneau.planning.models import MAX_DURATION_MINUTES, Schedule
from creneau.planning.recurrence import Recurrence
from creneau.planning.services import schedule_create
from creneau.quotes.bounds import amount_error, max_amount
from creneau.quotes.documents import (
    fill_number,
    quote_email_defaults,
    quote_pdf_document,
    quote_pdf_filename,
    quote_pdf_freeze,
)
from creneau.quotes.models import (
    DEFAULT_VALIDITY_DAYS,
    OFFERED_STATUSES,
    Quote,
    QuoteLine,
    quote_lines_totals,
)

QUOTE_FIELDS = ["site", "validity_date", "notes"]
LINE_FIELDS = [
    "line_type", "service", "description", "quantity", "unit", "unit_price", "vat_rate",
    "discount_percent",
]  # fmt: skip


def ensure_draft(quote: Quote) -> None:
    """A sent quote is frozen: it is duplicated into a new draft, never edited."""
    if quote.status != Quote.Status.DRAFT:
        raise ValidationError(
            _(
                "Ce devis n'est plus un brouillon (%(status)s) : il ne peut plus être modifié. "
                "Dupliquez-le pour en faire un nouveau brouillon."
            )
            % {"status": quote.get_effective_status_display().lower()}
        )


def _lock(quote: Quote) -> Quote:
    """The quote's row, locked until the transaction ends: writes to one quote queue up, and
    each re-reads the status another may just have changed (finalised, sent...)."""
    return Quote.objects.select_for_update().get(pk=quote.pk)


def _lock_draft(quote: Quote) -> Quote:
    locked = _lock(quote)
    ensure_draft(locked)
    return locked


def _check_amounts(quote: Quote, line: QuoteLine) -> None:
    """Refuse, before anything is saved, a line whose total, or whose quote's totals, exceed
    the business size (settings.QUOTE_MAX_AMOUNT, see bounds.py)."""
    if abs(line.net) > max_amount():
        raise ValidationError({"unit_price": amount_error()})
    others = [other for other in quote.lines.select_related("vat_rate") if other.pk != line.pk]
    _check_totals([*others, line])


def _check_totals(lines: list[QuoteLine]) -> None:
    totals = quote_lines_totals(lines)
    if any(abs(amount) > max_amount() for amount in (totals.net, totals.vat, totals.gross)):
        raise ValidationError({"unit_price": amount_error()})


def _audit(quote: Quote, by: User | None, action: str, message: str = "", changes=None) -> None:
    audit_record(
        by=by,
        action=action,
        instance=quote,
        customer=quote.customer,
        message=message,
        changes=changes,
    )


def quote_recompute(*, quote: Quote) -> Quote:
    """Store the totals computed from the lines (the list shows them without the lines)."""
    totals = quote.totals(list(quote.lines.select_related("vat_rate")))
    quote.total_net, quote.total_vat, quote.total_gross = totals.net, totals.vat, totals.gross
    Quote.objects.filter(pk=quote.pk).update(
        total_net=totals.net,
        total_vat=totals.vat,
        total_gross=totals.gross,
        updated_at=timezone.now(),
    )
    return quote


def quote_create(
    *, customer: Customer, by: User | None, site: Site | None = None, **fields: Any
) -> Quote:
    """Start a draft quote for a customer (optionally one of its sites), valid 30 days."""
    quote = Quote(customer=customer, site=site, created_by=by)
    fields_apply(quote, fields, QUOTE_FIELDS)
    quote.full_clean()
    with transaction.atomic():
        quote.save()
        _audit(quote, by, AuditEvent.Action.CREATE)
    return quote


def quote_update(*, quote: Quote, by: User | None, **fields: Any) -> Quote:
    """Change the site, validity date or notes of a draft."""
    ensure_draft(quote)
    before = model_snapshot(quote, QUOTE_FIELDS)
    fields_apply(quote, fields, QUOTE_FIELDS)
    quote.full_clean()
    changes = model_changes(before, model_snapshot(quote, QUOTE_FIELDS))
    if changes:
        with transaction.atomic():
            _lock_draft(quote)
            # Only these fields: the object may hold totals older than the stored ones.
            quote.save(update_fields=[*QUOTE_FIELDS, "updated_at"])
            _audit(quote, by, AuditEvent.Action.UPDATE, changes=changes)
    return quote


def quote_delete(*, quote: Quote, by: User | None) -> None:
    """Delete a draft (it has no number yet, so no gap is made)."""
    ensure_draft(quote)
    with transaction.atomic():
        _lock_draft(quote)
        _audit(quote, by, AuditEvent.Action.DELETE)
        quote.delete()


def _prefill_from_service(line: QuoteLine, site: Site | None, given: dict[str, Any]) -> None:
    """A service line starts as the catalogue says (the site's own price first); whatever
    the caller gave explicitly wins."""
    service: Service = line.service
    if given.get("description") is None:
        line.description = "\n".join(part for part in (service.label, service.description) if part)
    if given.get("unit") is None:
        line.unit = service.unit
    if given.get("unit_price") is None:
        line.unit_price = service_price_for_site(service=service, site=site)
    if given.get("vat_rate") is None and service.vat_rate.is_active:
        line.vat_rate = service.vat_rate


def _normalise_line(line: QuoteLine) -> None:
    """Section titles and comments carry no amounts; every line's net is recomputed."""
    if not line.has_amount:
        line.quantity, line.unit_price, line.discount_percent = Decimal(0), Decimal(0), Decimal(0)
        line.vat_rate, line.unit, line.service = None, "", None
    if line.line_type != QuoteLine.LineType.SERVICE:
        line.service = None
    if line.discount_percent is None:
        line.discount_percent = Decimal(0)
    line.net = line.compute_net()


def quote_line_add(*, quote: Quote, by: User | None, **fields: Any) -> QuoteLine:
    """Add a line at the end of a draft. A service line is prefilled from the catalogue."""
    ensure_draft(quote)
    given = {name: value for name, value in fields.items() if value is not None}
    line = QuoteLine(quote=quote)
    fields_apply(line, given, LINE_FIELDS)
    if line.line_type == QuoteLine.LineType.DISCOUNT and "quantity" not in given:
        line.quantity = Decimal(-1)
    if line.line_type == QuoteLine.LineType.SERVICE and line.service_id:
        if not line.service.is_active:
            raise ValidationError({"service": _("Cette prestation n'est plus au catalogue.")})
        _prefill_from_service(line, quote.site, given)
    _normalise_line(line)
    line.full_clean(exclude=["quote", "position", "net"])
    with transaction.atomic():
        _lock_draft(quote)
        _check_amounts(quote, line)
        last = quote.lines.order_by("-position").values_list("position", flat=True).first()
        line.position = (last + 1) if last is not None else 0
        line.save()
        quote_recompute(quote=quote)
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=line, customer=quote.customer)
    return line


def quote_line_update(*, line: QuoteLine, by: User | None, **fields: Any) -> QuoteLine:
    """Change a line of a draft; the quote's totals follow."""
    quote = line.quote
    ensure_draft(quote)
    before = model_snapshot(line, LINE_FIELDS)
    fields_apply(line, fields, LINE_FIELDS)
    _normalise_line(line)
    line.full_clean(exclude=["quote", "position", "net"])
    changes = model_changes(before, model_snapshot(line, LINE_FIELDS))
    if not changes:
        return line
    with transaction.atomic():
        _lock_draft(quote)
        _ensure_line_exists(line)
        _check_amounts(quote, line)
        line.save()
        quote_recompute(quote=quote)
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=line,
            customer=quote.customer,
            changes=changes,
        )
    return line


def _ensure_line_exists(line: QuoteLine) -> None:
    """A line deleted meanwhile is not saved again (save() would insert it back)."""
    if not QuoteLine.objects.filter(pk=line.pk, quote_id=line.quote_id).exists():
        raise ValidationError(_("Cette ligne a été supprimée entre-temps."))


def quote_line_delete(*, line: QuoteLine, by: User | None) -> None:
    quote = line.quote
    ensure_draft(quote)
    with transaction.atomic():
        _lock_draft(quote)
        audit_record(by=by, action=AuditEvent.Action.DELETE, instance=line, customer=quote.customer)
        line.delete()
        quote_recompute(quote=quote)


def quote_lines_reorder(*, quote: Quote, line_ids: list[int], by: User | None) -> None:
    """Put the lines of a draft in the given order (every line id, once)."""
    ensure_draft(quote)
    with transaction.atomic():
        _lock_draft(quote)
        current = {line.pk: line for line in quote.lines.only("id", "quote_id", "position")}
        if sorted(current) != sorted(line_ids):
            raise ValidationError(
                {"lines": _("Donnez chaque ligne du devis une fois, et elles seules.")}
            )
        moved = []
        for position, line_id in enumerate(line_ids):
            line = current[line_id]
            if line.position != position:
                line.position = position
                moved.append(line)
        if moved:
            # One statement for all the moved lines, however long the quote.
            QuoteLine.objects.bulk_update(moved, ["position"])
            _audit(quote, by, AuditEvent.Action.UPDATE, message=_("Lignes réordonnées."))


def quote_line_move(*, line: QuoteLine, by: User | None, up: bool) -> None:
    """Move a line one place up or down."""
    ids = list(line.quote.lines.order_by("position", "id").values_list("id", flat=True))
    index = ids.index(line.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        quote_lines_reorder(quote=line.quote, line_ids=ids, by=by)


def quote_duplicate(*, quote: Quote, by: User | None) -> Quote:
    """A new draft with the same customer, site, notes and lines, dated today."""
    copy = Quote(
        customer=quote.customer,
        site=quote.site,
        notes=quote.notes,
        created_by=by,
        duplicated_from=quote,
    )
    lines = list(quote.lines.order_by("position", "id"))
    with transaction.atomic():
        copy.save()
        for line in lines:
            line.pk = None
            line.quote = copy
        QuoteLine.objects.bulk_create(lines)
        quote_recompute(quote=copy)
        _audit(
            copy,
            by,
            AuditEvent.Action.CREATE,
            message=_("Dupliqué du devis %(number)s") % {"number": quote},
        )
    return copy


def _check_complete(quote: Quote) -> None:
    """Every line valid, and at least one with an amount, before a number is given."""
    lines = list(quote.lines.select_related("vat_rate", "service").order_by("position", "id"))
    if not any(line.has_amount for line in lines):
        raise ValidationError(_("Ajoutez au moins une ligne chiffrée avant de finaliser le devis."))
    for index, line in enumerate(lines, start=1):
        try:
            line.full_clean(exclude=["quote", "position"])
        except ValidationError as error:
            raise ValidationError(
                _("Ligne %(index)s : %(errors)s")
                % {"index": index, "errors": " ".join(error.messages)}
            ) from error
    # A quote drafted before the bounds may hold lines within them and totals beyond.
    try:
        _check_totals(lines)
    except ValidationError as error:
        raise ValidationError(error.messages) from error


def quote_finalize(*, quote: Quote, by: User | None) -> Quote:
    """Give a draft its number (D-YYYY-NNNNN, gapless per year) and freeze it.

    The quote is dated the day it is finalised; a validity date already past keeps its
    length from the old date.
    """
    with transaction.atomic():
        # Everything from the locked row: the caller's object may be older than it.
        locked = _lock_draft(quote)
        _check_complete(locked)
        today = timezone.localdate()
        if locked.validity_date < today:
            length = (locked.validity_date - locked.date).days or DEFAULT_VALIDITY_DAYS
            locked.validity_date = today + timedelta(days=max(length, 1))
        locked.date = today
        locked.number = f"D-{today.year}-{counter_next(name=f'quote-{today.year}'):05d}"
        locked.status = Quote.Status.FINALISED
        locked.finalized_at = timezone.now()
        locked.save()
        quote_recompute(quote=locked)
        quote_pdf_freeze(quote=locked)
        _audit(
            locked,
            by,
            AuditEvent.Action.OTHER,
            message=_("Finalisé : numéro %(number)s") % {"number": locked.number},
        )
        quote.refresh_from_db()
    return quote


def quote_accept(
    *,
    quote: Quote,
    by: User | None,
    answer_name: str = "",
    answer_ip: str | None = None,
) -> Quote:
    """Record that the customer accepted a finalised or sent quote (before its validity
    date): a quote handed over in person is accepted without an e-mail. On the client
    portal, the customer's typed name and address (`answer_name`, `answer_ip`) are kept
    with the answer and `by` is None."""
    if not quote.is_offered:
        raise ValidationError(_("Seul un devis finalisé ou envoyé peut être accepté."))
    if quote.effective_status == Quote.Status.EXPIRED:
        raise ValidationError(
            _("Ce devis a expiré le %(date)s : dupliquez-le pour en proposer un nouveau.")
            % {"date": date_format(quote.validity_date, "SHORT_DATE_FORMAT")}
        )
    with transaction.atomic():
        if _lock(quote).status not in OFFERED_STATUSES:
            raise ValidationError(_("Seul un devis finalisé ou envoyé peut être accepté."))
        quote.status = Quote.Status.ACCEPTED
        quote.accepted_at = timezone.now()
        quote.answer_name, quote.answer_ip = answer_name, answer_ip
        quote.save(
            update_fields=["status", "accepted_at", "answer_name", "answer_ip", "updated_at"]
        )
        message = (
            _("Accepté sur le portail par %(name)s") % {"name": answer_name}
            if answer_name
            else _("Accepté par le client")
        )
        _audit(quote, by, AuditEvent.Action.OTHER, message=message)
    return quote


REFUSAL_FIELDS = [
    "status", "refused_at", "refusal_reason", "answer_name", "answer_ip", "updated_at",
]  # fmt: skip


def quote_refuse(
    *,
    quote: Quote,
    by: User | None,
    refusal_reason: str = "",
    answer_name: str = "",
    answer_ip: str | None = None,
) -> Quote:
    """Record that the customer refused a finalised, sent (or expired) quote, with its
    reason if it gave one (bounded by the field: 500 characters)."""
    max_reason = Quote._meta.get_field("refusal_reason").max_length
    refusal_reason = (refusal_reason or "").strip()
    if len(refusal_reason) > max_reason:
        raise ValidationError(
            {
                "refusal_reason": _("Le motif tient en %(max)d caractères au plus.")
                % {"max": max_reason}
            }
        )
    refusable = (*OFFERED_STATUSES, Quote.Status.EXPIRED)
    if quote.status not in refusable:
        raise ValidationError(_("Seul un devis finalisé ou envoyé peut être refusé."))
    with transaction.atomic():
        if _lock(quote).status not in refusable:
            raise ValidationError(_("Seul un devis finalisé ou envoyé peut être refusé."))
        quote.status = Quote.Status.REFUSED
        quote.refused_at = timezone.now()
        quote.refusal_reason = refusal_reason
        quote.answer_name, quote.answer_ip = answer_name, answer_ip
        quote.save(update_fields=REFUSAL_FIELDS)
        if answer_name:
            message = _("Refusé sur le portail par %(name)s") % {"name": answer_name}
        else:
            message = _("Refusé sur le portail") if answer_ip else _("Refusé par le client")
        if refusal_reason:
            message += " : " + refusal_reason
        _audit(quote, by, AuditEvent.Action.OTHER, message=message)
    return quote


# Planifier: the schedules of an accepted quote -------------------------------------------

PLAN_START_TIME = time(8, 0)
PLAN_DEFAULT_MINUTES = 60


def quote_may_plan(quote: Quote) -> bool:
    """Accepted, for a site, and not planned yet: "Planifier" is offered."""
    return (
        quote.status == Quote.Status.ACCEPTED
        and quote.site_id is not None
        and quote.planned_at is None
    )


def _planned_minutes(line: QuoteLine) -> int:
    """The visit's length: the quantity of hours (1 minute to 24 h) for a line counted in
    hours, an hour otherwise."""
    unit = line.unit or line.service.unit
    if unit != Service.Unit.HOUR:
        return PLAN_DEFAULT_MINUTES
    minutes = int((line.quantity * 60).to_integral_value())
    return min(max(minutes, 1), MAX_DURATION_MINUTES)


def _check_plannable(quote: Quote, lines: list[QuoteLine]) -> None:
    if quote.status != Quote.Status.ACCEPTED:
        raise ValidationError({"status": _("Seul un devis accepté peut être planifié.")})
    if quote.site_id is None:
        raise ValidationError(
            {"site": _("Ce devis n'a pas de site : indiquez le site d'intervention d'abord.")}
        )
    if not lines:
        raise ValidationError(
            {"lines": _("Ce devis n'a aucune ligne de prestation du catalogue à planifier.")}
        )


def quote_plan(*, quote: Quote, by: User | None) -> list[Schedule]:
    """Planifier: one schedule per service line of an accepted quote with a site, for the
    planner to complete. Each is weekly on the quote date's weekday, at 08:00, for the
    line's hours (an hour if not counted in hours), from next Monday, with no employee.
    Once only: the quote records when it was planned."""
    if quote.planned_at is not None:
        raise QuoteAlreadyPlanned(quote)
    lines = [
        line
        for line in quote.lines.select_related("service").order_by("position", "id")
        if line.line_type == QuoteLine.LineType.SERVICE and line.service_id
    ]
    _check_plannable(quote, lines)
    today = timezone.localdate()
    first_date = today + timedelta(days=7 - today.weekday())  # the Monday after today
    rule = Recurrence(kind="weekly", weekdays=(quote.date.weekday(),)).to_rrule()
    with transaction.atomic():
        locked = _lock(quote)
        if locked.planned_at is not None:
            raise QuoteAlreadyPlanned(locked)
        schedules = [
            schedule_create(
                site=quote.site,
                by=by,
                service=line.service,
                employee=None,
                rrule=rule,
                start_date=first_date,
                start_time=PLAN_START_TIME,
                duration_minutes=_planned_minutes(line),
                notes=_("D'après le devis %(number)s.") % {"number": quote.number},
            )
            for line in lines
        ]
        quote.planned_at = timezone.now()
        quote.save(update_fields=["planned_at", "updated_at"])
        _audit(
            quote,
            by,
            AuditEvent.Action.OTHER,
            message=_("Planifié : %(count)s programmation(s) créée(s)") % {"count": len(schedules)},
        )
    return schedules


class QuoteAlreadyPlanned(ValidationError):
    """ "Planifier" was already done for this quote (the API answers 409)."""

    def __init__(self, quote: Quote) -> None:
        super().__init__(
            {
                "planned_at": _("Ce devis est déjà planifié (le %(date)s).")
                % {"date": date_format(timezone.localtime(quote.planned_at), "SHORT_DATE_FORMAT")}
            }
        )


def quotes_expire(*, today=None) -> int:
    """Mark as expired the offered quotes whose validity date has passed (the daily
    command)."""
    today = today or timezone.localdate()
    expired = 0
    stale = Quote.objects.filter(status__in=OFFERED_STATUSES, validity_date__lt=today)
    for quote in stale.select_related("customer").iterator():
        with transaction.atomic():
            offered = Quote.objects.filter(pk=quote.pk, status__in=OFFERED_STATUSES)
            updated = offered.update(status=Quote.Status.EXPIRED, updated_at=timezone.now())
            if updated:
                expired += 1
                _audit(quote, None, AuditEvent.Action.OTHER, message=_("Expiré"))
    return expired


# A quote goes to its customer and a few colleagues, not to a mailing list: the outbox
# must never relay a sales rep's mass mailing under the company's name.
MAX_RECIPIENTS = 10
SEND_RATE_WINDOW = timedelta(hours=1)


def _check_recipients(
    addresses: list[str] | str | None, *, field: str, required: bool = True
) -> list[str]:
    """The typed or picked addresses, cleaned; a French message at `field` for a bad one."""
    if isinstance(addresses, str):
        addresses = addresses.replace(";", ",").split(",")
    recipients = []
    for address in addresses or []:
        address = (address or "").strip()
        if address and address.lower() not in {known.lower() for known in recipients}:
            recipients.append(address)
    if required and not recipients:
        raise ValidationError({field: _("Indiquez au moins un destinataire.")})
    bad = []
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(
            {
                field: _("« %(address)s » n'est pas une adresse e-mail valide.")
                % {"address": ", ".join(bad)}
            }
        )
    return recipients


def _check_recipient_count(recipients: list[str], copies: list[str]) -> None:
    count = len(recipients) + len(copies)
    limit = getattr(settings, "QUOTE_SEND_MAX_RECIPIENTS", MAX_RECIPIENTS)
    if count > limit:
        raise ValidationError(
            {
                "to": _(
                    "Un devis s'envoie à %(limit)s adresses au plus (destinataires et copies "
                    "comprises) : vous en avez indiqué %(count)s."
                )
                % {"limit": limit, "count": count}
            },
            code="too_many_recipients",
        )


def _check_send_rate(by: User | None) -> None:
    """Refuse a send past the user's hourly allowance (QUOTE_SEND_RATE_PER_HOUR).

    Counted from the outbox rows, not from a process's memory: every web worker and
    machine sees the same count. The user's row is locked until the caller's transaction
    ends, so two sends at once by the same user are counted one after the other.
    """
    if by is None or not by.is_authenticated:
        return
    limit = settings.QUOTE_SEND_RATE_PER_HOUR
    User.objects.select_for_update().filter(pk=by.pk).first()
    now = timezone.now()
    sends = OutboxEmail.objects.filter(
        created_by=by,
        related_type=Quote._meta.model_name,
        created_at__gt=now - SEND_RATE_WINDOW,
    )
    if sends.count() < limit:
        return
    oldest = sends.order_by("created_at").values_list("created_at", flat=True).first()
    retry_after = max(int((oldest + SEND_RATE_WINDOW - now).total_seconds()) + 1, 1)
    raise TooManyRequests(
        _(
            "Trop d'envois : %(limit)s e-mails de devis par heure au plus. "
            "Réessayez dans %(minutes)s min."
        )
        % {"limit": limit, "minutes": -(-retry_after // 60)},
        retry_after=retry_after,
    )


def quote_send(
    *,
    quote: Quote,
    by: User | None,
    to: list[str],
    subject: str = "",
    message: str = "",
    cc: list[str] = (),
) -> OutboxEmail:
    """Send a quote by e-mail, its PDF attached; a draft is finalised (numbered) first.

    At most MAX_RECIPIENTS addresses (to and cc together), and QUOTE_SEND_RATE_PER_HOUR
    sends by one user in an hour (TooManyRequests past it). The e-mail goes through the
    outbox: it is written in this transaction and leaves after commit, so a refusal or a
    failure here sends nothing and gives the number back. The quote stays "finalisé"
    until the mail server has accepted the e-mail (quote_email_sent).
    """
    recipients = _check_recipients(to, field="to")
    lowered = {address.lower() for address in recipients}
    copies = [
        address
        for address in _check_recipients(cc, field="cc", required=False)
        if address.lower() not in lowered
    ]
    _check_recipient_count(recipients, copies)
    with transaction.atomic():
        _check_send_rate(by)
        _lock(quote)
        quote.refresh_from_db()  # the status as the lock leaves it
        if quote.status not in (Quote.Status.DRAFT, *OFFERED_STATUSES):
            raise ValidationError(
                _("Ce devis est %(status)s : il n'est plus envoyé.")
                % {"status": quote.get_effective_status_display().lower()}
            )
        if quote.status == Quote.Status.DRAFT:
            quote_finalize(quote=quote, by=by)
        default_subject, default_body = quote_email_defaults(quote=quote, by=by)
        email = email_queue(
            to=recipients,
            cc=copies,
            subject=fill_number((subject or "").strip() or default_subject, quote),
            body=fill_number((message or "").strip() or default_body, quote),
            attachments=[
                (
                    quote_pdf_filename(quote),
                    quote_pdf_document(quote=quote),
                    "application/pdf",
                )
            ],
            by=by,
            customer_id=quote.customer_id,
            related=quote,
        )
        _audit(
            quote,
            by,
            AuditEvent.Action.OTHER,
            message=_("E-mail mis en file d'envoi pour %(to)s")
            % {"to": ", ".join([*recipients, *copies])},
        )
    return email


def quote_email_sent(email: OutboxEmail) -> None:
    """The outbox's word that an e-mail about a quote has left (the mail server accepted
    it), in the transaction that marks the e-mail sent: a finalised quote becomes "sent",
    `sent_at` is when its first e-mail left, and the history says to whom."""
    quote = (
        Quote.objects.filter(pk=parse_id(email.related_id) or 0).select_related("customer").first()
    )
    if quote is None:  # deleted meanwhile: nothing left to mark
        return
    Quote.objects.filter(pk=quote.pk, status=Quote.Status.FINALISED).update(
        status=Quote.Status.SENT, updated_at=timezone.now()
    )
    Quote.objects.filter(pk=quote.pk, sent_at__isnull=True).update(sent_at=email.sent_at)
    _audit(
        quote,
        email.created_by,
        AuditEvent.Action.OTHER,
        message=_("E-mail parti vers %(to)s (accepté par le serveur d'envoi)")
        % {"to": ", ".join([*email.to, *email.cc])},
    )
