"""Shared request/response model settings: unknown fields are an error, not ignored.

Request bodies (`Input`) also refuse control characters in text, and take JSON's booleans
and numbers as they are (`JsonBool`, `JsonInt`, `JsonNumber`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AllowInfNan, BaseModel, ConfigDict, Strict, field_validator
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
JsonInt = Annotated[int, Strict()]
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


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

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
