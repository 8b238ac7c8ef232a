"""Writes of invoices and credit notes: drafts and their lines, and issuing (number, frozen
copy, journal). Credit notes are made in credit_notes.py; what is left due, in
settlement.py.

Callers have fetched the invoice through the selectors (visibility) and checked the rule
(rules.user_may_issue_invoices). Every write records an audit row on the customer.

Locking order, always the same, so that two writers never wait for each other in a
circle: the invoice's row, then the numbering counter, then the journal's counter.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creneau.billing.journal import invoice_figures, journal_append
from creneau.billing.models import ZERO, Invoice, InvoiceLine, invoice_lines_totals
from creneau.billing.settlement import direct_debit_mandate_of
from creneau.catalog.selectors import service_price_for_site
from creneau.core.closing import ensure_period_open
from creneau.core.models import AuditEvent, Company
from creneau.core.services import (
    audit_record,
    counter_next,
    fields_apply,
    model_changes,
    model_snapshot,
)
from creneau.core.versions import INVOICES, data_changed
from creneau.customers.models import Customer, Site
from creneau.quotes.bounds import amount_error, max_amount
from creneau.quotes.models import Quote

INVOICE_FIELDS = ["billing_group", "period_start", "period_end", "notes"]
LINE_FIELDS = [
    "line_type", "service", "site", "description", "quantity", "unit", "unit_price",
    "vat_rate", "discount_percent",
]  # fmt: skip
# Set by the services, not given. The check constraints of invoices and lines are not asked
# of the database one by one (three queries each, most of a manual invoice's time): the
# models' clean() and the services say the same in words, and the constraints stay the
# last word when the row is saved.
LINE_UNCHECKED = ["invoice", "position", "net", "vat_rate_value"]
# At issuing, the lines' relations were checked when each line was saved (and are read
# along with the lines): clean() still checks the rate is active.
LINE_UNCHECKED_AT_ISSUE = [*LINE_UNCHECKED, "vat_rate", "service", "site"]
SERIES_PREFIX = {Invoice.Kind.INVOICE: "F", Invoice.Kind.CREDIT_NOTE: "A"}


def ensure_draft(invoice: Invoice) -> None:
    """An issued invoice is frozen: it is corrected by a credit note, never edited."""
    if not invoice.is_draft:
        raise ValidationError(
            _(
                "La facture %(number)s est émise : elle ne peut plus être modifiée ni "
                "supprimée. Corrigez-la par un avoir."
            )
            % {"number": invoice.number}
        )


def _lock(invoice: Invoice) -> Invoice:
    """The invoice's row, locked until the transaction ends (its customer read along)."""
    return (
        Invoice.objects.select_related("customer")
        .select_for_update(of=("self",))
        .get(pk=invoice.pk)
    )


def _lock_draft(invoice: Invoice) -> Invoice:
    locked = _lock(invoice)
    ensure_draft(locked)
    return locked


def _audit(invoice: Invoice, by: User | None, action: str, message: str = "", changes=None):
    audit_record(
        by=by,
        action=action,
        instance=invoice,
        customer=invoice.customer,
        message=message,
        changes=changes,
    )


