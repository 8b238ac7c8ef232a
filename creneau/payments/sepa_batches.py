"""Collection batches (remises de prélèvements): what a batch would debit on a date (the
proposal), and making one (its items and its pain.008 file, written once and kept).

Rules (docs/sepa.md):
- proposed: the issued invoices with something due, due by the due-by date (the
  collection date unless given), of customers with an active, signed mandate that is not
  expired, and in no batch item that was not rejected;
- the sequence: OOFF for a one-off mandate; for a recurrent one FRST while the mandate has
  no item that is not rejected (prepared, transmitted or collected) and no collection
  before this application, RCUR after. So a FRST waiting in a prepared batch is never
  followed by a second FRST, and a rejected FRST is sent as FRST again. All the debits of
  a mandate in its first batch are FRST;
- the collection date is a TARGET2 business day, at least the next one after today.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.billing.models import Invoice
from creneau.core.models import AuditEvent, Company
from creneau.core.services import audit_record
from creneau.payments.models import (
    Mandate,
    MandateStatus,
    MandateType,
    SepaBatch,
    SepaBatchItem,
    SepaItemStatus,
    SequenceType,
)
from creneau.payments.sepa_calendar import is_target_business_day, next_target_business_day
from creneau.payments.sepa_xml import pain008_build


def date_fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# A mandate not used for 36 months lapses (SEPA rulebook).
MANDATE_LAPSE = relativedelta(months=36)
# How far ahead a batch may be prepared.
LATEST_AHEAD = timedelta(days=366)
MAX_INVOICES = 20_000
OPEN_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID)
# What a batch reads of an invoice and its customer (a batch may hold ten thousand).
INVOICE_FIELDS = (
    "id", "kind", "status", "number", "customer_id", "customer_name", "billing_group",
    "due_date", "amount_due", "sent_at", "debit_mandate_rum",
)  # fmt: skip
MANDATE_UNREAD = ("created_at", "updated_at", "created_by", "revocation_reason")


@dataclass
class ProposedDebit:
    invoice: Invoice
    mandate: Mandate
    amount: Decimal
    sequence_type: str
    prenotified: bool


@dataclass
class Proposal:
    collection_date: date
    due_by: date
    debits: list[ProposedDebit] = field(default_factory=list)
    # Invoices left out, each with why: (invoice, mandate or None, reason).
    left_out: list[tuple[Invoice, Mandate | None, str]] = field(default_factory=list)
    short_notice: bool = False
    notice_days: int = 14

    @property
    def total(self) -> Decimal:
        return sum((debit.amount for debit in self.debits), Decimal("0.00"))


# Checks ---------------------------------------------------------------------------------


def collection_date_check(collection_date: date, today: date | None = None) -> date:
    """A collection date the banks accept: a TARGET2 business day, from the next one after
    today, within a year."""
    today = today or timezone.localdate()
    earliest = next_target_business_day(today)
    if collection_date < earliest:
        message = _(
            "La date de prélèvement doit être un jour ouvré interbancaire à venir : "
            "le %(earliest)s au plus tôt."
        )
        raise ValidationError({"collection_date": message % {"earliest": date_fr(earliest)}})
    if collection_date > today + LATEST_AHEAD:
        raise ValidationError(
            {"collection_date": _("La date de prélèvement est à moins d'un an d'ici.")}
        )
    if not is_target_business_day(collection_date):
        message = _(
            "Le %(day)s n'est pas un jour ouvré interbancaire (week-end, 1er janvier, "
            "Vendredi saint, lundi de Pâques, 1er mai, 25 ou 26 décembre) : "
            "choisissez le %(next)s."
        )
        values = {"day": date_fr(collection_date), "next": date_fr(
            next_target_business_day(collection_date))}  # fmt: skip
        raise ValidationError({"collection_date": message % values})
    return collection_date


def company_sepa_check(company: Company) -> None:
    """The creditor's identity the file needs: ICS, IBAN (and BIC for pain.008.001.02)."""
    missing = []
    if not company.sepa_creditor_id:
        missing.append(_("l'identifiant créancier SEPA (ICS)"))
    if not company.iban:
        missing.append(_("l'IBAN"))
    if not company.bic and company.sepa_pain_version == "pain.008.001.02":
        missing.append(_("le BIC"))
    if missing:
        message = _("Renseignez %(missing)s de la société dans Paramètres › Société.")  # noqa: RUF001
        raise ValidationError(message % {"missing": ", ".join(missing)})


