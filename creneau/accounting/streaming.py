"""Rows of a `values_list` query read in chunks, as fast as the database gives them.

On PostgreSQL, a server-side cursor read with fetchmany: the rows as psycopg returns them
(numeric -> Decimal, date -> date; jsonb comes as text, decoded by the caller), without
Django's per-row machinery, which doubles the cost of reading a million rows. Elsewhere
(SQLite, whose decimals and dates need Django's converters), the queryset's own iterator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from operator import itemgetter
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
    # The SELECT's order (as Django's ValuesListIterable reads it), and the one asked.
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    fields = [*queryset._fields, *(f for f in query.annotation_select if f not in queryset._fields)]
    reorder = None
    if fields and fields != names:
        index = {name: position for position, name in enumerate(names)}
        getter = itemgetter(*[index[name] for name in fields])
        reorder = (lambda row: (getter(row),)) if len(fields) == 1 else getter
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            if reorder is None:
                yield from rows
            else:
                yield from map(reorder, rows)


def json_value(value: Any) -> Any:
    """A JSON column's value, decoded if the cursor gave its text."""
    return json.loads(value) if isinstance(value, str) else value
