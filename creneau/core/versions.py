"""Versions of the data that cached reports read: invoices, payments, visits.

A write that changes one of them calls data_changed(topic); once its transaction commits,
the listeners registered here learn it (the dashboard bumps its counter of that topic, so
that every figure read from that data is recomputed, and only those). Core sits below the
apps that write and the app that reads: it takes the listener as a callable, and knows
neither. A rolled-back transaction changes nothing, and bumps nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

# invoices: the issued documents (totals, dates); payments: payments, their allocations and
# so the invoices' amounts due; payments_past: payments dated before today (a back-dated
# one, a bulk insert), besides payments; visits: the planning's interventions;
# visits_past: visits before the previous month (dashboard.cache.visits_boundary), besides
# visits; payments_old: payments dated a year ago or before (OLD_DAYS), besides
# payments_past (what was due a year ago moves only with those).
INVOICES, PAYMENTS, PAYMENTS_PAST = "invoices", "payments", "payments_past"
PAYMENTS_OLD = "payments_old"
VISITS, VISITS_PAST = "visits", "visits_past"
TOPICS = (INVOICES, PAYMENTS, PAYMENTS_PAST, PAYMENTS_OLD, VISITS, VISITS_PAST)
# A year before today is 365 or 366 days ago (29 February becomes the 28th): a payment
# dated 365 days ago or before is "old".
OLD_DAYS = 365


def payment_topics(day: date | None) -> tuple[str, ...]:
    """The topics a payment (or an allocation of it) dated `day` changes: payments, and
    payments_past and payments_old as its date reaches back (unknown: all three)."""
    today = timezone.localdate()
    topics = [PAYMENTS]
    if day is None or day < today:
        topics.append(PAYMENTS_PAST)
    if day is None or day <= today - timedelta(days=OLD_DAYS):
        topics.append(PAYMENTS_OLD)
    return tuple(topics)


_listeners: list[Callable[[frozenset[str]], None]] = []


def data_changed_listen(listener: Callable[[frozenset[str]], None]) -> None:
    """Call `listener(topics)` after each commit that changed some of the topics."""
    if listener not in _listeners:
        _listeners.append(listener)


def data_changed(*topics: str) -> None:
    """Say that this transaction wrote some data of `topics` (after commit, the listeners
    hear it; outside a transaction, at once)."""
    changed = frozenset(topics)

    def tell() -> None:
        for listener in _listeners:
            listener(changed)

    transaction.on_commit(tell)