def mandate_problem(mandate: Mandate | None, on: date) -> str:
    """Why a mandate cannot be debited on a date ("" when it can)."""
    if mandate is None:
        return _("le client n'a pas de mandat de prélèvement actif")
    if mandate.status == MandateStatus.REVOKED:
        return _("le mandat %(rum)s est révoqué") % {"rum": mandate.rum}
    if mandate.status == MandateStatus.EXPIRED or mandate_lapsed(mandate, on):
        return _("le mandat %(rum)s est expiré (36 mois sans prélèvement)") % {"rum": mandate.rum}
    if mandate.signature_date is None:
        return _("le mandat %(rum)s n'est pas signé") % {"rum": mandate.rum}
    return ""


def mandate_lapsed(mandate: Mandate, on: date) -> bool:
    since = mandate.last_collection_date or mandate.signature_date
    return since is not None and on > since + MANDATE_LAPSE


def is_prenotified(invoice: Invoice, mandate: Mandate, collection_date: date) -> bool:
    """An invoice e-mailed with the debit announced counts as the pre-notification: sent,
    issued under this mandate (its RUM printed) and due on the collection date."""
    return (
        invoice.sent_at is not None
        and invoice.debit_mandate_rum == mandate.rum
        and invoice.due_date == collection_date
    )


# The proposal ---------------------------------------------------------------------------


def _open_invoices() -> QuerySet[Invoice]:
    return Invoice.objects.filter(
        kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES, amount_due__gt=0
    ).exclude(sepa_items__in=SepaBatchItem.objects.exclude(status=SepaItemStatus.REJECTED))


def _mandates_of(customer_ids: set[int]) -> dict[int, Mandate]:
    """The mandate of each customer that would collect: its active one, else its latest
    (to say why it cannot)."""
    mandates: dict[int, Mandate] = {}
    rows = (
        Mandate.objects.filter(customer_id__in=customer_ids)
        .defer(*MANDATE_UNREAD)
        .order_by("created_at", "id")
    )
    for mandate in rows:
        current = mandates.get(mandate.customer_id)
        if current is None or current.status != MandateStatus.ACTIVE:
            mandates[mandate.customer_id] = mandate
    return mandates


def _used_mandates(mandate_ids: set[int]) -> set[int]:
    """The mandates with an item that is not rejected (in any batch)."""
    return set(
        SepaBatchItem.objects.filter(mandate_id__in=mandate_ids)
        .exclude(status=SepaItemStatus.REJECTED)
        .values_list("mandate_id", flat=True)
        .distinct()
    )


def sequence_type_for(mandate: Mandate, used: bool) -> str:
    if mandate.type == MandateType.ONE_OFF:
        return SequenceType.ONE_OFF
    if used or mandate.first_collection_date is not None:
        return SequenceType.RECURRENT
    return SequenceType.FIRST


def _debits(invoices: list[Invoice], collection_date: date, proposal: Proposal) -> None:
    mandates = _mandates_of({invoice.customer_id for invoice in invoices})
    used = _used_mandates({mandate.pk for mandate in mandates.values()})
    one_off_taken: set[int] = set()
    for invoice in invoices:
        mandate = mandates.get(invoice.customer_id)
        problem = mandate_problem(mandate, collection_date)
        if not problem and mandate.type == MandateType.ONE_OFF:
            if mandate.pk in used or mandate.pk in one_off_taken:
                problem = _("le mandat ponctuel %(rum)s a déjà servi") % {"rum": mandate.rum}
            one_off_taken.add(mandate.pk)
        if problem:
            proposal.left_out.append((invoice, mandate, problem))
            continue
        proposal.debits.append(
            ProposedDebit(
                invoice=invoice,
                mandate=mandate,
                amount=invoice.amount_due,
                sequence_type=sequence_type_for(mandate, mandate.pk in used),
                prenotified=is_prenotified(invoice, mandate, collection_date),
            )
        )


