"""SEPA direct-debit mandates (mandats de prélèvement): created on the customer record with a
generated reference (RUM), edited until the first collection, revoked, and expired after 36
months without a collection (docs/sepa.md, "Mandats").

Reads start from the customers the user sees (customers.selectors), like every read of
customer data. Writes take the acting user, check, write in one transaction and leave an
audit row on the customer. One active mandate per customer: the database says so too
(Mandate's constraint), the services say it in words first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from creneau.core.models import AuditEvent
from creneau.core.services import audit_record, model_changes, model_snapshot
from creneau.core.validators import bic_from_iban
from creneau.customers.models import Customer
from creneau.customers.selectors import customers_visible_to
from creneau.payments.models import Mandate, MandateScheme, MandateStatus
from creneau.payments.models.sepa import RUM_MAX_LENGTH

# The SEPA rulebook's Latin character set, as banks accept it in a mandate reference.
RUM_CHARACTERS = re.compile(r"^[A-Z0-9+?/\-:().,' ]+$")
# A mandate lapses after 36 months without a collection (SEPA rulebook).
VALIDITY_MONTHS = 36
EARLIEST_SIGNATURE = date(2000, 1, 1)
# Before its first collection everything can still be put right; afterwards the bank knows
# the RUM, the account and the scheme: only the account holder's name may be corrected.
EDITABLE_BEFORE_USE = [
    "rum", "debtor_name", "iban", "bic", "scheme", "type", "signature_date", "signature_place",
]  # fmt: skip
EDITABLE_AFTER_USE = ["debtor_name"]
AUDITED = [*EDITABLE_BEFORE_USE, "status", "revoked_on", "revocation_reason"]
REASON_MAX_LENGTH = Mandate._meta.get_field("revocation_reason").max_length


# Reads ---------------------------------------------------------------------------------


def mandates_visible_to(user) -> QuerySet[Mandate]:
    """The mandates of the customers the user sees (a sales rep: its portfolio's)."""
    return Mandate.objects.filter(customer__in=customers_visible_to(user))


def mandates_of(customer: Customer) -> QuerySet[Mandate]:
    """A customer's mandates, the active one first, then the newest."""
    return Mandate.objects.filter(customer=customer).order_by(
        # "active" sorts before "expired" and "revoked"
        "status",
        "-created_at",
        "-id",
    )


def mandate_active_of(customer: Customer) -> Mandate | None:
    """The customer's active mandate, signed or not yet."""
    return Mandate.objects.filter(customer=customer, status=MandateStatus.ACTIVE).first()


def direct_debit_mandates_of(customer_ids: Iterable[int]) -> dict[int, str]:
    """The RUM of each customer's active, signed mandate, by customer id (one query): what
    an invoice issued today is collected under (billing's hook, payments/apps.py)."""
    ids = list(customer_ids)
    if not ids:
        return {}
    rows = Mandate.objects.filter(
        customer_id__in=ids, status=MandateStatus.ACTIVE, signature_date__isnull=False
    ).values_list("customer_id", "rum")
    return dict(rows)


def direct_debit_account_of(rum: str) -> str:
    """The debtor's IBAN under a RUM (billing prints its last four characters)."""
    if not rum:
        return ""
    return Mandate.objects.filter(rum=rum).values_list("iban", flat=True).first() or ""


def expiry_date(mandate: Mandate) -> date:
    """The day the mandate lapses if nothing is collected before: 36 months after its last
    collection, or after its signature (its creation, when not signed yet)."""
    start = (
        mandate.last_collection_date
        or mandate.signature_date
        or timezone.localdate(mandate.created_at)
    )
    return start + relativedelta(months=VALIDITY_MONTHS)


# Checks --------------------------------------------------------------------------------


def rum_normalise(value: str | None) -> str:
    """A typed RUM in upper case, without outer spaces and with single inner ones."""
    return " ".join((value or "").split()).upper()


def rum_errors(rum: str) -> list[str]:
    """What is wrong with a RUM (normalised), in French; empty when it is valid."""
    if not rum:
        return [_("Indiquez la référence unique du mandat (RUM).")]
    errors = []
    if len(rum) > RUM_MAX_LENGTH:
        errors.append(_("La RUM tient en %(max)s caractères au plus.") % {"max": RUM_MAX_LENGTH})
    if not RUM_CHARACTERS.match(rum):
        errors.append(
            _(
                "La RUM ne peut contenir que des lettres sans accent, des chiffres, des espaces "
                "et les signes + ? / - : ( ) . , '."
            )
        )
    elif rum.startswith("/") or rum.endswith("/") or "//" in rum:
        errors.append(_("La RUM ne peut ni commencer ni finir par « / », ni contenir « // »."))
    return errors


def _rum_prefix(customer: Customer, day: date) -> str:
    code = re.sub(r"[^A-Z0-9]+", "-", customer.code.upper()).strip("-") or f"C{customer.pk}"
    return f"{code[:20]}-{day:%Y%m%d}"


def rum_generate(customer: Customer, day: date | None = None) -> str:
    """A new, unused RUM: "<customer code>-<yyyymmdd>-<n>" (C00042-20261130-1)."""
    prefix = _rum_prefix(customer, day or timezone.localdate())
    taken = set(Mandate.objects.filter(rum__startswith=prefix).values_list("rum", flat=True))
    number = 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"[:RUM_MAX_LENGTH]


def default_scheme(customer: Customer) -> str:
    """CORE for individuals, B2B for businesses."""
    if customer.kind == Customer.Kind.BUSINESS:
        return MandateScheme.B2B
    return MandateScheme.CORE


def _check_fields(mandate: Mandate, today: date) -> None:
    """The checks the model cannot make, each at its field, all at once."""
    errors: dict[str, list[str]] = {}
    mandate.rum = rum_normalise(mandate.rum)
    if problems := rum_errors(mandate.rum):
        errors["rum"] = problems
    elif Mandate.objects.filter(rum=mandate.rum).exclude(pk=mandate.pk).exists():
        errors["rum"] = [_("Cette référence de mandat (RUM) existe déjà.")]
    mandate.debtor_name = " ".join((mandate.debtor_name or "").split())
    mandate.signature_place = " ".join((mandate.signature_place or "").split())
    iban = re.sub(r"\s+", "", mandate.iban or "").upper()
    if not iban:
        errors["iban"] = [_("Indiquez l'IBAN du compte à débiter.")]
    else:
        try:
            parsed = IBAN(iban)
        except SchwiftyException:
            errors["iban"] = [_("IBAN invalide : vérifiez le pays, la longueur et la clé.")]
        else:
            if not parsed.in_sepa_zone:
                errors["iban"] = [_("Ce compte n'est pas dans la zone SEPA : pas de prélèvement.")]
            elif not (mandate.bic or "").strip():
                mandate.bic = bic_from_iban(parsed.compact)
    if mandate.scheme == MandateScheme.B2B and mandate.customer.kind != Customer.Kind.BUSINESS:
        # The B2B rulebook is for payers who are not consumers.
        errors["scheme"] = [_("Le schéma B2B est réservé aux clients professionnels.")]
    signed = mandate.signature_date
    if signed is not None and signed > today:
        errors["signature_date"] = [_("La date de signature ne peut pas être dans le futur.")]
    elif signed is not None and signed < EARLIEST_SIGNATURE:
        errors["signature_date"] = [_("Date de signature invalide.")]
    if errors:
        raise ValidationError(errors)


def _validate(mandate: Mandate) -> None:
    """The service's checks, then the model's (IBAN and BIC normalised, choices, unique
    RUM, one active mandate per customer), every error at its field."""
    errors: dict[str, Any] = {}
    try:
        _check_fields(mandate, timezone.localdate())
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        mandate.full_clean(exclude=["customer", "created_by", *errors])
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _actor(by: User | None) -> User | None:
    return by if by is not None and by.is_authenticated else None


def _save(mandate: Mandate) -> None:
    """Save, the constraints having the last word (two writes at once)."""
    try:
        with transaction.atomic():
            mandate.save()
    except IntegrityError as error:
        taken = Mandate.objects.filter(rum=mandate.rum).exclude(pk=mandate.pk).exists()
        if taken:
            raise ValidationError(
                {"rum": _("Cette référence de mandat (RUM) existe déjà.")}
            ) from error
        raise ValidationError(
            _("Ce client a déjà un mandat actif : révoquez-le d'abord.")
        ) from error


# Writes --------------------------------------------------------------------------------


def mandate_create(*, customer: Customer, by: User | None, **fields: Any) -> Mandate:
    """A new active mandate for the customer. Given fields: rum (generated when empty),
    debtor_name (the customer's name), iban (required), bic (derived from a French IBAN),
    scheme (from the customer's kind), type, signature_date, signature_place."""
    unknown = set(fields) - set(EDITABLE_BEFORE_USE)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        # The customer's row, locked: two mandates asked at once take turns.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if Mandate.objects.filter(customer=customer, status=MandateStatus.ACTIVE).exists():
            raise ValidationError(_("Ce client a déjà un mandat actif : révoquez-le d'abord."))
        values = {key: value for key, value in fields.items() if value is not None}
        mandate = Mandate(customer=customer, created_by=_actor(by), **values)
        mandate.rum = mandate.rum or rum_generate(customer)
        mandate.debtor_name = mandate.debtor_name or customer.name
        mandate.scheme = fields.get("scheme") or default_scheme(customer)
        mandate.status = MandateStatus.ACTIVE
        _validate(mandate)
        _save(mandate)
        audit_record(
            by=by,
            action=AuditEvent.Action.CREATE,
            instance=mandate,
            customer=customer,
            changes=model_changes({}, model_snapshot(mandate, EDITABLE_BEFORE_USE)),
            message=_("Mandat de prélèvement créé : %(rum)s") % {"rum": mandate.rum},
        )
    return mandate


def _lock(mandate: Mandate) -> Mandate:
    return Mandate.objects.select_for_update().select_related("customer").get(pk=mandate.pk)


def mandate_update(*, mandate: Mandate, by: User | None, **fields: Any) -> Mandate:
    """Correct an active mandate: anything until its first collection, then only the
    account holder's name. A revoked or expired mandate is history: it is not edited."""
    unknown = set(fields) - set(EDITABLE_BEFORE_USE)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock(mandate)
        if locked.status != MandateStatus.ACTIVE:
            raise ValidationError(
                _("Ce mandat est %(status)s : il ne se modifie plus, et ne redevient pas actif.")
                % {"status": locked.get_status_display().lower()}
            )
        before = model_snapshot(locked, AUDITED)
        if locked.is_used:
            frozen = sorted(
                name
                for name, value in fields.items()
                if name not in EDITABLE_AFTER_USE and _differs(locked, name, value)
            )
            if frozen:
                raise ValidationError(
                    _(
                        "Ce mandat a déjà servi à un prélèvement : seul le nom du titulaire "
                        "se corrige encore. Pour changer de compte ou de RUM, révoquez-le et "
                        "créez-en un nouveau."
                    )
                )
        for name, value in fields.items():
            setattr(locked, name, value if value is not None else _empty(name))
        if "rum" in fields and not locked.rum:
            locked.rum = rum_generate(locked.customer)
        if "iban" in fields and "bic" not in fields:
            locked.bic = ""  # a new account: its bank's BIC, derived again
        _validate(locked)
        changes = model_changes(before, model_snapshot(locked, AUDITED))
        if changes:
            _save(locked)
            audit_record(
                by=by,
                action=AuditEvent.Action.UPDATE,
                instance=locked,
                customer=locked.customer,
                changes=changes,
                message=_("Mandat de prélèvement modifié : %(rum)s") % {"rum": locked.rum},
            )
    return locked


def _empty(name: str) -> Any:
    return None if name == "signature_date" else ""


def _differs(mandate: Mandate, name: str, value: Any) -> bool:
    current = getattr(mandate, name)
    if isinstance(current, str) and isinstance(value, str):
        squeeze = re.compile(r"\s+")
        return squeeze.sub("", current).upper() != squeeze.sub("", value).upper()
    return current != value


def mandate_revoke(
    *, mandate: Mandate, by: User | None, reason: str = "", on: date | None = None
) -> Mandate:
    """The debtor (or the company) ends the mandate from `on` (today by default): nothing
    is collected under it any more. It stays as history."""
    today = timezone.localdate()
    on = on or today
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Le motif tient en %(max)s caractères au plus.")
                % {"max": REASON_MAX_LENGTH}
            }
        )
    if on > today:
        raise ValidationError({"revoked_on": _("La date de révocation ne peut pas être future.")})
    with transaction.atomic():
        locked = _lock(mandate)
        if locked.status != MandateStatus.ACTIVE:
            raise ValidationError(
                _("Ce mandat est déjà %(status)s.")
                % {"status": locked.get_status_display().lower()}
            )
        if locked.signature_date and on < locked.signature_date:
            raise ValidationError(
                {"revoked_on": _("La date de révocation précède la signature du mandat.")}
            )
        locked.status = MandateStatus.REVOKED
        locked.revoked_on = on
        locked.revocation_reason = reason
        locked.save(update_fields=["status", "revoked_on", "revocation_reason", "updated_at"])
        message = _("Mandat %(rum)s révoqué le %(date)s") % {
            "rum": locked.rum,
            "date": formats.date_format(on, "d/m/Y"),
        }
        if reason:
            message += _(" : %(reason)s") % {"reason": reason}
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            customer=locked.customer,
            changes={"status": [MandateStatus.ACTIVE, MandateStatus.REVOKED]},
            message=message,
        )
    return locked


