"""Credit notes (avoirs) against an issued invoice: total, by lines and quantities, or by
an amount incl. VAT split over the invoice's VAT rates; never more than is left to credit.
A credit note is issued at once (number, frozen copy, journal: services._issue_locked)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.billing.models import ZERO, Invoice, InvoiceLine, invoice_lines_totals
from creneau.billing.services import _issue_locked, _lock, invoice_recompute
from creneau.billing.settlement import (
    bases_left,
    credited_gross,
    invoice_allocations_release,
    invoice_amounts_refresh,
    rate_key,
)
from creneau.core.amounts import HUNDRED, vat_of
from creneau.core.closing import ensure_period_open
from creneau.core.money import CENT, money_round
from creneau.core.templatetags.creneau import money, number


def _credit_line_from(source: InvoiceLine, credit_note: Invoice, quantity: Decimal) -> InvoiceLine:
    line = InvoiceLine(
        invoice=credit_note,
        position=source.position,
        line_type=source.line_type,
        service_id=source.service_id,
        site_id=source.site_id,
        description=source.description,
        quantity=quantity,
        unit=source.unit,
        unit_price=source.unit_price,
        vat_rate_id=source.vat_rate_id,
        vat_rate_value=source.vat_rate_value,
        vat_exemption=source.vat_exemption,
        discount_percent=source.discount_percent,
        credited_line=source,
    )
    line.net = line.compute_net()
    return line


def _credited_quantities(invoice: Invoice) -> dict[int, Decimal]:
    credited: dict[int, Decimal] = {}
    for line_id, quantity in (
        InvoiceLine.objects.filter(credited_line__invoice=invoice)
        .exclude(invoice__status=Invoice.Status.DRAFT)
        .values_list("credited_line_id", "quantity")
    ):
        credited[line_id] = credited.get(line_id, ZERO) + quantity
    return credited


def _credit_lines(
    invoice: Invoice, credit_note: Invoice, wanted: list[dict[str, Any]] | None
) -> list[InvoiceLine]:
    """The credit note's lines: every line's remaining quantity (a total credit), or the
    given quantities of given lines (a partial one)."""
    sources = {line.pk: line for line in invoice.lines.all()}
    already = _credited_quantities(invoice)
    if wanted is None:
        wanted = [
            {"line_id": pk, "quantity": line.quantity - already.get(pk, ZERO)}
            for pk, line in sources.items()
            if line.has_amount
        ]
        wanted = [item for item in wanted if item["quantity"] != 0]
    lines = []
    for index, item in enumerate(wanted, start=1):
        source = sources.get(item.get("line_id"))
        if source is None or not source.has_amount:
            raise ValidationError(
                _("Ligne %(index)s : elle n'est pas une ligne chiffrée de cette facture.")
                % {"index": index}
            )
        quantity = Decimal(item.get("quantity", source.quantity))
        left = source.quantity - already.get(source.pk, ZERO)
        same_sign = (quantity > 0) == (source.quantity > 0)
        if quantity == 0 or not same_sign or abs(quantity) > abs(left):
            raise ValidationError(
                _("Ligne %(index)s : il reste %(left)s à créditer sur « %(label)s ».")
                % {
                    "index": index,
                    "left": number(left, 3).rstrip("0").rstrip(","),
                    "label": source.title,
                }
            )
        lines.append(_credit_line_from(source, credit_note, quantity))
    return lines


def _check_credit(invoice: Invoice, credit_note: Invoice, left: Decimal) -> None:
    """A credit note takes something off, never more than is left: in all, and at each VAT
    rate (a credit by amount then by lines could otherwise credit a rate twice)."""
    if credit_note.total_gross <= 0:
        raise ValidationError(
            _("Un avoir doit réduire la facture : son total TTC serait de %(amount)s.")
            % {"amount": money(credit_note.total_gross)}
        )
    if credit_note.total_gross > left:
        raise ValidationError(
            _("L'avoir (%(amount)s) dépasse ce qui reste à créditer (%(left)s).")
            % {"amount": money(credit_note.total_gross), "left": money(left)}
        )
    bases = bases_left(invoice)
    for row in credit_note.vat_breakdown:
        key = rate_key(row)
        if Decimal(row["base"]) > bases.get(key, ZERO):
            raise ValidationError(
                _("À %(rate)s %%, il reste %(base)s HT à créditer sur cette facture.")
                % {
                    "rate": f"{key[0].normalize():f}",
                    "base": money(max(bases.get(key, ZERO), ZERO)),
                }
            )


def credit_note_create(
    *,
    invoice: Invoice,
    by: User | None,
    lines: list[dict[str, Any]] | None = None,
    amount: Decimal | None = None,
    reason: str = "",
) -> Invoice:
    """Issue a credit note (avoir) against an issued invoice: total (no lines nor amount),
    partial by lines ([{"line_id", "quantity"}]), or partial by an amount incl. VAT (split
    over the invoice's VAT rates in proportion). Never more than is left to credit."""
    if invoice.is_draft or invoice.is_credit_note:
        raise ValidationError(_("Un avoir se fait sur une facture émise."))
    if lines is not None and amount is not None:
        raise ValidationError(_("Créditez des lignes ou un montant, pas les deux."))
    ensure_period_open(timezone.localdate())  # a credit note is dated today
    with transaction.atomic():
        locked = _lock(invoice)
        left = locked.total_gross - credited_gross(locked)
        if left <= 0:
            raise ValidationError(_("Cette facture est déjà entièrement créditée."))
        credit_note = Invoice(
            kind=Invoice.Kind.CREDIT_NOTE,
            customer_id=locked.customer_id,
            billing_group=locked.billing_group,
            credited_invoice=locked,
            period_start=locked.period_start,
            period_end=locked.period_end,
            created_by=by,
            notes=(reason or "").strip()[:1000],
        )
        credit_note.save()
        credit_note.sites.set(locked.sites.all())
        if amount is not None:
            new_lines = _amount_lines(locked, credit_note, Decimal(amount), left)
        else:
            new_lines = _credit_lines(locked, credit_note, lines)
            if lines is None and invoice_lines_totals(new_lines).gross != left:
                # A total credit after a credit by amount: what is left, by VAT rate.
                new_lines = _remaining_lines(locked, credit_note, left)
        InvoiceLine.objects.bulk_create(new_lines)
        new_lines = list(credit_note.lines.all())
        invoice_recompute(invoice=credit_note, lines=new_lines)
        _check_credit(locked, credit_note, left)
        _issue_locked(credit_note, by, new_lines)
        invoice_allocations_release(invoice=locked, credit_note=credit_note, by=by)
        invoice_amounts_refresh(invoice=locked)
    credit_note.refresh_from_db()
    return credit_note


def _gross_of(net: Decimal, rate: Decimal) -> Decimal:
    return net + vat_of(base=net, rate=rate)


def _net_for_gross(gross: Decimal, rate: Decimal) -> Decimal:
    """The largest net whose gross (net + its VAT rounded to the cent) is at most `gross`.
    Some amounts incl. VAT cannot be reached (at 20 %, 0,03 € lies between 0,02 and 0,04)."""
    net = money_round(gross * HUNDRED / (HUNDRED + rate)) + CENT
    while net > 0 and _gross_of(net, rate) > gross:
        net -= CENT
    return max(net, ZERO)


def _credit_line(credit_note: Invoice, index: int, net: Decimal, key, rate_id, label: str):
    rate, exemption = key
    return InvoiceLine(
        invoice=credit_note,
        position=index,
        line_type=InvoiceLine.LineType.FREE,
        description=label,
        quantity=Decimal(1),
        unit_price=net,
        vat_rate_id=rate_id,
        vat_rate_value=rate,
        vat_exemption=exemption,
        net=net,
    )


def _rate_ids(invoice: Invoice) -> dict[tuple[Decimal, str], int]:
    return {
        (line.vat_rate_value, line.vat_exemption): line.vat_rate_id
        for line in invoice.lines.all()
        if line.vat_rate_id
    }


def _remaining_lines(invoice: Invoice, credit_note: Invoice, left: Decimal) -> list[InvoiceLine]:
    """A total credit after partial ones: each rate's base not yet credited, the last one
    lowered by the cent its VAT rounding may add beyond what is left."""
    label = _("Solde de la facture %(number)s") % {"number": invoice.number}
    rate_ids = _rate_ids(invoice)
    rows = [(key, base) for key, base in bases_left(invoice).items() if base > 0]
    if rows:
        key, base = rows[-1]
        over = sum((_gross_of(b, k[0]) for k, b in rows), ZERO) - left
        while over > 0 and base > 0:
            base -= CENT
            over = sum((_gross_of(b, k[0]) for k, b in rows[:-1]), ZERO)
            over += _gross_of(base, key[0]) - left
        rows[-1] = (key, base)
    return [
        _credit_line(credit_note, index, base, key, rate_ids.get(key), label)
        for index, (key, base) in enumerate(rows)
        if base > 0
    ]


def _amount_lines(
    invoice: Invoice, credit_note: Invoice, amount: Decimal, left: Decimal
) -> list[InvoiceLine]:
    """A credit of an amount incl. VAT: one line per VAT rate that has a base left, the
    amount shared in proportion of what each has left, each net found back from its rate.
    An amount that the cent rounding of VAT cannot reach is refused, naming the nearest."""
    if amount <= 0:
        raise ValidationError({"amount": _("Le montant d'un avoir est positif.")})
    if amount > left:
        raise ValidationError(
            {"amount": _("Il reste %(left)s à créditer sur cette facture.") % {"left": money(left)}}
        )
    rows = [(key, base) for key, base in bases_left(invoice).items() if base > 0]
    # The share of the first rate may move by a cent or two so that the last one lands on
    # an amount its VAT rounding reaches.
    for shift in (ZERO, -CENT, CENT, -2 * CENT, 2 * CENT):
        nets = _split(rows, amount, shift)
        if nets is not None:
            break
    else:
        key, _base = rows[-1]
        net = _net_for_gross(amount, key[0]) if len(rows) == 1 else ZERO
        raise ValidationError(
            {
                "amount": _(
                    "La TVA arrondie au centime ne permet pas un avoir de %(amount)s "
                    "TTC : choisissez %(below)s ou %(above)s."
                )
                % {
                    "amount": money(amount),
                    "below": money(_gross_of(net, key[0])),
                    "above": money(_gross_of(net + CENT, key[0])),
                }
                if len(rows) == 1
                else _("La TVA arrondie au centime ne permet pas un avoir de %(amount)s TTC.")
                % {"amount": money(amount)}
            }
        )
    rate_ids = _rate_ids(invoice)
    label = _("Avoir sur la facture %(number)s") % {"number": invoice.number}
    return [
        _credit_line(credit_note, index, net, key, rate_ids.get(key), label)
        for index, ((key, _base), net) in enumerate(zip(rows, nets, strict=True))
        if net > 0
    ]


def _split(
    rows: list[tuple[tuple[Decimal, str], Decimal]], amount: Decimal, shift: Decimal
) -> list[Decimal] | None:
    """Each rate's net for its share of `amount` (in proportion of what it has left), or
    None when the last share cannot be reached exactly."""
    grosses = [_gross_of(base, key[0]) for key, base in rows]
    total = sum(grosses, ZERO)
    nets, remaining = [], amount
    for index, ((key, base), gross) in enumerate(zip(rows, grosses, strict=True)):
        last = index == len(rows) - 1
        share = remaining if last else money_round(amount * gross / total)
        if index == 0 and not last:
            share += shift
        share = max(min(share, gross, remaining), ZERO)
        net = min(_net_for_gross(share, key[0]), base)
        if last and _gross_of(net, key[0]) != share:
            return None
        remaining -= _gross_of(net, key[0])
        nets.append(net)
    return nets