def sepa_proposal(
    *,
    collection_date: date,
    due_by: date | None = None,
    today: date | None = None,
    lock: bool = False,
) -> Proposal:
    """What a batch on `collection_date` would debit: the open invoices due by `due_by`
    (the collection date by default) of customers with a mandate; those whose mandate
    cannot be debited (unsigned, revoked, expired, one-off already used) are left out
    with why. Nothing is written."""
    today = today or timezone.localdate()
    company = Company.load()
    due_by = due_by or collection_date
    proposal = Proposal(
        collection_date=collection_date,
        due_by=due_by,
        notice_days=company.sepa_prenotification_days,
        short_notice=(collection_date - today).days < company.sepa_prenotification_days,
    )
    invoices = (
        _open_invoices()
        .filter(due_date__lte=due_by, customer_id__in=Mandate.objects.values("customer_id"))
        .only(*INVOICE_FIELDS)
        .order_by("customer_name", "customer_id", "due_date", "id")
    )
    if lock:
        invoices = invoices.select_for_update(of=("self",))
    _debits(list(invoices), collection_date, proposal)
    return proposal


# Making a batch -------------------------------------------------------------------------


def _chosen_debits(
    invoice_ids: list[int], collection_date: date, due_by: date
) -> list[ProposedDebit]:
    """The invoices asked for, locked, each checked; errors name every wrong invoice."""
    ids = sorted(set(invoice_ids))
    if len(ids) > MAX_INVOICES:
        message = _("Une remise compte au plus %(max)s factures.") % {"max": MAX_INVOICES}
        raise ValidationError({"invoice_ids": message})
    invoices = list(
        Invoice.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .only(*INVOICE_FIELDS)
        .order_by("id")
    )
    found = {invoice.pk for invoice in invoices}
    errors = [_("La facture n° %(id)s n'existe pas.") % {"id": pk} for pk in ids if pk not in found]
    taken = set(
        _open_invoices().filter(pk__in=ids).values_list("pk", flat=True)
    )  # open and in no live batch item
    proposal = Proposal(collection_date=collection_date, due_by=due_by)
    candidates = []
    for invoice in invoices:
        if invoice.pk not in taken:
            message = _("La facture %(number)s n'est pas à prélever (réglée, non émise, ou "
                        "déjà dans une remise).")  # fmt: skip
            errors.append(message % {"number": invoice.number or invoice.pk})
        else:
            candidates.append(invoice)
    _debits(candidates, collection_date, proposal)
    for invoice, _mandate, problem in proposal.left_out:
        message = _("La facture %(number)s de %(customer)s : %(problem)s.")
        values = {"number": invoice.number, "customer": invoice.customer_name, "problem": problem}
        errors.append(message % values)
    if errors:
        raise ValidationError({"invoice_ids": errors})
    return proposal.debits


def _message_id(collection_date: date) -> str:
    # Max35Text, unique for the creditor: the date and a random part.
    return f"CRENEAU-{collection_date:%Y%m%d}-{uuid.uuid4().hex[:18].upper()}"


def _creditor(company: Company) -> dict[str, str]:
    return {
        "name": company.legal_name,
        "iban": company.iban,
        "bic": company.bic,
        "creditor_id": company.sepa_creditor_id,
    }


def _xml_debits(debits: list[ProposedDebit]) -> list[dict]:
    return [
        {
            "end_to_end_id": debit.invoice.number,
            "amount": debit.amount,
            "sequence_type": debit.sequence_type,
            "scheme": debit.mandate.scheme,
            "rum": debit.mandate.rum,
            "signature_date": debit.mandate.signature_date,
            "debtor_name": debit.mandate.debtor_name or debit.invoice.customer_name,
            "iban": debit.mandate.iban,
            "bic": debit.mandate.bic,
            "description": _("Facture %(number)s") % {"number": debit.invoice.number},
        }
        for debit in debits
    ]


# On PostgreSQL the items go in one statement from arrays (ten thousand rows in a fraction
# of a second, where building as many model instances takes seconds); elsewhere through
# bulk_create. The columns are the model's, its defaults written out.
ITEMS_INSERT = """
INSERT INTO payments_sepabatchitem (batch_id, status, reject_code, invoice_id, mandate_id,
    customer_id, amount, sequence_type, prenotified_at)
SELECT %s, %s, '', * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::numeric[],
    %s::varchar[], %s::timestamptz[])
"""


