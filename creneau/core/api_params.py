"""Bounds shared by the API's query parameters, so that a huge number answers 422 (French,
through core/api.py) instead of overflowing the database's 64-bit integers (a 500)."""

from __future__ import annotations

from ninja import Field
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination

from creneau.core.schemas import MAX_DB_ID, DbId, InputSchema

__all__ = ["MAX_DB_ID", "MAX_PAGE_SIZE", "BoundedLimitOffsetPagination", "DbId", "PageParams"]

# The largest page a list answers: `limit` above it is refused (422), as documented.
MAX_PAGE_SIZE = 500


class PageParams(InputSchema):
    """`limit` and `offset` of every list, bounded in the OpenAPI document as in fact."""

    limit: int = Field(
        ninja_settings.PAGINATION_PER_PAGE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Nombre d'éléments de la page ({MAX_PAGE_SIZE} au plus).",
    )
    offset: int = Field(
        0,
        ge=0,
        le=ninja_settings.PAGINATION_MAX_OFFSET,
        description="Nombre d'éléments sautés depuis le début de la liste.",
    )


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """ninja's limit/offset pagination with `limit` at most MAX_PAGE_SIZE and `offset` at
    most NINJA_PAGINATION_MAX_OFFSET (ninja bounds neither), both declared."""

    Input = PageParams

    def __init__(self, **kwargs):
        kwargs.setdefault("max_limit", MAX_PAGE_SIZE)
        super().__init__(**kwargs)