def _set_totals(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    totals = invoice_lines_totals(lines)
    invoice.total_net, invoice.total_vat, invoice.total_gross = (
        totals.net,
        totals.vat,
        totals.gross,
    )
    invoice.vat_breakdown = [
        {
            "rate": f"{row.rate:.2f}",
            "exemption": row.key[1],
            "base": f"{row.base:.2f}",
            "vat": f"{row.vat:.2f}",
        }
        for row in totals.breakdown
    ]


def invoice_recompute(*, invoice: Invoice, lines: list[InvoiceLine] | None = None) -> Invoice:
    """Store the totals and VAT breakdown computed from the lines."""
    _set_totals(invoice, list(invoice.lines.all()) if lines is None else lines)
    data_changed(INVOICES)
    Invoice.objects.filter(pk=invoice.pk).update(
        total_net=invoice.total_net,
        total_vat=invoice.total_vat,
        total_gross=invoice.total_gross,
        vat_breakdown=invoice.vat_breakdown,
        updated_at=timezone.now(),
    )
    return invoice


# Drafts -------------------------------------------------------------------------------


def group_sites(customer: Customer, group: str) -> list[Site]:
    """The active sites of a customer's billing group."""
    return list(customer.sites.filter(billing_group=group, is_active=True).order_by("name", "id"))


def invoice_create(
    *,
    customer: Customer,
    by: User | None,
    sites: list[Site] | None = None,
    kind: str = Invoice.Kind.INVOICE,
    **fields: Any,
) -> Invoice:
    """Start a draft invoice for a customer's billing group (manual invoicing). Its sites
    (the service addresses it prints) are the group's active sites unless given."""
    invoice = Invoice(customer=customer, kind=kind, created_by=by)
    fields_apply(invoice, fields, [*INVOICE_FIELDS, "quote", "billing_run"])
    invoice.full_clean(exclude=["number"], validate_constraints=False)
    if sites is None:
        sites = group_sites(customer, invoice.billing_group)
    for site in sites:
        if site.customer_id != customer.pk:
            raise ValidationError({"sites": _("Ce site appartient à un autre client.")})
    with transaction.atomic():
        invoice.save()
        if sites:
            invoice.sites.set(sites)
        _audit(invoice, by, AuditEvent.Action.CREATE)
    return invoice


def invoice_update(*, invoice: Invoice, by: User | None, **fields: Any) -> Invoice:
    """Change the billing group, period or notes of a draft."""
    ensure_draft(invoice)
    before = model_snapshot(invoice, INVOICE_FIELDS)
    fields_apply(invoice, fields, INVOICE_FIELDS)
    invoice.full_clean(exclude=["number"], validate_constraints=False)
    changes = model_changes(before, model_snapshot(invoice, INVOICE_FIELDS))
    if changes:
        with transaction.atomic():
            _lock_draft(invoice)
            invoice.save(update_fields=[*INVOICE_FIELDS, "updated_at"])
            if "billing_group" in changes:
                invoice.sites.set(group_sites(invoice.customer, invoice.billing_group))
            _audit(invoice, by, AuditEvent.Action.UPDATE, changes=changes)
    return invoice


def invoice_delete(*, invoice: Invoice, by: User | None) -> None:
    """Delete a draft: it has no number, so no gap is made. What it billed is free again."""
    ensure_draft(invoice)
    with transaction.atomic():
        _lock_draft(invoice)
        _audit(invoice, by, AuditEvent.Action.DELETE)
        invoice.delete()


def _normalise_line(line: InvoiceLine) -> None:
    """Section titles and comments carry no amounts; the VAT rate and its wording are
    copied onto the line; every line's net is recomputed."""
    if not line.has_amount:
        line.quantity, line.unit_price, line.discount_percent = Decimal(0), Decimal(0), Decimal(0)
        line.vat_rate, line.unit, line.service = None, "", None
    if line.line_type != InvoiceLine.LineType.SERVICE:
        line.service = None
    if line.discount_percent is None:
        line.discount_percent = Decimal(0)
    if line.vat_rate_id:
        line.vat_rate_value = line.vat_rate.rate
        line.vat_exemption = line.vat_rate.exemption_wording if not line.vat_rate.rate else ""
    else:
        line.vat_rate_value, line.vat_exemption = None, ""
    line.net = line.compute_net()


def _prefill_from_service(line: InvoiceLine, given: dict[str, Any]) -> None:
    service = line.service
    if given.get("description") is None:
        line.description = service.label
    if given.get("unit") is None:
        line.unit = service.unit
    if given.get("unit_price") is None:
        line.unit_price = service_price_for_site(service=service, site=line.site)
    if given.get("vat_rate") is None and service.vat_rate.is_active:
        line.vat_rate = service.vat_rate


def _check_totals(lines: list[InvoiceLine]) -> None:
    if any(abs(line.net) > max_amount() for line in lines):
        raise ValidationError({"unit_price": amount_error()})
    totals = invoice_lines_totals(lines)
    if any(abs(amount) > max_amount() for amount in (totals.net, totals.vat, totals.gross)):
        raise ValidationError({"unit_price": amount_error()})


def invoice_line_build(*, invoice: Invoice, **fields: Any) -> InvoiceLine:
    """A valid, unsaved line (a service line prefilled from the catalogue, the site's own
    price first); whatever the caller gave explicitly wins."""
    given = {name: value for name, value in fields.items() if value is not None}
    line = InvoiceLine(invoice=invoice)
    fields_apply(line, given, LINE_FIELDS)
    if line.site_id and line.site.customer_id != invoice.customer_id:
        raise ValidationError({"site": _("Ce site appartient à un autre client.")})
    if line.line_type == InvoiceLine.LineType.DISCOUNT and "quantity" not in given:
        line.quantity = Decimal(-1)
    if line.line_type == InvoiceLine.LineType.SERVICE and line.service_id:
        if not line.service.is_active:
            raise ValidationError({"service": _("Cette prestation n'est plus au catalogue.")})
        _prefill_from_service(line, given)
    _normalise_line(line)
    line.full_clean(exclude=LINE_UNCHECKED, validate_constraints=False)
    return line


def invoice_line_add(*, invoice: Invoice, by: User | None, **fields: Any) -> InvoiceLine:
    """Add a line at the end of a draft."""
    ensure_draft(invoice)
    line = invoice_line_build(invoice=invoice, **fields)
    with transaction.atomic():
        _lock_draft(invoice)
        others = list(invoice.lines.all())
        _check_totals([*others, line])
        line.position = max((other.position for other in others), default=-1) + 1
        line.save()
        invoice_recompute(invoice=invoice, lines=[*others, line])
        audit_record(
            by=by, action=AuditEvent.Action.CREATE, instance=line, customer=invoice.customer
        )
    return line


def invoice_line_update(*, line: InvoiceLine, by: User | None, **fields: Any) -> InvoiceLine:
    """Change a line of a draft; the invoice's totals follow."""
    invoice = line.invoice
    ensure_draft(invoice)
    before = model_snapshot(line, LINE_FIELDS)
    fields_apply(line, fields, LINE_FIELDS)
    _normalise_line(line)
    line.full_clean(exclude=LINE_UNCHECKED, validate_constraints=False)
    changes = model_changes(before, model_snapshot(line, LINE_FIELDS))
    if not changes:
        return line
    with transaction.atomic():
        _lock_draft(invoice)
        others = list(invoice.lines.exclude(pk=line.pk))
        if not InvoiceLine.objects.filter(pk=line.pk, invoice_id=invoice.pk).exists():
            raise ValidationError(_("Cette ligne a été supprimée entre-temps."))
        _check_totals([*others, line])
        line.save()
        invoice_recompute(invoice=invoice, lines=[*others, line])
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=line,
            customer=invoice.customer,
            changes=changes,
        )
    return line


