"""Writes of accounting: the accounts of Paramètres > Comptabilité, the fiscal years, and
the closing of a period or of a fiscal year (which stores its FEC for good).

Closing moves Company.books_closed_until forward, never back and never past today:
billing and payments then refuse anything dated on or before it (core.closing). Closing a
fiscal year also writes its FEC once and keeps it with its SHA-256; that file is what is
served afterwards, whatever happens in the database.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from creneau.accounting.accounts import account_number_check
from creneau.accounting.fec import FecWriter, fec_filename
from creneau.accounting.models import (
    AccountingSettings,
    FiscalYear,
    PaymentMethodAccount,
    VatRateAccount,
)
from creneau.billing.models import Invoice, InvoiceLine
from creneau.catalog.models import VatRate
from creneau.core.models import AuditEvent, Company
from creneau.core.services import audit_record, model_changes, model_snapshot
from creneau.payments.models import ChequeDeposit, Payment, PaymentAllocation, Refund

MAX_FISCAL_YEAR_MONTHS = 24
SETTINGS_ACCOUNTS = ["customers_account", "default_revenue_account", "cheques_to_deposit_account"]
SETTINGS_FIELDS = [
    *SETTINGS_ACCOUNTS,
    "sales_journal_code",
    "sales_journal_label",
    "bank_journal_code",
    "bank_journal_label",
]


def _day(value: date) -> str:
    return date_format(value, "d/m/Y")


# Accounts ---------------------------------------------------------------------------------


def accounting_settings_update(*, by: User | None, **fields: Any) -> AccountingSettings:
    """The general accounts and the journals (one row)."""
    with transaction.atomic():
        row = AccountingSettings.objects.select_for_update().get(pk=AccountingSettings.load().pk)
        before = model_snapshot(row, SETTINGS_FIELDS)
        for name in SETTINGS_FIELDS:
            if name in fields:
                setattr(row, name, fields[name])
        for name in SETTINGS_ACCOUNTS:
            value = getattr(row, name)
            if value or name != "cheques_to_deposit_account":
                try:
                    setattr(row, name, account_number_check(value))
                except ValidationError as error:
                    raise ValidationError({name: error.messages}) from error
        row.full_clean()
        row.save()
        changes = model_changes(before, model_snapshot(row, SETTINGS_FIELDS))
        audit_record(by=by, action=AuditEvent.Action.UPDATE, instance=row, changes=changes)
    return row


def vat_rate_accounts_set(*, by: User | None, accounts: dict[int, dict[str, str]]) -> None:
    """{vat_rate_id: {"vat_account", "revenue_account"}}: each rate's accounts."""
    rates = VatRate.objects.in_bulk(list(accounts))
    with transaction.atomic():
        for rate_id, values in accounts.items():
            if rate_id not in rates:
                raise ValidationError(_("Taux de TVA inconnu."))
            vat_account = account_number_check(values.get("vat_account", ""))
            revenue = values.get("revenue_account") or ""
            revenue = account_number_check(revenue) if revenue else ""
            VatRateAccount.objects.update_or_create(
                vat_rate=rates[rate_id],
                defaults={"vat_account": vat_account, "revenue_account": revenue},
            )
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=AccountingSettings.load(),
            message=_("Comptes des taux de TVA"),
        )


def payment_method_accounts_set(*, by: User | None, accounts: dict[str, dict[str, str]]) -> None:
    """{method: {"account", "label"}}: the bank (or cash) account of each payment method."""
    with transaction.atomic():
        for method, values in accounts.items():
            row = PaymentMethodAccount(
                method=method,
                account=account_number_check(values.get("account", "")),
                label=" ".join(str(values.get("label") or "").split())[:100],
            )
            row.full_clean(exclude=["method"], validate_unique=False)
            PaymentMethodAccount.objects.update_or_create(
                method=method, defaults={"account": row.account, "label": row.label}
            )
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=AccountingSettings.load(),
            message=_("Comptes des modes de règlement"),
        )


# Fiscal years -----------------------------------------------------------------------------


def _fiscal_year_check(start: date, end: date) -> None:
    if end <= start:
        raise ValidationError({"end_date": _("La date de clôture suit le début de l'exercice.")})
    if end >= start + relativedelta(months=MAX_FISCAL_YEAR_MONTHS):
        raise ValidationError(
            {"end_date": _("Un exercice dure 24 mois au plus (premier exercice compris).")}
        )
    overlapping = FiscalYear.objects.filter(start_date__lte=end, end_date__gte=start).first()
    if overlapping is not None:
        raise ValidationError(
            _("Cet exercice chevauche l'exercice %(other)s.") % {"other": overlapping}
        )
    if FiscalYear.objects.filter(end_date__year=end.year).exists():
        raise ValidationError(
            {"end_date": _("Un exercice se clôt déjà en %(year)s.") % {"year": end.year}}
        )


