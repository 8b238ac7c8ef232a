"""What the portal's home page shows: the next visits, the last one done, the amount due
and the quotes waiting for an answer, each read through the portal's scope (selectors)."""

from __future__ import annotations

from django.utils import timezone

from creneau.planning.models import Intervention
from creneau.portal import selectors
from creneau.portal.models import PortalUser
from creneau.quotes.models import Quote

HOME_NEXT_VISITS = 3


def portal_home_summary(user: PortalUser) -> dict:
    now = timezone.now()
    visits = selectors.portal_shown_visits(user)
    next_visits = list(
        visits.filter(status=Intervention.Status.PLANNED, start__gte=now).order_by("start", "id")[
            :HOME_NEXT_VISITS
        ]
    )
    last_done = visits.filter(status=Intervention.Status.DONE).order_by("-start", "-id").first()
    sees_invoices = selectors.portal_sees_invoices(user)
    # The same amount as the invoices page's "Reste à payer".
    amount_due = selectors.portal_balance(user).due if sees_invoices else None
    waiting_quotes = list(
        selectors.portal_quotes(user)
        .filter(status=Quote.Status.SENT, validity_date__gte=timezone.localdate())
        .select_related("site")
        .order_by("validity_date", "id")[:5]
    )
    return {
        "portal_user": user,
        "next_visits": next_visits,
        "last_done": last_done,
        # A done visit shows when it really took place, when the employee recorded it.
        "last_done_at": (last_done.actual_start or last_done.start) if last_done else None,
        "sees_invoices": sees_invoices,
        "amount_due": amount_due,
        "waiting_quotes": waiting_quotes,
    }
