"""Demo invoicing: the months of the demo planning billed by monthly billing runs, one credit
note, and invoice recipients on some billing groups.

Idempotent: nothing is done when a billing run or a recipient already exists. Runs bill
the done visits of each month of the planning's past (the current month up to yesterday),
issuing every proposed invoice at once as the task worker would, without sending anything.
Their PDFs are queued for the task worker, like any issued invoice's.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Min
from django.utils import timezone

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import BillingRun, Invoice
from creneau.core.demo import DemoContext
from creneau.customers.models import Contact, Customer, InvoiceRecipient, Site
from creneau.planning.models import Intervention

# Business customers whose first billing group gets a recipient: a contact for most, the
# accounts department's own address for the others.
RECIPIENT_CUSTOMERS = 6
ACCOUNTS_ADDRESS = "comptabilite@{domain}"
CREDIT_NOTE_REASON = "Passage du 1er non effectué : geste commercial."


def billing_periods(first_done: date, today: date) -> list[tuple[date, date]]:
    """Every month from the first done visit's, the current one ending yesterday."""
    periods = []
    start = first_done.replace(day=1)
    yesterday = today - timedelta(days=1)
    while start <= yesterday:
        month_end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        periods.append((start, min(month_end, yesterday)))
        start = month_end + timedelta(days=1)
    return periods


def recipients_add(by: User | None) -> int:
    """Recipients on the billing group of some business customers' sites."""
    customers = (
        Customer.objects.filter(kind=Customer.Kind.BUSINESS, sites__isnull=False)
        .distinct()
        .order_by("id")[:RECIPIENT_CUSTOMERS]
    )
    made = 0
    for index, customer in enumerate(customers):
        group = Site.objects.filter(customer=customer).order_by("id").first().billing_group
        contact = Contact.objects.filter(customer=customer).exclude(email="").order_by("id").first()
        recipient = InvoiceRecipient(customer=customer, billing_group=group)
        if contact is not None and index % 3 != 2:
            recipient.contact = contact
        else:
            address = customer.email or (contact.email if contact else "")
            domain = address.partition("@")[2]
            recipient.email = ACCOUNTS_ADDRESS.format(domain=domain or "example.com")
            recipient.for_reminders = index % 2 == 0
        recipient.full_clean()
        recipient.save()
        made += 1
    return made


def runs_issue(by: User, periods: list[tuple[date, date]]) -> int:
    """One billing run per period, previewed then issued in full; the invoices made."""
    from creneau.billing.runs import billing_run_create, billing_run_execute, billing_run_issue

    before = Invoice.objects.count()
    for period_start, period_end in periods:
        run = billing_run_create(by=by, period_start=period_start, period_end=period_end)
        if not run.items.exists():
            continue
        run = billing_run_issue(run=run, by=by, send=False)
        billing_run_execute(run_id=run.pk)
    return Invoice.objects.count() - before


def credit_note_make(by: User) -> Invoice | None:
    """A partial credit note (by amount) on the largest invoice of a business customer."""
    invoice = (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE, customer__kind=Customer.Kind.BUSINESS)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("-total_gross", "id")
        .first()
    )
    if invoice is None:
        return None
    amount = min(Decimal("68.00"), invoice.total_gross)
    return credit_note_create(invoice=invoice, by=by, amount=amount, reason=CREDIT_NOTE_REASON)


def load_billing(*, context: DemoContext) -> str:
    """Demo loader (creneau.core.demo): recipients, the past months billed, a credit note."""
    # Done once: its runs or its recipients say so (the payments demo issues a few
    # one-off invoices of the past months before it).
    if BillingRun.objects.exists() or InvoiceRecipient.objects.exists():
        return "Facturation : factures déjà présentes."
    by = context.users.get("compta") or context.users.get("direction")
    if by is None:
        return "Facturation : pas d'utilisateur de la comptabilité ni de la direction."
    recipients = recipients_add(by)
    # The visits not billed yet (last year's are, by the payments' demo).
    first_done = Intervention.objects.filter(
        status=Intervention.Status.DONE, billing__isnull=True
    ).aggregate(first=Min("start"))["first"]
    if first_done is None:
        return f"Facturation : {recipients} destinataire(s), aucune intervention à facturer."
    today = timezone.localdate()
    periods = billing_periods(timezone.localtime(first_done).date(), today)
    made = runs_issue(by, periods)
    credit_note = credit_note_make(by)
    return (
        f"Facturation : {recipients} destinataire(s), {made} facture(s) sur {len(periods)} "
        f"mois, {'un avoir' if credit_note else 'aucun avoir'}."
    )
