from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints, WithJsonSchema, field_validator

from autoclip.service.auth.credentials import ApiScope
from autoclip.service.schemas import Input, JsonBool, JsonInt, Output

# Exactly as typed: trimming spaces would make " secret " and "secret" one password.
Password = Annotated[str, StringConstraints(strip_whitespace=False)]
# An address that can receive mail, as email-validator takes it: besides the syntax, no
# special-use domain (RFC 6761: .test, .local, ...) and no address literal ([1.2.3.4]).
_NOT_MAIL = r"@\[|\.([Aa][Rr][Pp][Aa]|[Ii][Nn][Vv][Aa][Ll][Ii][Dd]|[Ll][Oo][Cc][Aa][Ll]" + (
    r"|[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt]|[Oo][Nn][Ii][Oo][Nn]|[Tt][Ee][Ss][Tt])\.?$"
)
Email = Annotated[
    EmailStr,
    WithJsonSchema({"type": "string", "format": "email", "not": {"pattern": _NOT_MAIL}}),
]


class Register(Input):
    email: Email
    password: Password = Field(
        min_length=8,
        max_length=256,
        description="At least 8 characters, and not easy to guess: common passwords, "
        "keyboard runs and words from the email or name are refused.",
    )
    name: str = Field(min_length=1, max_length=200)


class Registered(Output):
    email: str
    detail: str = Field(
        description="The same answer whether or not the email already had an account."
    )


class VerifyEmail(Input):
    token: str = Field(
        min_length=20,
        max_length=2000,
        description="The token from the verification mail (its link's `token`).",
    )


class Verified(Output):
    email: str
    email_verified_at: datetime
    credit_balance: int = Field(description="The plan's free credits, granted now.")
    detail: str


class ResendVerification(Input):
    email: Email


class ResendAccepted(Output):
    detail: str = Field(
        description="The same answer whether or not the email has an account waiting."
    )


class Login(Input):
    email: Email
    password: Password = Field(min_length=1, max_length=256)


class PasswordChange(Input):
    current_password: Password = Field(min_length=1, max_length=256)
    new_password: Password = Field(
        min_length=8,
        max_length=256,
        description="The sign-up's rules: at least 8 characters, and not easy to guess.",
    )


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
    email_verified_at: datetime | None
    created_at: datetime


class NewApiKey(Input):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[ApiScope] = Field(
        default=[ApiScope.READ, ApiScope.WRITE],
        min_length=1,
        max_length=2,
        description="read: GET and HEAD only; write: changes too. No key manages keys.",
    )
    expires_in_days: JsonInt | None = Field(
        default=90, ge=1, le=365, description="Days until the key stops working; null: never."
    )
    password: Password | None = Field(
        default=None,
        max_length=256,
        description="Needed unless you signed in within the last few minutes.",
    )


class ApiKeyOut(Output):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[ApiScope]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @field_validator("scopes", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself. Shown this once; only its hash is kept.")


class LogoutEverywhere(Input):
    api_keys: JsonBool = Field(default=False, description="Revoke every API key as well.")


class LoggedOut(Output):
    sessions_ended: int