def invoice_line_delete(*, line: InvoiceLine, by: User | None) -> None:
    invoice = line.invoice
    ensure_draft(invoice)
    with transaction.atomic():
        _lock_draft(invoice)
        audit_record(
            by=by, action=AuditEvent.Action.DELETE, instance=line, customer=invoice.customer
        )
        line.delete()
        invoice_recompute(invoice=invoice)


def invoice_from_quote(*, quote: Quote, by: User | None) -> Invoice:
    """ "Facturer": a draft invoice with the accepted quote's lines, once per quote."""
    if quote.status != Quote.Status.ACCEPTED:
        raise ValidationError(_("Seul un devis accepté peut être facturé."))
    with transaction.atomic():
        locked = Quote.objects.select_for_update().get(pk=quote.pk)
        if Invoice.objects.filter(quote=locked).exists():
            raise ValidationError(_("Ce devis a déjà été facturé."))
        group = locked.site.billing_group if locked.site_id else "A"
        invoice = invoice_create(
            customer=locked.customer,
            by=by,
            sites=[locked.site] if locked.site_id else None,
            quote=locked,
            billing_group=group,
            notes=_("Selon notre devis %(number)s du %(date)s.")
            % {"number": locked.number, "date": locked.date.strftime("%d/%m/%Y")},
        )
        lines = []
        for position, quote_line in enumerate(locked.lines.select_related("vat_rate")):
            line = InvoiceLine(
                invoice=invoice,
                position=position,
                line_type=quote_line.line_type,
                service_id=quote_line.service_id,
                site_id=locked.site_id,
                description=quote_line.description,
                quantity=quote_line.quantity,
                unit=quote_line.unit,
                unit_price=quote_line.unit_price,
                vat_rate=quote_line.vat_rate,
                discount_percent=quote_line.discount_percent,
            )
            _normalise_line(line)
            lines.append(line)
        InvoiceLine.objects.bulk_create(lines)
        invoice_recompute(invoice=invoice, lines=lines)
    return invoice


# Issuing ------------------------------------------------------------------------------


def _check_complete(invoice: Invoice, lines: list[InvoiceLine], *, lines_checked: bool) -> None:
    """Every line valid, at least one with an amount, totals within bounds."""
    if not any(line.has_amount for line in lines):
        raise ValidationError(_("Une facture sans ligne chiffrée ne peut pas être émise."))
    # A credit note's lines are the issued invoice's, checked when it was issued (its VAT
    # rate may have left the list since); a billing run's were built from checked data.
    to_check = [] if invoice.is_credit_note or lines_checked else lines
    for index, line in enumerate(to_check, start=1):
        try:
            line.full_clean(exclude=LINE_UNCHECKED_AT_ISSUE, validate_constraints=False)
        except ValidationError as error:
            raise ValidationError(
                _("Ligne %(index)s : %(errors)s")
                % {"index": index, "errors": " ".join(error.messages)}
            ) from error
    try:
        _check_totals(lines)
    except ValidationError as error:
        raise ValidationError(error.messages) from error
    if invoice.kind == Invoice.Kind.INVOICE and invoice.total_gross < 0:
        raise ValidationError(
            _("Le total d'une facture ne peut pas être négatif : faites un avoir.")
        )


