"""Shared request/response model settings: unknown fields are an error, not ignored.

Request bodies (`Input`) also refuse control characters in text, and take JSON's booleans
and numbers as they are (`JsonBool`, `JsonInt`, `JsonNumber`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

T = TypeVar("T")
# Beyond this a page is surely a mistake; unbounded, its offset overflowed the
# database's 64-bit integers (a 500).
MAX_PAGE = 1_000_000


# FastAPI validates a body after parsing its JSON, in pydantic's Python mode, where lax
# validation takes "yes", "on" or 1 for true and "5" for 5.0. These types take only JSON's
# own booleans and numbers (a JSON integer is a number). The strictness is on the types,
# not on `Input` as a whole: strict Python mode would also refuse the strings that UUIDs
# and choices (enums) arrive as. A test keeps every request model to these types.
JsonBool = Annotated[bool, Strict()]


def _whole_number(value: object) -> object:
    # JSON Schema's "integer" is a number with no fraction: 248.0 is one, as the document
    # promises, and is taken as 248. (1.5 and true are still refused by the strict int.)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_whole_number), Strict()]
# NaN and Infinity too: Python's JSON parser reads them, and no count or amount is either.
JsonNumber = Annotated[float, Strict(), AllowInfNan(False)]

# Unicode's control characters (category Cc: C0, DEL and C1) but tab, newline and carriage
# return, which free text needs for its layout. NUL is the reason to refuse: PostgreSQL
# cannot store it in text (a 500). The others have no place in a name or a text either:
# they are invisible, and escape sequences (ESC, the C1 CSI) would repaint the terminal of
# an operator reading logs or listings. Format characters (category Cf: zero-width
# joiners in emoji, bidirectional marks) are text and stay allowed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control_character(value: object) -> str | None:
    """Where the first control character in `value` is (in a string, or in the strings of
    its lists, dicts and models), said for the error; None if there is none."""
    if isinstance(value, str):
        found = _CONTROL.search(value)
        return None if found is None else f"U+{ord(found.group()):04X} at character {found.start()}"
    if isinstance(value, Input):
        return None  # a nested request model checked its own fields, and named them
    items: list[tuple[str, object]] = []
    if isinstance(value, BaseModel):
        items = [(f".{name}", item) for name, item in value]
    elif isinstance(value, dict):
        items = [(f"[{key!r}]", key) for key in value]
        items += [(f"[{key!r}]", item) for key, item in value.items()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = [(f"[{index}]", item) for index, item in enumerate(value)]
    for where, item in items:
        found_in = _control_character(item)
        if found_in is not None:
            return f"{where}: {found_in}"
    return None


# The same set as a JSON Schema character class, for the OpenAPI document.
CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"


def text_pattern(min_length: int = 0, stripped: bool = True) -> str:
    """The pattern of a text field as `Input` takes it: no control characters (but tab,
    newline and carriage return), and, when spaces around it are stripped, at least
    `min_length` characters once they are (its first and last non-space characters that
    far apart). `minLength` alone would promise that "  " is a name."""
    text, visible = f"[^{CONTROL_CLASS}]", rf"[^{CONTROL_CLASS}\s]"
    if not stripped or min_length == 0:
        return f"^{text}*$"
    if min_length == 1:
        return f"^{text}*{visible}{text}*$"
    return f"^{text}*{visible}{text}{{{min_length - 2},}}{visible}{text}*$"


def document_text(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Give each free-text field of a request model its `text_pattern`, so the OpenAPI
    document refuses what the validators below refuse."""
    for name, field in model.model_fields.items():
        kept = any(
            isinstance(item, StringConstraints) and item.strip_whitespace is False
            for item in field.metadata
        )
        property_schema = schema.get("properties", {}).get(field.alias or name)
        if property_schema is None:
            continue
        for option in property_schema.get("anyOf", [property_schema]):
            free = not ({"enum", "const", "format", "pattern"} & option.keys())
            if option.get("type") == "string" and free:
                option["pattern"] = text_pattern(option.get("minLength", 0), not kept)
            # Bounds on a type with a before-validator (JsonInt) come out under pydantic's
            # own names ("ge"), which JSON Schema does not know: a client saw no bounds.
            for ours, theirs in _BOUNDS.items():
                if ours in option:
                    option[theirs] = option.pop(ours)


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


class Input(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=document_text
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        where = _control_character(value)
        if where is not None:
            raise PydanticCustomError(
                "control_character",
                "must not contain control characters (found {where}); tab, newline and "
                "carriage return are the only ones allowed",
                {"where": where},
            )
        return value


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Output, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
