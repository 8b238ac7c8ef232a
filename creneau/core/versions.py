"""Versions of the data that cached reports read: invoices, payments, visits.

A write that changes one of them calls data_changed(topic); once its transaction commits,
the listeners registered here learn it (the dashboard bumps its counter of that topic, so
that every figure read from that data is recomputed, and only those). Core sits below the
apps that write and the app that reads: it takes the listener as a callable, and knows
neither. A rolled-back transaction changes nothing, and bumps nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

# invoices: the issued documents (totals, dates); payments: payments, their allocations and
# so the invoices' amounts due; payments_past: payments dated before today (a back-dated
# one, a bulk insert), besides payments; visits: the planning's interventions;
# visits_past: visits before the previous month (dashboard.cache.visits_boundary), besides
# visits.
INVOICES, PAYMENTS, PAYMENTS_PAST = "invoices", "payments", "payments_past"
VISITS, VISITS_PAST = "visits", "visits_past"
TOPICS = (INVOICES, PAYMENTS, PAYMENTS_PAST, VISITS, VISITS_PAST)

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