def _take_number(kind: str, today: date) -> str:
    """The next number of the series, taken under the counter's lock (gapless, unique).
    Dates never go backwards within a series: refused if the clock did."""
    prefix = SERIES_PREFIX[kind]
    value = counter_next(name=f"{kind}-{today.year}")
    # The series' previous number, through its unique index: never dated after today.
    latest = (
        Invoice.objects.filter(number=f"{prefix}-{today.year}-{value - 1:05d}")
        .values_list("issue_date", flat=True)
        .first()
    )
    if latest is not None and latest > today:
        raise ValidationError(
            _("Une pièce de cette série est datée du %(date)s : la date ne peut pas reculer.")
            % {"date": latest.strftime("%d/%m/%Y")}
        )
    return f"{prefix}-{today.year}-{value:05d}"


def _freeze_identity(invoice: Invoice, company: Company) -> None:
    """Copy what the law asks the invoice to say of its customer and sites, as of today."""
    customer = invoice.customer
    invoice.customer_name = customer.name
    invoice.customer_code = customer.code
    invoice.customer_kind = customer.kind
    invoice.billing_address = "\n".join(customer.address_lines)
    is_business = customer.kind == Customer.Kind.BUSINESS
    invoice.customer_siren = customer.siret[:9] if is_business else ""
    invoice.customer_vat_number = customer.vat_number if is_business else ""
    invoice.payment_terms_days = customer.payment_terms_days
    invoice.late_penalty_rate = company.late_penalty_rate
    sites = list(invoice.sites.all())
    invoice.site_addresses = [
        {"id": site.pk, "name": site.name, "address": "\n".join(site.address_lines)}
        for site in sites
    ]


def _issue_locked(
    invoice: Invoice,
    by: User | None,
    lines: list[InvoiceLine],
    *,
    company: Company | None = None,
    lines_checked: bool = False,
) -> Invoice:
    """Number, date, freeze and journal a locked draft whose lines are saved. A billing run
    passes the company once, and its lines as checked (no query per line)."""
    company = company or Company.load()
    _set_totals(invoice, lines)
    _check_complete(invoice, lines, lines_checked=lines_checked)
    today = timezone.localdate()
    ensure_period_open(today)  # the closed period (accounting): nothing issued in it
    invoice.number = _take_number(invoice.kind, today)
    invoice.issue_date = today
    terms = invoice.customer.payment_terms_days
    invoice.due_date = today if invoice.is_credit_note else today + timedelta(days=terms)
    _freeze_identity(invoice, company)
    if not invoice.is_credit_note:
        # Collected by SEPA direct debit on its due date under the customer's mandate.
        invoice.debit_mandate_rum = direct_debit_mandate_of(invoice.customer_id)
    invoice.status = Invoice.Status.ISSUED
    invoice.amount_due = ZERO if invoice.is_credit_note else invoice.total_gross
    invoice.issued_at = timezone.now()
    invoice.issued_by = by if by is not None and by.is_authenticated else None
    invoice.save()
    journal_append(kind=invoice.kind, figures=invoice_figures(invoice), invoice=invoice)
    _audit(
        invoice,
        by,
        AuditEvent.Action.OTHER,
        message=_("Émise : numéro %(number)s") % {"number": invoice.number},
    )
    transaction.on_commit(lambda: _queue_pdf(invoice.pk))
    return invoice


def _queue_pdf(invoice_id: int) -> None:
    from creneau.billing.tasks import make_invoice_pdf

    make_invoice_pdf.enqueue(invoice_id)


def invoice_issue(*, invoice: Invoice, by: User | None) -> Invoice:
    """Give a draft its number (F-YYYY-NNNNN), date and due date, copy the customer's
    identity onto it, and freeze it; the journal records it and the workers make its PDF."""
    with transaction.atomic():
        locked = _lock_draft(invoice)
        lines = list(locked.lines.select_related("vat_rate", "service"))
        _issue_locked(locked, by, lines)
    for field in Invoice._meta.concrete_fields:
        setattr(invoice, field.attname, getattr(locked, field.attname))
    return invoice
