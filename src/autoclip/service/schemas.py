"""Shared request/response model settings: unknown fields are an error, not ignored."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")
# Beyond this a page is surely a mistake; unbounded, its offset overflowed the
# database's 64-bit integers (a 500).
MAX_PAGE = 1_000_000


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Output, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
