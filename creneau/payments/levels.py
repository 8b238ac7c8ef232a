"""Writes of the dunning levels (Paramètres > Relances): add, change, deactivate or
reactivate, delete an unused one; and the preview of a level's text with sample values.

The rules a level must keep, checked here in words before the database's constraints:
- its rank goes from 1 to 9 and is unique; once a reminder used the level, the rank is
  fixed (the reminders sent keep the rank they were sent at, and the run never sends the
  same rank twice for an invoice): deactivate it and add another instead;
- among the active levels, the days after the due date grow strictly with the rank, so
  that the run always reaches level 2 after level 1;
- its subject and text name only known placeholders (dunning_text.PLACEHOLDERS);
- its fee goes from 0 to 10,000 €, to the cent.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from creneau.core.models import AuditEvent, Company
from creneau.core.services import audit_record, fields_apply, model_changes, model_snapshot
from creneau.core.templatetags.creneau import money
from creneau.payments.dunning_text import reminder_text_check, reminder_text_render
from creneau.payments.models import Reminder, ReminderChannel, ReminderInvoice, ReminderLevel

LEVEL_FIELDS = [
    "rank",
    "name",
    "days_after_due",
    "channel",
    "subject",
    "body",
    "fee",
    "add_recovery_indemnity",
    "add_late_interest",
    "active",
]
MAX_RANK = 9
MAX_DAYS = 3650
MAX_FEE = Decimal("10000.00")
CENT = Decimal("0.01")


def reminder_level_used(level: ReminderLevel, *, rank: int | None = None) -> bool:
    """Whether a reminder (proposed or sent) uses the level, as its own level or as one of
    its invoices' (a lower level inside a higher reminder): then it is never deleted and
    its rank never changes (the sending looks the invoices' levels up by rank). `rank`:
    the rank it had, when the level in hand is being renumbered."""
    if level.pk is None:
        return False
    return (
        Reminder.objects.filter(level_id=level.pk).exists()
        or ReminderInvoice.objects.filter(level_rank=level.rank if rank is None else rank).exists()
    )


def _check_fields(level: ReminderLevel) -> dict[str, str]:
    """The level's own values, field by field (French messages)."""
    errors: dict[str, str] = {}
    level.name = " ".join((level.name or "").split())
    if not level.name:
        errors["name"] = _("Indiquez le nom du niveau.")
    if not isinstance(level.rank, int) or not 1 <= level.rank <= MAX_RANK:
        errors["rank"] = _("Un niveau va de 1 à %(max)s.") % {"max": MAX_RANK}
    if not isinstance(level.days_after_due, int) or not 1 <= level.days_after_due <= MAX_DAYS:
        errors["days_after_due"] = _("De 1 à %(max)s jours après l'échéance.") % {
            "max": formats.number_format(MAX_DAYS, force_grouping=True)
        }
    if level.channel not in ReminderChannel.values:
        errors["channel"] = _("Mode d'envoi inconnu.")
    for field, label in (("subject", _("l'objet")), ("body", _("le texte"))):
        text = (getattr(level, field) or "").strip()
        setattr(level, field, text)
        if not text:
            errors[field] = _("Indiquez %(what)s de la relance.") % {"what": label}
            continue
        try:
            reminder_text_check(text)
        except ValidationError as error:
            errors[field] = " ".join(error.messages)
    try:
        fee = Decimal(level.fee if level.fee is not None else "0")
        valid = fee.is_finite() and Decimal(0) <= fee <= MAX_FEE and fee == fee.quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        valid = False
    if valid:
        level.fee = fee.quantize(CENT)
    else:
        errors["fee"] = _("Les frais vont de 0 à %(max)s, au centime près.") % {
            "max": money(MAX_FEE)
        }
    return errors


def _check_order(level: ReminderLevel, others: list[ReminderLevel]) -> dict[str, str]:
    """Rank unique; among active levels, days after due strictly growing with the rank."""
    if any(other.rank == level.rank for other in others):
        return {"rank": _("Le niveau %(rank)s existe déjà.") % {"rank": level.rank}}
    if not level.active:
        return {}
    active = [other for other in others if other.active]
    before = [other for other in active if other.rank < level.rank]
    after = [other for other in active if other.rank > level.rank]
    values = {"days": level.days_after_due}
    if before and (previous := before[-1]).days_after_due >= level.days_after_due:
        message = _(
            "Le niveau %(rank)s (« %(name)s ») part à %(other)s jours après l'échéance : "
            "un niveau plus haut part plus tard (plus de %(other)s jours)."
        )
        values.update(rank=previous.rank, name=previous.name, other=previous.days_after_due)
        return {"days_after_due": message % values}
    if after and (following := after[0]).days_after_due <= level.days_after_due:
        message = _(
            "Le niveau %(rank)s (« %(name)s ») part à %(other)s jours après l'échéance : "
            "un niveau plus bas part plus tôt (moins de %(other)s jours)."
        )
        values.update(rank=following.rank, name=following.name, other=following.days_after_due)
        return {"days_after_due": message % values}
    return {}


def _save(level: ReminderLevel, before: dict[str, Any] | None, by: User | None) -> ReminderLevel:
    """Check and save in one transaction, the levels locked: two edits at once cannot
    leave two levels of one rank, or days that shrink with the rank."""
    errors = _check_fields(level)
    if errors:
        raise ValidationError(errors)
    level.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        others = list(
            ReminderLevel.objects.select_for_update().exclude(pk=level.pk).order_by("rank")
        )
        errors = _check_order(level, others)
        if (
            before is not None
            and before["rank"] != level.rank
            and reminder_level_used(level, rank=before["rank"])
        ):
            errors["rank"] = _(
                "Ce niveau a déjà servi à des relances : son numéro ne change plus. "
                "Désactivez-le et ajoutez un autre niveau."
            )
        if errors:
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                level.save()
        except IntegrityError as error:
            # A level of that rank added at the same moment (the lock does not see rows
            # inserted after it).
            raise ValidationError(
                {"rank": _("Le niveau %(rank)s existe déjà.") % {"rank": level.rank}}
            ) from error
        after = model_snapshot(level, LEVEL_FIELDS)
        if before is None:
            audit_record(by=by, action=AuditEvent.Action.CREATE, instance=level, changes=after)
        else:
            audit_record(
                by=by,
                action=AuditEvent.Action.UPDATE,
                instance=level,
                changes=model_changes(before, after),
            )
    return level


def reminder_level_create(*, by: User | None, **fields: Any) -> ReminderLevel:
    """Add a level (Paramètres > Relances)."""
    level = ReminderLevel()
    fields_apply(level, fields, LEVEL_FIELDS)
    return _save(level, None, by)


def reminder_level_update(*, level: ReminderLevel, by: User | None, **fields: Any) -> ReminderLevel:
    """Change a level: its delay, channel, texts, fee... Reminders already sent keep the
    text they were sent with."""
    before = model_snapshot(level, LEVEL_FIELDS)
    fields_apply(level, fields, LEVEL_FIELDS)
    return _save(level, before, by)


def reminder_level_set_active(
    *, level: ReminderLevel, by: User | None, active: bool
) -> ReminderLevel:
    """Deactivate a level (the run skips it) or reactivate it (checked again: its delay must
    still fit between its neighbours')."""
    return reminder_level_update(level=level, by=by, active=active)


def reminder_level_delete(*, level: ReminderLevel, by: User | None) -> None:
    """Delete a level that no reminder used; a used one is deactivated instead."""
    with transaction.atomic():
        locked = ReminderLevel.objects.select_for_update().get(pk=level.pk)
        if reminder_level_used(locked):
            raise ValidationError(
                _("Ce niveau a déjà servi à des relances : désactivez-le plutôt.")
            )
        audit_record(
            by=by,
            action=AuditEvent.Action.DELETE,
            instance=locked,
            changes=model_snapshot(locked, LEVEL_FIELDS),
        )
        locked.delete()


# The preview ---------------------------------------------------------------------------


def _grouped(code: str) -> str:
    return " ".join(code[index : index + 4] for index in range(0, len(code), 4))


def reminder_sample_values() -> dict[str, str]:
    """Values for each placeholder, as a reminder would show them: a made-up customer and
    invoices, the company's real name and bank details (a sample when not set). Every
    placeholder of dunning_text.PLACEHOLDERS has one (a test checks it)."""
    company = Company.load()
    today = timezone.localdate()

    def day(days: int) -> str:
        return formats.date_format(today - timedelta(days=days), "d/m/Y")

    first, second = f"F-{today.year}-00012", f"F-{today.year}-00031"

    lines = [
        (
            _(
                "Facture %(number)s du %(date)s, échue le %(due)s : %(total)s, "
                "reste dû %(due_amount)s"
            )
            % {
                "number": number,
                "date": day(age + 30),
                "due": day(age),
                "total": money(Decimal(total)),
                "due_amount": money(Decimal(due)),
            }
        )
        for number, age, total, due in (
            (first, 52, "480.00", "480.00"),
            (second, 24, "216.00", "96.00"),
        )
    ]
    values = {
        "client": _("Résidence Les Tilleuls"),
        "code_client": "C00042",
        "factures": f"{first}, {second}",
        "factures_detail": "\n".join(f"\u2013 {line}" for line in lines),
        "montant_du": money(Decimal("576.00")),
        "echeances": f"{day(52)}, {day(24)}",
        "solde": money(Decimal("792.00")),
        "frais": money(Decimal("40.00")),
        "date_limite": formats.date_format(today + timedelta(days=8), "d/m/Y"),
        "iban": _grouped(company.iban) if company.iban else "FR76 3000 6000 0112 3456 7890 189",
        "bic": company.bic or "AGRIFRPP",
        "societe": company.legal_name or _("Votre société"),
    }
    return values


def reminder_level_preview(*, subject: str, body: str) -> dict[str, str]:
    """The subject and text filled with sample values, or why they cannot be ({"error"})."""
    for text in (subject, body):
        try:
            reminder_text_check(text or "")
        except ValidationError as error:
            return {"error": " ".join(error.messages)}
    values = reminder_sample_values()
    return {
        "subject": reminder_text_render(subject or "", values),
        "body": reminder_text_render(body or "", values),
    }
