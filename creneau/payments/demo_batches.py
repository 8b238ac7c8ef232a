"""Demo SEPA collection batches: last month's batch, transmitted, with one debit rejected
for insufficient funds (AM04), and a batch prepared for next week.

`demo_sepa_batches(context=...)` is a demo loader (creneau.core.demo.DEMO_LOADERS), to
run after the mandates (demo_mandates) and the invoices exist. It makes a few mandates
itself when there are none. Last month's batch is made with the clock set to a week
before its collection date, as if the company had used Créneau then; it debits the open
invoices of customers with a mandate issued before that date (the past months' one-off
invoices), or, when there are none, one-off invoices it issues then (possible only while
no invoice is dated later: invoice numbers never go back in time).

Idempotent: nothing is done when a batch exists.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.defaults import default_vat_rates_ensure
from creneau.catalog.models import VatRate
from creneau.core.demo import DemoContext
from creneau.core.models import Company
from creneau.customers.models import Customer
from creneau.payments.demo import _clock_at
from creneau.payments.models import Mandate, MandateStatus, SepaBatch
from creneau.payments.sepa_batches import OPEN_STATUSES, live_items, sepa_batch_create
from creneau.payments.sepa_calendar import next_target_business_day
from creneau.payments.sepa_collect import sepa_batch_transmit, sepa_item_reject

DEMO_CREDITOR_ID = "FR78ZZZ123456"
DEMO_COMPANY_IBAN = "FR7630006000011234567890189"
DEMO_DEBTOR_IBANS = [
    "FR7630006000000000000000167",
    "FR7630006000000000000000264",
    "FR7630006000000000000000361",
    "FR7630006000000000000000458",
    "FR7630006000000000000000555",
]
LEAD_DAYS = 7  # the past batch was prepared this long before its collection


def _company_ready() -> None:
    """The creditor's identity a pain.008 needs, made up where the demo has none."""
    company = Company.load()
    company.sepa_creditor_id = company.sepa_creditor_id or DEMO_CREDITOR_ID
    if not company.iban:
        company.iban, company.bic = DEMO_COMPANY_IBAN, "AGRIFRPP"
    company.save()


def _mandates(signed_on: date) -> list[Mandate]:
    """The active signed mandates; a few made for individual customers if none."""
    active = Mandate.objects.filter(status=MandateStatus.ACTIVE, signature_date__isnull=False)
    if active.exists():
        return list(active.select_related("customer").order_by("id"))
    customers = Customer.objects.filter(is_active=True, kind=Customer.Kind.INDIVIDUAL)
    customers = customers.exclude(mandates__status=MandateStatus.ACTIVE).order_by("id")
    for index, customer in enumerate(customers[: len(DEMO_DEBTOR_IBANS)]):
        Mandate.objects.create(
            customer=customer,
            rum=f"DEMO-{customer.code}-{index + 1:02d}"[:35],
            debtor_name=customer.name,
            iban=DEMO_DEBTOR_IBANS[index],
            signature_date=signed_on,
            signature_place=customer.city,
        )
    return list(active.select_related("customer").order_by("id"))


def _mandates_for_past_invoices(issued_by: date, today: date) -> list[Mandate]:
    """Mandates for three individual customers with an open invoice issued by then."""
    customers = (
        Customer.objects.filter(
            kind=Customer.Kind.INDIVIDUAL,
            invoices__kind=Invoice.Kind.INVOICE,
            invoices__status__in=OPEN_STATUSES,
            invoices__issue_date__lte=issued_by,
        )
        .exclude(mandates__status=MandateStatus.ACTIVE)
        .distinct()
        .order_by("id")[:3]
    )
    return [
        Mandate.objects.create(
            customer=customer,
            rum=f"DEMO-{customer.code}-P{index + 1}"[:35],
            debtor_name=customer.name,
            iban=DEMO_DEBTOR_IBANS[index],
            signature_date=today - timedelta(days=120),
            signature_place=customer.city,
        )
        for index, customer in enumerate(customers)
    ]


