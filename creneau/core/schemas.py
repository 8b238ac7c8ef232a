"""The shapes every API module shares: the base of input schemas, decimals as strings, the
error bodies.

Every schema that reads what a client sends (`*In`, `*Patch`, `*Filters`...) derives from
InputSchema, so that one rule holds on every route, now and in the modules to come: an
unknown field is refused (422, `Champ inconnu.`) rather than silently ignored, a body that
is not a JSON object is refused rather than read as an empty patch, invisible direction
and zero-width characters are removed from texts, and a lone UTF-16 surrogate (which no
database stores) is refused.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema, field_validator, model_validator
from pydantic_core import PydanticCustomError

from creneau.core.text import has_lone_surrogate, strip_invisible

# The largest id a PostgreSQL bigint (and an SQLite integer) holds.
MAX_DB_ID = 2**63 - 1

# An object's id given in a body or as a filter: 1 to the largest id the database holds.
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


def _clean_text(value: Any) -> Any:
    """Strings (in lists and objects too) without invisible characters; a lone surrogate
    is refused at the field that holds it."""
    if isinstance(value, str):
        if has_lone_surrogate(value):
            raise PydanticCustomError("lone_surrogate", "lone UTF-16 surrogate")
        return strip_invisible(value)
    if isinstance(value, list):
        return [_clean_text(item) for item in value]
    if isinstance(value, dict):
        return {key: _clean_text(item) for key, item in value.items()}
    return value


class InputSchema(Schema):
    """The base of every schema that reads a request (body or query string)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: Any) -> Any:
        # Replaces ninja's validator of the same name, which reads any Python object by its
        # attributes (for answers built from models): a JSON list, string or number would
        # then pass as an object whose fields are all left out, an empty patch.
        if not isinstance(values, dict | InputSchema):
            raise PydanticCustomError("model_type", "an object is expected")
        return handler(values)

    @field_validator("*", mode="before")
    @classmethod
    def _clean_texts(cls, value: Any) -> Any:
        return _clean_text(value)


def _decimal_pattern(digits: int, places: int, signed: bool) -> str:
    sign = "-?" if signed else ""
    return rf"^{sign}\d{{1,{digits}}}(\.\d{{1,{places}}})?$"


def decimal_string(
    *,
    digits: int,
    places: int,
    signed: bool = False,
    description: str = "",
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
):
    """A decimal sent as a JSON string ("12.50"), never a JSON number: a number goes
    through binary floating point in most clients (0.1 + 0.2), a string is exact. At most
    `digits` digits before the point and `places` after, so that the database column
    holds it; the OpenAPI document states the pattern, and the bounds in words (JSON
    Schema's minimum and maximum apply to numbers only)."""
    pattern = _decimal_pattern(digits, places, signed)
    compiled = re.compile(pattern)
    example = "-12.5" if signed else "12.5"

    def parse(value: Any) -> Decimal:
        if isinstance(value, Decimal):
            return value
        if not isinstance(value, str) or not compiled.match(value):
            raise PydanticCustomError(
                "decimal_format",
                "decimal as a string",
                {"digits": digits, "places": places, "example": example},
            )
        try:
            number = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise PydanticCustomError("decimal_parsing", "decimal") from None
        if maximum is not None and number > maximum:
            raise PydanticCustomError("less_than_equal", "too large", {"le": str(maximum)})
        if minimum is not None and number < minimum:
            raise PydanticCustomError("greater_than_equal", "too small", {"ge": str(minimum)})
        return number

    schema = {"type": "string", "pattern": pattern}
    bounds = [f"au moins {minimum}" if minimum is not None else "",
              f"au plus {maximum}" if maximum is not None else ""]  # fmt: skip
    if any(bounds):
        description = " ; ".join(filter(None, [description, *filter(None, bounds)]))
    if description:
        schema["description"] = description
    return Annotated[Decimal, BeforeValidator(parse), WithJsonSchema(schema)]


def decimal_out(*, places: int, signed: bool = True, description: str = ""):
    """A decimal in an answer: a string with exactly `places` decimals ("12.50")."""
    sign = "-?" if signed else ""
    decimals = rf"\.\d{{{places}}}" if places else ""
    return Annotated[str, Field(pattern=rf"^{sign}\d+{decimals}$", description=description)]


class Message(Schema):
    detail: str = Field(..., description="Message en français.")


class FieldError(Schema):
    loc: list[str] = Field(
        ...,
        description="La source (`body`, `query` ou `path`) puis le chemin du champ.",
    )
    field: str = Field(
        ..., description="Le champ du corps ou de la requête, pointé s'il est imbriqué."
    )
    msg: str = Field(..., description="Message en français.")
    type: str | None = Field(None, description="Le contrôle de forme qui a échoué, s'il y a lieu.")


class ValidationErrors(Schema):
    detail: list[FieldError]
