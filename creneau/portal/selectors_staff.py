"""The office's reads of the portal: a customer's accesses, which of them are locked out,
and the messages the customer wrote. Callers have fetched the customer through the
visibility rule (customer_get), so these take a customer, never an id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from creneau.customers.models import Customer, Site
from creneau.portal.auth import axes_username
from creneau.portal.models import PortalMessage, PortalUser

MESSAGES_SHOWN = 20


def portal_accesses_of(*, customer: Customer) -> QuerySet[PortalUser]:
    return (
        PortalUser.objects.filter(customer=customer)
        .select_related("site")
        .order_by("site__name", "email", "id")
    )


def portal_access_get(*, customer: Customer, pk: int) -> PortalUser | None:
    """One access of this customer, or None (the view answers 404)."""
    return portal_accesses_of(customer=customer).filter(pk=pk).first()


def portal_locked_emails(emails: list[str]) -> set[str]:
    """The e-mails (lower case) locked out now: AXES_FAILURE_LIMIT failed logins or more
    under this e-mail within the cool-off, whatever the address they came from. One query
    for a whole list of accesses."""
    if not emails:
        return set()
    names = {axes_username(email): email.strip().lower() for email in emails}
    attempts = AccessAttempt.objects.filter(username__in=list(names))
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    failures = attempts.values("username").annotate(total=Sum("failures_since_start"))
    return {
        names[row["username"]]
        for row in failures
        if row["total"] is not None and row["total"] >= settings.AXES_FAILURE_LIMIT
    }


def portal_access_is_locked(user: PortalUser) -> bool:
    return bool(portal_locked_emails([user.email]))


@dataclass(frozen=True)
class AccessRow:
    """An access as the "Portail" tab lists it."""

    access: PortalUser
    locked: bool

    @property
    def status(self) -> str:
        """invited (no password yet), active, disabled; locked is shown beside."""
        if not self.access.is_active:
            return "disabled"
        if not self.access.has_usable_password():
            return "invited"
        return "active"

    @property
    def invited_at(self) -> datetime | None:
        return self.access.invited_at


def portal_access_rows(*, customer: Customer) -> list[AccessRow]:
    accesses = list(portal_accesses_of(customer=customer))
    locked = portal_locked_emails([access.email for access in accesses])
    return [AccessRow(access=access, locked=access.email.lower() in locked) for access in accesses]


def portal_access_sites(*, customer: Customer) -> QuerySet[Site]:
    """The sites an access may be limited to: the customer's active ones."""
    return Site.objects.filter(customer=customer, is_active=True).order_by("name", "id")


def portal_messages_of(*, customer: Customer, limit: int = MESSAGES_SHOWN) -> list[PortalMessage]:
    return list(PortalMessage.objects.filter(customer=customer).select_related("site")[:limit])


def portal_messages_count(*, customer: Customer) -> int:
    return PortalMessage.objects.filter(customer=customer).count()