def fiscal_year_create(*, by: User | None, start_date: date, end_date: date) -> FiscalYear:
    """A fiscal year: its first day and its closing date, overlapping no other one."""
    for name, day in (("start_date", start_date), ("end_date", end_date)):
        if not 2000 <= day.year <= 2099:
            raise ValidationError({name: _("Une date va de 2000 à 2099.")})
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=Company.load().pk).exists()
        _fiscal_year_check(start_date, end_date)
        fiscal_year = FiscalYear.objects.create(start_date=start_date, end_date=end_date)
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=fiscal_year)
    return fiscal_year


def fiscal_year_delete(*, by: User | None, fiscal_year: FiscalYear) -> None:
    """A fiscal year set by mistake, as long as it is not closed."""
    if fiscal_year.is_closed:
        raise ValidationError(_("Un exercice clôturé ne se supprime pas."))
    with transaction.atomic():
        audit_record(by=by, action=AuditEvent.Action.DELETE, instance=fiscal_year)
        fiscal_year.delete()


# Closing ----------------------------------------------------------------------------------


def books_close(*, by: User | None, until: date) -> Company:
    """Close the books up to `until` (included): only forward, never past today."""
    today = timezone.localdate()
    if until > today:
        raise ValidationError({"until": _("On ne clôt pas une période à venir.")})
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=Company.load().pk)
        current = company.books_closed_until
        if current is not None and until < current:
            raise ValidationError(
                {
                    "until": _(
                        "La période est déjà close jusqu'au %(date)s : une clôture ne revient "
                        "pas en arrière."
                    )
                    % {"date": _day(current)}
                }
            )
        if current != until:
            company.books_closed_until = until
            company.save(update_fields=["books_closed_until"])
            audit_record(
                by=by,
                action=AuditEvent.Action.OTHER,
                instance=company,
                message=_("Période close jusqu'au %(date)s") % {"date": _day(until)},
            )
    return company


def _wait_for_writers() -> None:
    """Let the writes that checked the period just before it closed finish first, so that
    the FEC kept at closing has them. On PostgreSQL, a SHARE lock on the tables the FEC
    reads waits for every transaction writing to them, and is let go at once; SQLite has
    one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        model._meta.db_table
        for model in (Invoice, InvoiceLine, Payment, PaymentAllocation, Refund, ChequeDeposit)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE MODE")


def fec_build(fiscal_year: FiscalYear, destination) -> tuple[str, int]:
    """Write the FEC's bytes to a binary file; its SHA-256 and line count (header aside)."""
    digest = hashlib.sha256()
    writer = FecWriter(fiscal_year)
    for chunk in writer.chunks():
        digest.update(chunk)
        destination.write(chunk)
    return digest.hexdigest(), writer.line_count


def fiscal_year_close(*, by: User | None, fiscal_year: FiscalYear) -> FiscalYear:
    """Close the books up to the year's closing date, then write its FEC and keep it: the
    FEC of a closed year is that file for good."""
    if fiscal_year.is_closed:
        raise ValidationError(_("Cet exercice est déjà clôturé."))
    previous = (
        FiscalYear.objects.filter(end_date__lt=fiscal_year.start_date, closed_at__isnull=True)
        .order_by("end_date")
        .first()
    )
    if previous is not None:
        raise ValidationError(
            _("Clôturez d'abord l'exercice précédent (%(other)s).") % {"other": previous}
        )
    company = Company.load()
    if company.books_closed_until is None or company.books_closed_until < fiscal_year.end_date:
        books_close(by=by, until=fiscal_year.end_date)
    _wait_for_writers()
    # Written once the period is closed (and committed): nothing dated in it can change.
    with tempfile.TemporaryFile() as handle:
        sha256, _lines = fec_build(fiscal_year, handle)
        handle.seek(0)
        with transaction.atomic():
            locked = FiscalYear.objects.select_for_update().get(pk=fiscal_year.pk)
            if locked.is_closed:
                raise ValidationError(_("Cet exercice est déjà clôturé."))
            locked.fec.save(fec_filename(locked, company), File(handle), save=False)
            locked.fec_sha256 = sha256
            locked.closed_at = timezone.now()
            locked.closed_by = by if by is not None and by.is_authenticated else None
            locked.save(update_fields=["fec", "fec_sha256", "closed_at", "closed_by"])
            audit_record(
                by=by,
                action=AuditEvent.Action.OTHER,
                instance=locked,
                message=_("Exercice clôturé ; FEC conservé (SHA-256 %(hash)s)")
                % {"hash": sha256[:16]},
            )
    return locked


def fec_content(fiscal_year: FiscalYear, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The FEC's bytes: the file kept at closing for a closed year (byte for byte), else
    written from the database now."""
    if fiscal_year.is_closed and fiscal_year.fec:
        with fiscal_year.fec.open("rb") as handle:
            while chunk := handle.read(chunk_size):
                yield chunk
        return
    yield from FecWriter(fiscal_year).chunks()
