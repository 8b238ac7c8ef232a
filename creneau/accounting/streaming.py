"""Rows of a `values_list` query read in chunks, as fast as the database gives them.

On PostgreSQL, a server-side cursor read with fetchmany: the rows as psycopg returns them
(numeric -> Decimal, date -> date; jsonb comes as text, decoded by the caller), without
Django's per-row machinery, which doubles the cost of reading a million rows. The query
and its fetches run in a thread of their own, a few chunks ahead of the caller (a bounded
queue: memory stays flat): psycopg releases the GIL while PostgreSQL works, so the
database's time overlaps Python's instead of adding to it. Elsewhere (SQLite, whose
decimals and dates need Django's converters), the queryset's own iterator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import suppress
from operator import itemgetter
from queue import Empty, Queue
from threading import Event, Thread
from typing import Any

from django.db import connections
from django.db.models import QuerySet


def query_rows(queryset: QuerySet, chunk_size: int) -> Iterator[tuple]:
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    query = queryset.query
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    # The SELECT's order (its aliases, once compiled), and the one asked.
    names = [alias for _expression, _sql, alias in compiler.select]
    fields = [*queryset._fields, *(f for f in query.annotation_select if f not in queryset._fields)]
    reorder = None
    if fields and fields != names:
        index = {name: position for position, name in enumerate(names)}
        getter = itemgetter(*[index[name] for name in fields])
        reorder = (lambda row: (getter(row),)) if len(fields) == 1 else getter
    # wrap_database_errors: the thread's psycopg errors raised as Django's.
    with connection.chunked_cursor() as cursor, connection.wrap_database_errors:
        for rows in _prefetched(cursor.cursor, sql, params, chunk_size):
            if reorder is None:
                yield from rows
            else:
                yield from map(reorder, rows)


AHEAD = 1  # chunks waiting for the caller (one more is being fetched)


def _prefetched(cursor, sql: str, params, chunk_size: int) -> Iterator[list]:
    """The chunks of `sql` on the psycopg `cursor`, executed and fetched by a thread."""
    chunks: Queue = Queue(maxsize=AHEAD)
    stop = Event()
    thread = Thread(
        target=_fetch, args=(cursor, sql, params, chunk_size, chunks.put, stop), daemon=True
    )
    thread.start()
    try:
        while True:
            rows = chunks.get()
            if isinstance(rows, BaseException):
                raise rows
            if not rows:
                return
            yield rows
    finally:
        stop.set()  # left early (or failed): let the thread end before the cursor closes
        while thread.is_alive():
            with suppress(Empty):
                chunks.get(timeout=0.05)
        thread.join()


def _fetch(cursor, sql: str, params, chunk_size: int, put: Callable, stop: Event) -> None:
    try:
        cursor.execute(sql, params)
        while not stop.is_set():
            rows = cursor.fetchmany(chunk_size)
            put(rows)
            if not rows:
                return
    except BaseException as error:  # raised again in the caller's thread
        put(error)


def json_value(value: Any) -> Any:
    """A JSON column's value, decoded if the cursor gave its text."""
    return json.loads(value) if isinstance(value, str) else value
