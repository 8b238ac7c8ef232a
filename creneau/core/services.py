"""Writes that every app uses: counters, the audit trail, API tokens, the company
identity, the e-mail outbox."""

from __future__ import annotations

import logging
import mimetypes
import smtplib
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email.headerregistry import Address
from email.utils import parseaddr
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.core.models import (
    ApiToken,
    AuditEvent,
    Company,
    Counter,
    OutboxAttachment,
    OutboxEmail,
)
from creneau.core.text import strip_invisible

logger = logging.getLogger(__name__)


class TooManyRequests(Exception):
    """A user did an action more often than allowed (quote e-mails in an hour...).

    Pages and the API answer 429 with `message` (French) and a Retry-After of
    `retry_after` seconds; nothing was written.
    """

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def counter_next(*, name: str, count: int = 1) -> int:
    """Take the next value of a named counter, locking its row until the transaction ends.
    With `count`, take that many values at once and return the last one.

    Gapless as long as the caller's transaction commits: a rollback gives the value back.
    One statement (UPDATE ... RETURNING, on PostgreSQL and SQLite alike): invoices take a
    number and a journal place each, ten thousand in a billing run.
    """
    table = connection.ops.quote_name(Counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + %s WHERE name = %s RETURNING value",
            [count, name],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    # The counter's first use: a concurrent creator waits on the unique name, then both
    # take their turn on the row.
    with transaction.atomic():
        Counter.objects.get_or_create(name=name)
    return counter_next(name=name, count=count)


def fields_apply(instance: Any, fields: dict[str, Any], allowed: list[str]) -> None:
    """Set the given fields on a model instance; a field outside `allowed` is a caller's
    bug (TypeError), never a user's input (forms and schemas bound those)."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value, for the audit trail."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, Decimal | date | datetime | time):
        return str(value)
    return value


def model_snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def model_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [old, new]}."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def audit_record(
    *,
    by: User | None,
    action: str,
    instance: models.Model,
    customer: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEvent:
    """Write one row of the audit trail for a change made by `by` to `instance`."""
    return AuditEvent.objects.create(
        actor=by if by is not None and by.is_authenticated else None,
        action=action,
        customer_id=customer.pk if customer is not None else None,
        object_type=instance._meta.model_name,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes or {},
        message=message[:255],
    )


# How far ahead a token's last day may be: a forgotten token should not work for ever.
API_TOKEN_MAX_YEARS = 2


def api_token_latest_expiry(*, today: date) -> date:
    """The last day a token created `today` may have (29 February gives 28 February)."""
    year = today.year + API_TOKEN_MAX_YEARS
    try:
        return today.replace(year=year)
    except ValueError:
        return today.replace(year=year, day=28)


def _check_expiry(expires_on: date | None) -> None:
    if expires_on is None:
        return
    today = timezone.localdate()
    if expires_on < today:
        raise ValidationError(
            {"expires_on": _("La date d'expiration ne peut pas être passée.")}, code="past"
        )
    latest = api_token_latest_expiry(today=today)
    if expires_on > latest:
        raise ValidationError(
            {
                "expires_on": _("La date d'expiration ne peut pas dépasser le %(date)s (deux ans).")
                % {"date": latest.strftime("%d/%m/%Y")}
            },
            code="too_far",
        )


def api_token_create(
    *, user: User, name: str, expires_on: date | None = None, by: User | None = None
) -> str:
    """Create an API token for `user` and return the key, which is shown once and not stored.

    `name` says what uses the token; `expires_on` is its last day (none: until revoked), from
    today to two years ahead. `by` is who created it (the user, or a command: None).
    """
    if not user.is_active:
        raise ValidationError(_("Ce compte est désactivé."), code="inactive")
    key = ApiToken.generate_key()
    token = ApiToken(
        user=user,
        name=" ".join(strip_invisible(name or "").split()),
        expires_on=expires_on,
        key_hash=ApiToken.hash(key),
    )
    errors: dict[str, Any] = {}
    try:
        token.full_clean(exclude=["user", "key_hash", "revoked_by"])
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        _check_expiry(expires_on)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        token.save()
        created = {"name": [None, token.name], "user": [None, user.username]}
        if expires_on is not None:
            created["expires_on"] = [None, str(expires_on)]
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=token, changes=created)
    return key


def api_token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke a token: it answers 401 from now on. The row stays, with who revoked it and
    when (the caller has checked that `by` may: its owner, or direction)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if token.revoked_at is not None:
            raise ValidationError(_("Ce jeton est déjà révoqué."), code="already_revoked")
        token.revoked_at = timezone.now()
        token.revoked_by = by if by is not None and by.is_authenticated else None
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            by=by, action=AuditEvent.Action.OTHER, instance=token, message=_("Jeton d'API révoqué")
        )
    return token


COMPANY_FIELDS = [
    "legal_name", "legal_form", "capital", "siret", "register", "register_city", "vat_number",
    "street", "postcode", "city", "country", "phone", "email", "sap_number",
    "sap_declaration_date", "sepa_creditor_id",
    "iban", "bic", "logo", "late_penalty_rate", "vat_on_debits", "invoice_line_per_visit",
    "sepa_pain_version", "sepa_prenotification_days", "sepa_reject_fee",
]  # fmt: skip


def company_update(*, company: Company, by: User | None, **fields: Any) -> Company:
    """Change the company's identity (direction only: the caller checks the role).

    `logo` takes an uploaded image, or None to remove the logo. The replaced file is
    deleted from storage once the change is committed. Nothing is written if any field
    is refused; the history records each field's old and new value.
    """
    unknown = set(fields) - set(COMPANY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    before = model_snapshot(company, COMPANY_FIELDS)
    old_logo = company.logo.name
    for name, value in fields.items():
        setattr(company, name, value)
    try:
        company.full_clean()
    except ValidationError:
        company.refresh_from_db()
        raise
    changes = model_changes(before, model_snapshot(company, COMPANY_FIELDS))
    if not changes:
        return company
    with transaction.atomic():
        company.save()
        changes = model_changes(before, model_snapshot(company, COMPANY_FIELDS))
        audit_record(by=by, action=AuditEvent.Action.UPDATE, instance=company, changes=changes)
        if old_logo and old_logo != company.logo.name:
            storage = company.logo.storage
            transaction.on_commit(lambda: storage.delete(old_logo))
    return company


# --- The e-mail outbox -------------------------------------------------------------------
# Every e-mail is a row first, written in the caller's transaction; a task sends it after
# commit. See docs/email.md.

# Minutes to wait after the 1st, 2nd... failed attempt; one more failure after the last
# delay marks the e-mail "échec définitif" (7 attempts over about 17 hours by default).
DEFAULT_RETRY_MINUTES = [1, 5, 15, 60, 240, 720]
DUE_STATUSES = [OutboxEmail.Status.PENDING, OutboxEmail.Status.RETRYING]


def _clean_addresses(addresses: Iterable[str], *, field: str, required: bool) -> list[str]:
    """Strip, deduplicate and validate addresses; a French message names the bad one."""
    if isinstance(addresses, str):
        addresses = [addresses]
    cleaned: list[str] = []
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in {known.lower() for known in cleaned}:
            cleaned.append(address)
    if required and not cleaned:
        raise ValidationError({field: _("Indiquez au moins un destinataire.")}, code="required")
    errors = []
    for address in cleaned:
        try:
            validate_email(address)
        except ValidationError:
            errors.append(
                ValidationError(
                    _("« %(address)s » n'est pas une adresse e-mail valide."),
                    code="invalid",
                    params={"address": address},
                )
            )
    if errors:
        raise ValidationError({field: errors})
    return cleaned


def _related_fields(related: models.Model | None) -> dict[str, str]:
    if related is None:
        return {}
    return {
        "related_type": related._meta.model_name,
        "related_id": str(related.pk),
        "related_repr": str(related)[:255],
    }


def email_queue(
    *,
    to: list[str],
    subject: str,
    body: str,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    by: User | None = None,
    customer_id: int | None = None,
    related: models.Model | None = None,
    cc: Iterable[str] = (),
    html_body: str = "",
    reply_to: Iterable[str] | None = None,
) -> OutboxEmail:
    """Write an e-mail to the outbox in the caller's transaction; it is sent after commit.

    `attachments` are (filename, content, mimetype) triples; an empty mimetype is guessed
    from the filename. `related` is the object the e-mail is about (a quote...), listed by
    `emails_for(related)`. Replies go to the company's address unless `reply_to` is given.
    A rolled-back transaction sends nothing. The service that sends the e-mail records its
    own action in the audit trail; the outbox row is the e-mail's own trail.
    """
    recipients = _clean_addresses(to, field="to", required=True)
    copies = _clean_addresses(cc, field="cc", required=False)
    company = Company.load()
    if reply_to is None:
        reply_to = [company.email] if company.email else []
    # A header cannot hold a line break; a pasted subject often does.
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationError({"subject": _("Indiquez l'objet de l'e-mail.")}, code="required")
    with transaction.atomic():
        email = OutboxEmail(
            to=recipients,
            cc=copies,
            reply_to=_clean_addresses(reply_to, field="reply_to", required=False),
            from_email=email_sender(company),
            subject=subject[:255],
            body=body,
            html_body=html_body,
            created_by=by if by is not None and by.is_authenticated else None,
            customer_id=customer_id,
            **_related_fields(related),
        )
        email.full_clean()
        email.save()
        for filename, content, mimetype in attachments:
            mimetype = mimetype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
            OutboxAttachment.objects.create(
                email=email,
                filename=filename,
                mimetype=mimetype,
                size=len(content),
                file=ContentFile(content, name=filename),
            )
        transaction.on_commit(partial(_enqueue_sending, email.pk), robust=True)
    return email


def email_sender(company: Company | None = None) -> str:
    """The From header: the company's name, at the address of settings.DEFAULT_FROM_EMAIL.

    Customers see who writes to them ("Clair & Net Services"), not the software. The name
    is stored unencoded and quoted as RFC 5322 wants it (a comma or a quote in it stays
    part of the name); Django encodes it (RFC 2047) when the message is built. The
    settings' own display name is kept only for a company without a name.
    """
    settings_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    # A header holds one line: a pasted line break in the name must not start another.
    name = " ".join((company or Company.load()).legal_name.split()) or settings_name
    return str(Address(display_name=name, addr_spec=address))


def _enqueue_sending(email_id: int, run_after: datetime | None = None) -> None:
    # Imported here: the task module imports this one.
    from creneau.core.tasks import send_outbox_email

    task = send_outbox_email
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # no deferred tasks on this backend: `send_outbox` sends the retry
        task = task.using(run_after=run_after)
    task.enqueue(email_id)


def email_retry(*, email: OutboxEmail, by: User) -> OutboxEmail:
    """Put a failed (or waiting) e-mail back in the queue, to be sent right away.

    The attempts start again from zero, so it gets the whole back-off once more; its
    Message-ID stays the same, so a recipient's mail client recognises a duplicate.
    """
    with transaction.atomic():
        email = OutboxEmail.objects.select_for_update().get(pk=email.pk)
        if email.status not in (OutboxEmail.Status.FAILED, *DUE_STATUSES):
            raise ValidationError(_("Cet e-mail a déjà été envoyé."), code="already_sent")
        email.status = OutboxEmail.Status.PENDING
        email.attempts = 0
        email.next_attempt_at = timezone.now()
        email.save(update_fields=["status", "attempts", "next_attempt_at"])
        AuditEvent.objects.create(
            actor=by if by.is_authenticated else None,
            action=AuditEvent.Action.OTHER,
            customer_id=email.customer_id,
            object_type=email._meta.model_name,
            object_id=str(email.pk),
            object_repr=str(email)[:255],
            message=_("E-mail remis en file d'envoi"),
        )
        transaction.on_commit(partial(_enqueue_sending, email.pk), robust=True)
    return email


def _outbox_message(email: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=email.from_email,
        to=email.to,
        cc=email.cc,
        reply_to=email.reply_to,
        headers={"Message-ID": email.message_id_header},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    for attachment in email.attachments.all():
        with attachment.file.open("rb") as handle:
            message.attach(attachment.filename, handle.read(), attachment.mimetype)
    return message


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer about the message or its recipients will not change on a retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def _record_failure(email: OutboxEmail, error: Exception, now: datetime) -> None:
    delays = getattr(settings, "OUTBOX_RETRY_MINUTES", DEFAULT_RETRY_MINUTES)
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    if _is_permanent(error) or email.attempts > len(delays):
        email.status = OutboxEmail.Status.FAILED
    else:
        email.status = OutboxEmail.Status.RETRYING
        email.next_attempt_at = now + timedelta(minutes=delays[email.attempts - 1])
    email.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


def _smtp_send(message: EmailMultiAlternatives) -> None:
    """Hand the message to the mail server; return only once the server has accepted it."""
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        if connection.send_messages([message]) != 1:
            raise smtplib.SMTPException(_("Le serveur n'a pas accepté le message."))
    finally:
        try:
            connection.close()
        except Exception:  # the message is accepted: a failed QUIT must not cause a resend
            logger.warning("Closing the SMTP connection failed", exc_info=True)


# What to do when an e-mail about an object of a given type has left (its related_type:
# "quote" marks the quote sent). Core sits below the apps: they register here (in their
# AppConfig.ready) rather than core importing them.
_SENT_HANDLERS: dict[str, Callable[[OutboxEmail], None]] = {}


def email_sent_handler_register(related_type: str, handler: Callable[[OutboxEmail], None]) -> None:
    """Call `handler(email)` when an e-mail about a `related_type` object was accepted by
    the mail server, inside the transaction that marks it sent."""
    _SENT_HANDLERS[related_type] = handler


def _notify_sent(email: OutboxEmail) -> None:
    handler = _SENT_HANDLERS.get(email.related_type)
    if handler is not None:
        handler(email)


def email_send(*, email_id: int) -> str | None:
    """Send one outbox e-mail if it is due; return its new status, or None if skipped.

    The row stays locked (SELECT ... FOR UPDATE SKIP LOCKED) from before the SMTP
    conversation until it is marked sent, in one transaction: a second worker skips it,
    and a retry can only find it unsent. On SQLite, which has no row locks, writing
    "sending" first takes the database's write lock, so a second sender fails instead
    of sending.

    The one window left: if the process dies (or the database connection drops) after
    the SMTP server accepted the message and before the commit, the row comes back
    unsent and is sent a second time, with the same Message-ID, so that the recipient's
    mail client can recognise the duplicate. No protocol closes that window without a
    mail server that deduplicates.
    """
    now = timezone.now()
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status__in=DUE_STATUSES, next_attempt_at__lte=now)
            .first()
        )
        if email is None:
            return None
        OutboxEmail.objects.filter(pk=email.pk).update(status=OutboxEmail.Status.SENDING)
        try:
            _smtp_send(_outbox_message(email))
        except Exception as error:
            # Any failure (SMTP, network, a missing attachment) is recorded and retried
            # rather than lost in a task's traceback.
            _record_failure(email, error, now)
        else:
            email.status = OutboxEmail.Status.SENT
            email.attempts += 1
            email.sent_at = timezone.now()
            email.last_error = ""  # an earlier attempt's error no longer concerns anyone
            email.save(update_fields=["status", "attempts", "sent_at", "last_error"])
            # In the same transaction: the e-mail is marked sent and its object (a quote)
            # learns it together, or neither does.
            _notify_sent(email)
    if email.status == OutboxEmail.Status.RETRYING:
        _enqueue_sending(email.pk, run_after=email.next_attempt_at)
    return email.status


def emails_send_due(*, grace: timedelta = timedelta(0), limit: int = 200) -> dict[str, int]:
    """Send the e-mails due for at least `grace`; return how many ended in each status.

    Their task normally sends them when due; this sweep (`manage.py send_outbox`) sends
    the ones whose task was lost or that the task backend cannot defer.
    """
    due_ids = list(
        OutboxEmail.objects.filter(
            status__in=DUE_STATUSES, next_attempt_at__lte=timezone.now() - grace
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for email_id in due_ids:
        status = email_send(email_id=email_id) or "skipped"
        counts[status] = counts.get(status, 0) + 1
    return counts