def _open_invoices(customer_ids: list[int], issued_by: date | None = None) -> list[Invoice]:
    invoices = Invoice.objects.filter(
        customer_id__in=customer_ids,
        kind=Invoice.Kind.INVOICE,
        status__in=OPEN_STATUSES,
        amount_due__gt=0,
    ).exclude(sepa_items__in=live_items())
    if issued_by is not None:
        invoices = invoices.filter(issue_date__lte=issued_by)
    return list(invoices.order_by("id"))


def _issue_one_offs(customers: list[Customer], by: User | None, amount: str) -> None:
    """A one-off invoice for each customer, issued by the current clock."""
    default_vat_rates_ensure(VatRate)
    rate = VatRate.objects.filter(rate=Decimal("20.00")).order_by("position", "id").first()
    for customer in customers:
        invoice = invoice_create(customer=customer, by=by)
        invoice_line_add(
            invoice=invoice, by=by, line_type="free", quantity=Decimal(1),
            description="Nettoyage de printemps (intervention ponctuelle)",
            unit_price=Decimal(amount), vat_rate=rate,
        )  # fmt: skip
        invoice_issue(invoice=invoice, by=by)


def _past_batch(mandates: list[Mandate], by: User | None, today: date) -> SepaBatch | None:
    collection = next_target_business_day(today - timedelta(days=32))
    prepared_on = collection - timedelta(days=LEAD_DAYS)
    customer_ids = [mandate.customer_id for mandate in mandates]
    invoices = _open_invoices(customer_ids, issued_by=prepared_on)
    if len(invoices) < 2:
        # The past months' unpaid invoices: their customers sign a mandate.
        mandates = [*mandates, *_mandates_for_past_invoices(prepared_on, today)]
        customer_ids = [mandate.customer_id for mandate in mandates]
        invoices = _open_invoices(customer_ids, issued_by=prepared_on)
    if len(invoices) < 2:
        try:
            with transaction.atomic(), _clock_at(prepared_on - timedelta(days=3)):
                _issue_one_offs([mandate.customer for mandate in mandates[:3]], by, "85.00")
        except ValidationError:
            return None  # later invoices exist: the past cannot be written any more
        invoices = _open_invoices(customer_ids, issued_by=prepared_on)
    with _clock_at(prepared_on):
        batch = sepa_batch_create(
            collection_date=collection,
            by=by,
            invoice_ids=[invoice.pk for invoice in invoices[:6]],
            notify=False,
        )
    with _clock_at(collection - timedelta(days=2)):
        sepa_batch_transmit(batch=batch, by=by)
    with _clock_at(collection + timedelta(days=3)):
        sepa_item_reject(item=batch.items.order_by("id").first(), reason_code="AM04", by=by)
    return batch


def _next_week_batch(mandates: list[Mandate], by: User | None, today: date) -> SepaBatch:
    collection = next_target_business_day(today + timedelta(days=6))
    customer_ids = [mandate.customer_id for mandate in mandates]
    if not _open_invoices(customer_ids):
        _issue_one_offs([mandate.customer for mandate in mandates[:2]], by, "120.00")
    invoices = _open_invoices(customer_ids)
    return sepa_batch_create(
        collection_date=collection,
        by=by,
        invoice_ids=[invoice.pk for invoice in invoices],
    )


def demo_sepa_batches(*, context: DemoContext) -> str:
    """Demo loader: last month's batch (transmitted, one debit rejected AM04) and one
    prepared for next week."""
    if SepaBatch.objects.exists():
        return "Prélèvements : remises déjà présentes."
    by = context.users.get("compta") or context.users.get("direction")
    today = timezone.localdate()
    _company_ready()
    mandates = _mandates(signed_on=today - timedelta(days=120))
    if not mandates:
        return "Prélèvements : aucun client à prélever."
    past = _past_batch(mandates, by, today)
    upcoming = _next_week_batch(mandates, by, today)
    done = []
    if past is not None:
        done.append(
            f"celle du {past.collection_date:%d/%m/%Y} transmise ({past.item_count} "
            f"prélèvement(s), un rejet AM04)"
        )
    done.append(
        f"celle du {upcoming.collection_date:%d/%m/%Y} préparée "
        f"({upcoming.item_count} prélèvement(s))"
    )
    return "Prélèvements : " + " ; ".join(done) + "."