def mandates_expiring(today: date) -> QuerySet[Mandate]:
    """The active mandates with nothing collected for 36 months on `today`."""
    cutoff = today - relativedelta(months=VALIDITY_MONTHS)
    return Mandate.objects.filter(status=MandateStatus.ACTIVE).filter(
        Q(last_collection_date__lte=cutoff)
        | Q(last_collection_date__isnull=True, signature_date__lte=cutoff)
        | Q(
            last_collection_date__isnull=True,
            signature_date__isnull=True,
            created_at__date__lte=cutoff,
        )
    )


def mandates_expire(today: date | None = None) -> int:
    """Mark expired the active mandates with no collection for 36 months (the daily task and
    `manage.py mandates_expire`); how many."""
    today = today or timezone.localdate()
    expired = 0
    for pk in mandates_expiring(today).values_list("pk", flat=True):
        with transaction.atomic():
            # Locked and read again: a collection recorded meanwhile keeps it active.
            locked = mandates_expiring(today).select_for_update().filter(pk=pk).first()
            if locked is None:
                continue
            locked.status = MandateStatus.EXPIRED
            locked.save(update_fields=["status", "updated_at"])
            audit_record(
                by=None,
                action=AuditEvent.Action.OTHER,
                instance=locked,
                customer=Customer(pk=locked.customer_id),
                changes={"status": [MandateStatus.ACTIVE, MandateStatus.EXPIRED]},
                message=_("Mandat %(rum)s expiré : aucun prélèvement depuis 36 mois")
                % {"rum": locked.rum},
            )
            expired += 1
    return expired
