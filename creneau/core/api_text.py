"""The texts the API's input schemas take, bounded: a longer one answers 422 at its field,
and the OpenAPI document states the bound (maxLength).

A text that fills a model field takes that field's max_length (text_of), so the API and
the pages refuse the same texts and cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db import models
from ninja import Field

# An identifier people type with spaces or dots (phone, IBAN, SIRET, VAT number): the
# service stores it compact, and only then does the column's own length apply.
TYPED_IDENTIFIER_MAX_LENGTH = 60
# A word from a fixed list given as a filter: a status, a unit, a sort key.
KEYWORD_MAX_LENGTH = 30


def text_up_to(max_length: int) -> Any:
    """A str type of at most max_length characters."""
    return Annotated[str, Field(max_length=max_length)]


def text_of(model: type[models.Model], field: str) -> Any:
    """A str type bounded like the model's field."""
    return text_up_to(model._meta.get_field(field).max_length)
