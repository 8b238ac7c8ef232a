"""Payments (règlements): money received from a customer, split over its invoices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creneau.billing.models import Invoice
from creneau.core.models import CleanTextMixin
from creneau.customers.models import Customer


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Virement")
    CHEQUE = "cheque", _("Chèque")
    CARD = "card", _("Carte bancaire")
    CASH = "cash", _("Espèces")
    SEPA_DEBIT = "sepa_debit", _("Prélèvement SEPA")
    CESU = "cesu", _("CESU")
    CESU_PREFINANCED = "cesu_prefinanced", _("CESU préfinancé")


class ChequeDeposit(CleanTextMixin, models.Model):
    """A deposit of cheques at the bank (remise de chèques): the cheques recorded together
    in Facturation > Règlements, with the slip's reference. Its total is the sum of its
    payments, never typed."""

    date = models.DateField(_("date de remise"), default=timezone.localdate)
    reference = models.CharField(_("n° de bordereau"), max_length=100, blank=True)
    notes = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)

    class Meta:
        verbose_name = _("remise de chèques")
        verbose_name_plural = _("remises de chèques")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        suffix = f" ({self.reference})" if self.reference else ""
        return f"Remise du {self.date:%d/%m/%Y}{suffix}"


class Payment(CleanTextMixin, models.Model):
    """Money received from a customer: a transfer, a cheque, a card, cash, a direct debit
    or CESU. It is split over the customer's invoices by allocations; what is left is the
    customer's credit. Never edited: a mistake, or a bounced cheque, is cancelled by a
    reversal (a row of its own, `reversal_of` the payment), with a reason."""

    Method = PaymentMethod

    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.PROTECT, related_name="payments"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    amount = models.DecimalField(_("montant"), max_digits=14, decimal_places=2)
    method = models.CharField(_("mode de règlement"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    cheque_bank = models.CharField(_("banque du chèque"), max_length=100, blank=True)
    cheque_number = models.CharField(_("n° de chèque"), max_length=30, blank=True)
    deposit = models.ForeignKey(
        ChequeDeposit,
        verbose_name=_("remise de chèques"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    # A reversal cancels the payment it names (its allocations no longer count).
    reversal_of = models.OneToOneField(
        "self",
        verbose_name=_("annule le règlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        verbose_name = _("règlement")
        verbose_name_plural = _("règlements")
        ordering = ["-date", "-id"]
        indexes = [
            # The record's payments, newest first; with the amount and the reversed payment,
            # the customer's count and total of payments come from the index alone.
            models.Index(
                fields=["customer", "-date", "-id"],
                include=["amount", "reversal_of"],
                name="payment_customer_date",
            ),
            models.Index(fields=["-date", "-id"], name="payment_date"),
            # The dashboard's cash collected by day, from the index alone.
            models.Index(
                fields=["date"], include=["amount", "reversal_of"], name="payment_date_amount"
            ),
            # A customer's reversals (few): the allocations that no longer count.
            models.Index(
                fields=["customer"],
                condition=Q(reversal_of__isnull=False),
                name="payment_customer_reversals",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message=_("Le montant d'un règlement est positif."),
            ),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values),
                name="payment_method_valid",
                violation_error_message=_("Mode de règlement inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=True) | ~Q(reversal_of=F("id")),
                name="payment_not_its_own_reversal",
                violation_error_message=_("Un règlement ne s'annule pas lui-même."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} € du {self.date:%d/%m/%Y}"

    @property
    def is_reversal(self) -> bool:
        return self.reversal_of_id is not None


class PaymentAllocation(models.Model):
    """The part of a payment that settles one invoice (lettrage)."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("règlement"), on_delete=models.CASCADE, related_name="allocations"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("facture"), on_delete=models.PROTECT, related_name="allocations"
    )
    # The payment's (and the invoice's) customer, copied: a customer's allocated total is
    # then one index range, not a join over its payments (40,000 of them: 150 ms).
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # allocation_customer leads with it
    )
    amount = models.DecimalField(_("montant"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("affectation")
        verbose_name_plural = _("affectations")
        ordering = ["payment", "id"]
        indexes = [
            models.Index(fields=["invoice", "payment"], name="allocation_invoice"),
            # The dashboard's past amount due: the allocations of the payments dated after a
            # date, with their invoice and amount, read from the index alone.
            models.Index(
                fields=["payment"], include=["invoice", "amount"], name="allocation_payment"
            ),
            # A customer's allocated total, read from the index alone on PostgreSQL.
            models.Index(
                fields=["customer"], include=["amount", "payment"], name="allocation_customer"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="allocation_amount_positive",
                violation_error_message=_("Le montant affecté est positif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} € → {self.invoice}"


class Refund(CleanTextMixin, models.Model):
    """Money paid back to a customer out of a payment's unallocated part (its credit): by
    transfer, cheque or cash. Never edited; it lowers that payment's credit for good."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Virement")
        CHEQUE = "cheque", _("Chèque")
        CASH = "cash", _("Espèces")

    payment = models.ForeignKey(
        Payment, verbose_name=_("règlement"), on_delete=models.PROTECT, related_name="refunds"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("client"), on_delete=models.PROTECT, related_name="refunds"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    amount = models.DecimalField(_("montant"), max_digits=14, decimal_places=2)
    method = models.CharField(_("mode"), max_length=20, choices=Method.choices)
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        verbose_name = _("remboursement")
        verbose_name_plural = _("remboursements")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["customer", "-date"], name="refund_customer_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="refund_amount_positive",
                violation_error_message=_("Le montant d'un remboursement est positif."),
            ),
        ]

    def __str__(self) -> str:
        return f"Remboursement {self.amount} € du {self.date:%d/%m/%Y}"
