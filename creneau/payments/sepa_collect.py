"""What follows a batch's file: marking it transmitted to the bank (one SEPA payment per
debit, on the collection date, allocated to its invoice) and the rejects the bank reports
later (R-transactions: the payment reversed, the invoice due again, a fee invoiced)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creneau.billing import services as billing
from creneau.billing.models import Invoice, InvoiceLine
from creneau.catalog.models import VatRate
from creneau.core.models import AuditEvent, Company
from creneau.core.services import audit_record
from creneau.payments.models import (
    Mandate,
    PaymentMethod,
    SepaBatch,
    SepaBatchItem,
    SepaBatchStatus,
    SepaItemStatus,
)
from creneau.payments.sepa_transmit import sepa_batch_transmit
from creneau.payments.services import payment_create, payment_reverse

__all__ = ["sepa_batch_transmit", "sepa_batch_transmit_one_by_one", "sepa_item_reject"]

# The usual reasons a bank gives for a rejected or returned debit (ISO 20022 codes).
REJECT_CODES = {
    "AC01": gettext_lazy("IBAN incorrect"),
    "AC04": gettext_lazy("Compte clôturé"),
    "AC06": gettext_lazy("Compte bloqué"),
    "AC13": gettext_lazy("Compte de débiteur non éligible (client non consommateur)"),
    "AG01": gettext_lazy("Prélèvement interdit sur ce compte"),
    "AG02": gettext_lazy("Code opération incorrect"),
    "AM04": gettext_lazy("Provision insuffisante"),
    "AM05": gettext_lazy("Opération en double"),
    "BE05": gettext_lazy("Créancier inconnu du débiteur"),
    "FF01": gettext_lazy("Format de fichier invalide"),
    "MD01": gettext_lazy("Pas de mandat"),
    "MD02": gettext_lazy("Données du mandat manquantes ou incorrectes"),
    "MD06": gettext_lazy("Contestation du débiteur (remboursement demandé)"),
    "MD07": gettext_lazy("Débiteur décédé"),
    "MS02": gettext_lazy("Refus du débiteur"),
    "MS03": gettext_lazy("Raison non communiquée"),
    "RC01": gettext_lazy("BIC incorrect"),
    "RR01": gettext_lazy("Identification du débiteur manquante"),
    "RR02": gettext_lazy("Nom ou adresse du débiteur manquant"),
    "RR03": gettext_lazy("Nom ou adresse du créancier manquant"),
    "RR04": gettext_lazy("Raison réglementaire"),
    "SL01": gettext_lazy("Service spécifique de la banque du débiteur (liste noire)"),
}


def reject_code_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} – {label}") for code, label in REJECT_CODES.items()]  # noqa: RUF001


def sepa_batch_transmit_one_by_one(*, batch: SepaBatch, by: User | None) -> SepaBatch:
    """Marquer comme transmis, one payment_create per debit: the reference the set-based
    sepa_transmit.sepa_batch_transmit (the one the pages and the API call) is tested
    against, and timed against in bench/sepa_bench.py. Each debit is recorded as a SEPA
    payment on the collection date, allocated to its invoice (what the invoice still owes,
    the rest as the customer's credit); the mandates remember their first and last
    collection."""
    with transaction.atomic():
        locked = SepaBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != SepaBatchStatus.PREPARED:
            raise ValidationError(_("Cette remise est déjà marquée comme transmise."))
        items = list(locked.items.select_related("invoice", "customer", "mandate").order_by("id"))
        for item in items:
            _collect(item, locked, by)
        _mandates_update({item.mandate_id for item in items}, locked)
        locked.status = SepaBatchStatus.TRANSMITTED
        locked.transmitted_at = timezone.now()
        locked.transmitted_by = by if by is not None and by.is_authenticated else None
        locked.save(update_fields=["status", "transmitted_at", "transmitted_by"])
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            message=_("Remise transmise à la banque"),
        )
    return locked


def _collect(item: SepaBatchItem, batch: SepaBatch, by: User | None) -> None:
    invoice = Invoice.objects.select_for_update().get(pk=item.invoice_id)
    part = min(item.amount, invoice.amount_due)
    allocations = [{"invoice_id": invoice.pk, "amount": part}] if part > 0 else []
    payment = payment_create(
        customer=item.customer,
        by=by,
        amount=item.amount,
        method=PaymentMethod.SEPA_DEBIT,
        date=batch.collection_date,
        reference=f"{item.mandate.rum} {invoice.number}"[:100],
        allocations=allocations,
        future_date_allowed=True,
    )
    item.payment = payment
    item.status = SepaItemStatus.COLLECTED
    item.save(update_fields=["payment", "status"])


def _mandates_update(mandate_ids: set[int], batch: SepaBatch) -> None:
    """A mandate's first and last collection, from its collected items."""
    for mandate in Mandate.objects.select_for_update().filter(pk__in=mandate_ids):
        collected = mandate.sepa_items.filter(status=SepaItemStatus.COLLECTED)
        first_last = collected.aggregate(last=Max("batch__collection_date"))
        if first_last["last"] is None:
            # Every collection rejected: a FRST that bounced is sent as FRST again.
            if mandate.first_collection_date == batch.collection_date:
                mandate.first_collection_date = None
            mandate.last_collection_date = None
        else:
            if mandate.first_collection_date is None:
                mandate.first_collection_date = batch.collection_date
            mandate.last_collection_date = first_last["last"]
        mandate.save(update_fields=["first_collection_date", "last_collection_date"])


def _fee_vat_rate() -> tuple[VatRate, Decimal]:
    """The rate of a reject fee and the divisor from its amount with tax: the active 0 %
    rate if there is one (the fee is then a compensation outside VAT), else the standard
    rate the fee then includes."""
    rates = VatRate.objects.filter(is_active=True)
    zero = rates.filter(rate=0).order_by("position", "id").first()
    if zero is not None:
        return zero, Decimal(1)
    rate = rates.order_by("-rate", "id").first()
    if rate is None:
        raise ValidationError(_("Aucun taux de TVA actif : créez-en un dans Paramètres."))
    return rate, 1 + rate.rate / 100


def reject_fee_invoice_create(
    *, item: SepaBatchItem, amount: Decimal, code: str, by: User | None
) -> Invoice:
    """Facture the reject fee to the customer: one line, issued at once."""
    rate, divisor = _fee_vat_rate()
    invoice = billing.invoice_create(
        customer=item.customer, by=by, billing_group=item.invoice.billing_group
    )
    description = _("Frais de rejet de prélèvement (%(code)s, facture %(number)s)") % {
        "code": code,
        "number": item.invoice.number,
    }
    billing.invoice_line_add(
        invoice=invoice,
        by=by,
        line_type=InvoiceLine.LineType.FREE,
        description=description,
        quantity=Decimal(1),
        unit="flat",
        unit_price=(amount / divisor).quantize(Decimal("0.0001")),
        vat_rate=rate,
    )
    return billing.invoice_issue(invoice=invoice, by=by)


def _check_reject(item: SepaBatchItem, code: str, fee: Decimal | None) -> None:
    if code not in REJECT_CODES:
        raise ValidationError({"reason_code": _("Motif de rejet inconnu : %(code)s.") % {
            "code": code[:10]}})  # fmt: skip
    if item.status == SepaItemStatus.REJECTED:
        raise ValidationError(_("Ce prélèvement est déjà rejeté."))
    if item.status != SepaItemStatus.COLLECTED or item.payment_id is None:
        raise ValidationError(
            _(
                "Seul un prélèvement transmis à la banque peut être rejeté : marquez d'abord "
                "la remise comme transmise."
            )
        )
    if fee is not None and (fee <= 0 or fee > Decimal("1000")):
        raise ValidationError({"fee": _("Des frais de rejet entre 0,01 € et 1 000 €.")})


def sepa_item_reject(
    *,
    item: SepaBatchItem,
    reason_code: str,
    by: User | None,
    add_fee: bool = False,
    fee: Decimal | None = None,
) -> SepaBatchItem:
    """The bank rejected a debit: its payment is reversed (the invoice is due again, and
    dunned again), the item keeps the R-code; with `add_fee`, a "Frais de rejet" invoice
    (Company.sepa_reject_fee unless `fee` is given) is issued to the customer."""
    code = (reason_code or "").strip().upper()
    if add_fee and fee is None:
        fee = Company.load().sepa_reject_fee
        if fee <= 0:
            message = _("Indiquez le montant des frais (ou fixez-le dans Paramètres › Société).")  # noqa: RUF001
            raise ValidationError({"fee": message})
    with transaction.atomic():
        locked = (
            SepaBatchItem.objects.select_for_update(of=("self",))
            .select_related("invoice", "customer", "payment", "batch")
            .get(pk=item.pk)
        )
        _check_reject(locked, code, fee if add_fee else None)
        label = str(REJECT_CODES[code])
        reason = _("Prélèvement rejeté (%(code)s : %(label)s)") % {"code": code, "label": label}
        payment_reverse(payment=locked.payment, by=by, reason=reason)
        locked.status = SepaItemStatus.REJECTED
        locked.reject_code = code
        locked.rejected_on = timezone.localdate()
        if add_fee:
            locked.reject_fee_invoice = reject_fee_invoice_create(
                item=locked, amount=fee, code=code, by=by
            )
        locked.save(update_fields=["status", "reject_code", "rejected_on", "reject_fee_invoice"])
        _mandates_update({locked.mandate_id}, locked.batch)
        audit_record(
            by=by,
            action=AuditEvent.Action.OTHER,
            instance=locked,
            customer=locked.customer,
            message=reason,
        )
    return locked
