from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import EmailStr, Field

from autoclip.service.schemas import Input, Output


class Register(Input):
    email: EmailStr
    password: str = Field(min_length=8, max_length=256)
    name: str = Field(min_length=1, max_length=200)


class Login(Input):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)


class Refresh(Input):
    refresh_token: str = Field(min_length=10, max_length=200)


class Tokens(Output):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class UserOut(Output):
    id: uuid.UUID
    email: str
    name: str
    plan_id: str
    credit_balance: int
    created_at: datetime


class NewApiKey(Input):
    name: str = Field(min_length=1, max_length=100)


class ApiKeyOut(Output):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself. Shown this once; only its hash is kept.")
