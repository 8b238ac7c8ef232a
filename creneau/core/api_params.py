"""Bounds shared by the API's query parameters, so that a huge number answers 422 (French,
through core/api.py) instead of overflowing the database's 64-bit integers (a 500)."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination

# The largest id a PostgreSQL bigint (and an SQLite integer) holds.
MAX_DB_ID = 2**63 - 1

# An object's id given as a filter: 1 to the largest id the database can hold.
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """ninja's limit/offset pagination with `offset` capped at NINJA_PAGINATION_MAX_OFFSET
    (ninja applies that setting to cursor pagination only)."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1)
        offset: int = Field(0, ge=0, le=ninja_settings.PAGINATION_MAX_OFFSET)
