"""What the portal's pages share: the object of a URL, found in the user's scope only."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404

from creneau.core.params import MAX_ID

PAGE_SIZE = 20


def scoped_or_404(queryset: QuerySet, pk: int) -> Model:
    """The row `pk` of a scope queryset (portal/selectors.py), or 404: another customer's
    id, another site's, or an id beyond what a database can hold (SQLite overflows) all
    answer the same."""
    if not 1 <= pk <= MAX_ID:
        raise Http404
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row