def _save_items(batch: SepaBatch, debits: list[ProposedDebit]) -> None:
    columns = [
        [debit.invoice.pk for debit in debits],
        [debit.mandate.pk for debit in debits],
        [debit.invoice.customer_id for debit in debits],
        [debit.amount for debit in debits],
        [debit.sequence_type for debit in debits],
        [debit.invoice.sent_at if debit.prenotified else None for debit in debits],
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(ITEMS_INSERT, [batch.pk, SepaItemStatus.PENDING, *columns])
        return
    SepaBatchItem.objects.bulk_create(
        [
            SepaBatchItem(
                batch=batch,
                invoice_id=invoice_id,
                mandate_id=mandate_id,
                customer_id=customer_id,
                amount=amount,
                sequence_type=sequence_type,
                prenotified_at=prenotified_at,
            )
            for invoice_id, mandate_id, customer_id, amount, sequence_type, prenotified_at in zip(
                *columns, strict=True
            )
        ],
        batch_size=2000,
    )


def sepa_batch_create(
    *,
    collection_date: date,
    by: User | None,
    due_by: date | None = None,
    invoice_ids: list[int] | None = None,
    notify: bool = True,
) -> SepaBatch:
    """Make a batch: its items (the invoices given, or all those proposed) and its pain.008
    file, validated against the XSD and stored once. The debtors not pre-notified by their
    invoice get an e-mail, queued when the batch is committed (`notify`)."""
    collection_date_check(collection_date)
    company = Company.load()
    company_sepa_check(company)
    due_by = due_by or collection_date
    with transaction.atomic():
        if invoice_ids is None:  # all those proposed, locked as they are read
            proposal = sepa_proposal(collection_date=collection_date, due_by=due_by, lock=True)
            debits = proposal.debits
        elif invoice_ids:
            debits = _chosen_debits(invoice_ids, collection_date, due_by)
        else:
            debits = []
        if not debits:
            raise ValidationError(
                {"invoice_ids": _("La remise est vide : aucune facture à prélever.")}
            )
        version = company.sepa_pain_version
        batch = SepaBatch(
            collection_date=collection_date,
            due_by=due_by,
            pain_version=version,
            message_id=_message_id(collection_date),
            total=sum((debit.amount for debit in debits), Decimal("0.00")),
            item_count=len(debits),
            created_by=by if by is not None and by.is_authenticated else None,
        )
        content = pain008_build(
            version=version,
            message_id=batch.message_id,
            creditor=_creditor(company),
            collection_date=collection_date,
            debits=_xml_debits(debits),
        )
        batch.xml_sha256 = hashlib.sha256(content).hexdigest()
        batch.xml.save(f"{batch.message_id}.xml", ContentFile(content), save=False)
        try:
            batch.save()
            _save_items(batch, debits)
        except IntegrityError as error:
            # Another batch, made at the same moment, took one of these invoices.
            _file_forget(batch)
            message = _("Une de ces factures vient d'être mise dans une autre remise : "
                        "recommencez.")  # fmt: skip
            raise ValidationError({"invoice_ids": message}) from error
        except BaseException:
            _file_forget(batch)
            raise
        audit_record(by=by, action=AuditEvent.Action.CREATE, instance=batch)
        if notify:
            # The e-mails are written by the task worker once the batch is committed: ten
            # thousand debtors take minutes, not the creation's request.
            from creneau.payments.sepa_notify import sepa_prenotify

            user_id = by.pk if by is not None and by.is_authenticated else None
            transaction.on_commit(lambda: sepa_prenotify.enqueue(batch.pk, user_id))
    return batch


def _file_forget(batch: SepaBatch) -> None:
    """A batch that is not made keeps no file: the rollback undoes the rows, not storage."""
    if batch.xml.name and batch.xml.storage.exists(batch.xml.name):
        batch.xml.storage.delete(batch.xml.name)


def sepa_batch_xml(batch: SepaBatch) -> bytes:
    """The stored file, byte for byte as written at creation."""
    with batch.xml.open("rb") as handle:
        return handle.read()


def live_items() -> QuerySet[SepaBatchItem]:
    return SepaBatchItem.objects.filter(~Q(status=SepaItemStatus.REJECTED))
