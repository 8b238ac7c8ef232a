"""What a portal user may see: the one place where the portal's scope is built.

Every portal page and download starts from one of these querysets, so that another
customer's ids, or another site's ids for a site-level access, find nothing (404).

- An account-level access sees all of its customer's sites, visits, invoices, quotes,
  certificates and shared documents.
- A site-level access sees its site's visits, quotes and shared documents. It sees the
  invoices of its site's billing group only when that site is the group's only site
  (an invoice of a group covers all the group's sites, and the others are not in its
  scope); never the tax certificates, which are the customer's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from creneau.accounting.models import TaxCertificate
from creneau.billing.models import Invoice
from creneau.customers.models import Document, Site
from creneau.payments.selectors import customer_balance
from creneau.planning.models import Intervention
from creneau.portal.models import PortalUser
from creneau.quotes.models import Quote

# The visits a customer is shown: planned, done, and those the employee missed; a
# cancelled visit simply is not there.
PORTAL_VISIT_STATUSES = (
    Intervention.Status.PLANNED,
    Intervention.Status.DONE,
    Intervention.Status.MISSED,
)
# Quotes the customer has received: numbered, and sent or answered.
PORTAL_QUOTE_STATUSES = (
    Quote.Status.SENT,
    Quote.Status.ACCEPTED,
    Quote.Status.REFUSED,
    Quote.Status.EXPIRED,
)


def portal_sites(user: PortalUser) -> QuerySet[Site]:
    sites = Site.objects.filter(customer_id=user.customer_id)
    if user.site_id is not None:
        sites = sites.filter(pk=user.site_id)
    return sites


def portal_visits(user: PortalUser) -> QuerySet[Intervention]:
    visits = Intervention.objects.filter(
        site__customer_id=user.customer_id, status__in=PORTAL_VISIT_STATUSES
    )
    if user.site_id is not None:
        visits = visits.filter(site_id=user.site_id)
    return visits


# What a visit shows on the portal (pages, home page): loading only these columns keeps a
# template from printing what was never read (notes, access codes, last names).
VISIT_FIELDS = (
    "start",
    "end",
    "status",
    "actual_start",
    "actual_end",
    "site__name",
    "service__label",
    "employee__first_name",
)
ZERO = Decimal("0.00")


def portal_shown_visits(user: PortalUser) -> QuerySet[Intervention]:
    """The user's visits with only what the portal shows."""
    return portal_visits(user).select_related("site", "service", "employee").only(*VISIT_FIELDS)


def portal_sees_invoices(user: PortalUser) -> bool:
    """Whether the access sees invoices at all (a site-level one: see the module)."""
    if user.site_id is None:
        return True
    # Asked up to three times by a page (the view, portal_invoices, the balance): read
    # once per loaded user, i.e. once per request.
    known = getattr(user, "_portal_sees_invoices", None)
    if known is None:
        group_sites = Site.objects.filter(
            customer_id=user.customer_id, billing_group=user.site.billing_group
        )
        known = not group_sites.exclude(pk=user.site_id).exists()
        user._portal_sees_invoices = known
    return known


def portal_invoices(user: PortalUser) -> QuerySet[Invoice]:
    """Issued invoices and credit notes (never a draft) in the access's scope."""
    if not portal_sees_invoices(user):
        return Invoice.objects.none()
    invoices = Invoice.objects.filter(customer_id=user.customer_id).exclude(
        status=Invoice.Status.DRAFT
    )
    if user.site_id is not None:
        invoices = invoices.filter(billing_group=user.site.billing_group)
    return invoices


def portal_quotes(user: PortalUser) -> QuerySet[Quote]:
    quotes = Quote.objects.filter(
        customer_id=user.customer_id, status__in=PORTAL_QUOTE_STATUSES, number__isnull=False
    )
    if user.site_id is not None:
        quotes = quotes.filter(site_id=user.site_id)
    return quotes


def portal_certificates(user: PortalUser) -> QuerySet[TaxCertificate]:
    """The customer's tax certificates, as generated (an account-level access only)."""
    if user.site_id is not None:
        return TaxCertificate.objects.none()
    return TaxCertificate.objects.filter(customer_id=user.customer_id)


def portal_documents(user: PortalUser) -> QuerySet[Document]:
    """The documents the office marked "visible sur le portail"; a site-level access sees
    only those attached to its site."""
    documents = Document.objects.filter(customer_id=user.customer_id, portal_visible=True)
    if user.site_id is not None:
        documents = documents.filter(site_id=user.site_id)
    return documents


@dataclass(frozen=True)
class PortalBalance:
    """What the customer still owes in the access's scope, what of it is past due, and
    (whole account only) the payments not yet set against an invoice."""

    due: Decimal
    overdue: Decimal
    credit: Decimal = ZERO


def portal_balance(user: PortalUser) -> PortalBalance:
    """The whole account's balance for an account-level access (payments not yet
    allocated count); for a site alone in its billing group, the sum of its invoices'
    amounts due."""
    today = timezone.localdate()
    if user.site_id is None:
        balance = customer_balance(user.customer, today=today)
        return PortalBalance(
            due=max(balance.balance, ZERO), overdue=balance.overdue, credit=balance.credit
        )
    sums = (
        portal_invoices(user)
        .filter(kind=Invoice.Kind.INVOICE)
        .order_by()
        .aggregate(
            due=Sum("amount_due"),
            overdue=Sum("amount_due", filter=Q(due_date__lt=today, amount_due__gt=0)),
        )
    )
    return PortalBalance(
        due=Decimal(sums["due"] or 0).quantize(ZERO),
        overdue=Decimal(sums["overdue"] or 0).quantize(ZERO),
    )
