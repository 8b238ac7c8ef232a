"""The dashboard's cache: each series is cached under the versions of the data it reads.

A series of invoices is keyed by the invoices' version, a series of payments by the
payments', the amounts due by both, the hours by the visits'. A write bumps its topic's
counter (a row of DataVersion) once its transaction commits, before the request that wrote
answers: the next read computes that series again, the others stay cached. The entries
also expire after CACHE_SECONDS (the date moves on; a write that slipped past the hooks is
seen within that time). Versions live in the database, so every process agrees on them;
the values live in Django's cache, by default a table of the database (settings.CACHES):
what one process or the night's task worker (dashboard.tasks) computed, every other reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from threading import local
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone

from creneau.core.versions import (
    INVOICES,
    PAYMENTS,
    TOPICS,
    VISITS,
    VISITS_PAST,
    data_changed,
    data_changed_listen,
    payment_topics,
)
from creneau.dashboard.models import DataVersion

CACHE_SECONDS = 300
# The history's entries (before today, before the previous month, what was due a year ago)
# are as exact as the others by their versions, and costly to recompute: kept for the day
# (their keys hold the date), which the night's task computes (dashboard.tasks).
HISTORY_SECONDS = 26 * 3600
KEY_PREFIX = "dashboard:v1"
T = TypeVar("T")
# The entries computed inside a snapshot, written to the cache once it ends: the snapshot
# is a read-only transaction, and the cache may be a table of that same database.
_snapshot = local()


def versions_bump(topics: Iterable[str]) -> None:
    """Add one to the counters of `topics` (a short statement of its own, after commit)."""
    topics = sorted(set(topics))
    with transaction.atomic():
        updated = DataVersion.objects.filter(topic__in=topics).update(version=F("version") + 1)
        if updated < len(topics):
            for topic in topics:
                try:
                    with transaction.atomic():
                        DataVersion.objects.get_or_create(topic=topic, defaults={"version": 1})
                except IntegrityError:  # created beside us: bumped anyway
                    pass


@contextmanager
def snapshot() -> Iterator[None]:
    """The dashboard's reads in one snapshot of the database: the past amount due is the
    sum of several statements (figures.due_at), and a payment committing between two of
    them would leave a wrong sum cached under versions the payment does not bump (a payment
    of today does not bump payments_past). On PostgreSQL a read-only REPEATABLE READ
    transaction: every statement sees the data as of the first. On SQLite a transaction
    (IMMEDIATE: writers wait the read's length, as they wait for each other). Inside a
    transaction already (a test, a caller's atomic block), it reads in that one."""
    if getattr(_snapshot, "pending", None) is not None:  # within one already
        yield
        return
    _snapshot.pending = pending = []
    try:
        if connection.in_atomic_block:
            yield
        else:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield
    finally:
        _snapshot.pending = None
    for key, value, seconds in pending:
        cache.set(key, value, seconds)


def _cache_get(key: str) -> Any:
    """The cached value, or None. In a read-only snapshot, the database cache's read of an
    expired entry fails (it deletes it): a miss, rolled back to its savepoint."""
    if connection.vendor != "postgresql" or getattr(_snapshot, "pending", None) is None:
        return cache.get(key)
    try:
        with transaction.atomic():
            return cache.get(key)
    except DatabaseError:
        return None


def versions_read() -> dict[str, int]:
    """The counters of every topic (one query)."""
    found = dict(DataVersion.objects.values_list("topic", "version"))
    return {topic: found.get(topic, 0) for topic in TOPICS}


def cached(
    name: str,
    versions: dict[str, int],
    topics: Iterable[str],
    args: tuple,
    compute: Callable[[], T],
) -> T:
    """`compute()` cached under its name, its arguments and the versions of its topics."""
    parts = [KEY_PREFIX, connection.settings_dict.get("NAME") or "", name]
    parts += [f"{topic}{versions[topic]}" for topic in sorted(topics)]
    parts += [str(arg) for arg in args]
    history = not topics or all(topic.endswith(("_past", "_old")) for topic in topics)
    # Hashed: any cache backend takes it (memcached refuses keys over 250 characters).
    key = f"{KEY_PREFIX}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"
    value: Any = _cache_get(key)
    if value is None:
        value = compute()
        seconds = HISTORY_SECONDS if history else CACHE_SECONDS
        pending = getattr(_snapshot, "pending", None)
        if pending is None:
            cache.set(key, value, seconds)
        else:
            pending.append((key, value, seconds))
    return value


_MODEL_TOPICS = {
    ("billing", "Invoice"): (INVOICES,),
    ("payments", "Payment"): (PAYMENTS,),
    # An allocation changes what is due (the amounts due are keyed by both topics), not
    # what was billed.
    ("payments", "PaymentAllocation"): (PAYMENTS,),
    ("planning", "Intervention"): (VISITS,),
}


def visits_boundary(today: date) -> date:
    """The first day of the previous month: the visits before it are the history, which
    few writes touch (the dashboard caches their figures under visits_past)."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _visit_loaded(sender: Any, instance: Any, **_kwargs: Any) -> None:
    # Where the visit was when read: a move out of the history changes the history too.
    instance._dashboard_start = instance.__dict__.get("start")


def _in_history(moment: Any) -> bool:
    if moment is None:
        return True  # not known (a deferred field): counted as history, to be exact
    return timezone.localtime(moment).date() < visits_boundary(timezone.localdate())


def _payment_date(instance: Any) -> date | None:
    """The date of a payment, or of an allocation's payment (None: not known)."""
    if instance is None:
        return None
    payment = instance
    if not hasattr(instance, "date"):  # an allocation: its payment, as loaded if it was
        payment = instance._state.fields_cache.get("payment")
        if payment is None:
            model = type(instance)._meta.get_field("payment").related_model
            payment = model.objects.filter(pk=instance.payment_id).only("date").first()
        if payment is None:
            return None
    return payment.date


def _on_write(sender: Any, instance: Any = None, **_kwargs: Any) -> None:
    topics = _MODEL_TOPICS[(sender._meta.app_label, sender.__name__)]
    if sender.__name__ in ("Payment", "PaymentAllocation"):
        # Dated before today: the history too; a year ago or before: the oldest too.
        topics = payment_topics(_payment_date(instance))
    if sender.__name__ == "Intervention" and (
        instance is None
        or _in_history(instance.start)
        or (instance.pk and _in_history(getattr(instance, "_dashboard_start", None)))
    ):
        topics = (*topics, VISITS_PAST)
    data_changed(*topics)


def versions_listen() -> None:
    """Connect the saves and deletes of the models read, and bump on data_changed."""
    from django.apps import apps

    data_changed_listen(versions_bump)
    for (app_label, model_name), _topics in _MODEL_TOPICS.items():
        model = apps.get_model(app_label, model_name)
        uid = f"creneau_dashboard_{app_label}_{model_name}"
        post_save.connect(_on_write, sender=model, dispatch_uid=f"{uid}_save")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"{uid}_delete")
    post_init.connect(
        _visit_loaded,
        sender=apps.get_model("planning", "Intervention"),
        dispatch_uid="creneau_dashboard_visit_loaded",
    )
