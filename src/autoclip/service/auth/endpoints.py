from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy import select

from autoclip.service.auth import service
from autoclip.service.auth.schemas import (
    ApiKeyCreated,
    ApiKeyOut,
    Login,
    NewApiKey,
    Refresh,
    Register,
    Tokens,
    UserOut,
)
from autoclip.service.deps import AnonymousLimit, CurrentUser, RuntimeDep, SessionDep
from autoclip.service.models import ApiKey

router = APIRouter(tags=["auth"])


@router.post("/auth/register", status_code=201, dependencies=[AnonymousLimit])
def register(data: Register, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.register(session, data))


@router.post("/auth/login", dependencies=[AnonymousLimit])
def login(data: Login, session: SessionDep, runtime: RuntimeDep) -> Tokens:
    return service.login(session, runtime.signer, runtime.settings.auth, data.email, data.password)


@router.post("/auth/refresh", dependencies=[AnonymousLimit])
def refresh(data: Refresh, session: SessionDep, runtime: RuntimeDep) -> Tokens:
    return service.rotate(session, runtime.signer, runtime.settings.auth, data.refresh_token)


@router.post("/auth/logout", status_code=204)
def logout(data: Refresh, user: CurrentUser, session: SessionDep) -> Response:
    service.logout(session, user, data.refresh_token)
    return Response(status_code=204)


@router.get("/users/me")
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.post("/api-keys", status_code=201, tags=["api keys"])
def create_api_key(data: NewApiKey, user: CurrentUser, session: SessionDep) -> ApiKeyCreated:
    key, secret = service.create_api_key(session, user, data.name)
    return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), key=secret)


@router.get("/api-keys", tags=["api keys"])
def list_api_keys(user: CurrentUser, session: SessionDep) -> list[ApiKeyOut]:
    keys = session.scalars(
        select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at.desc())
    )
    return [ApiKeyOut.model_validate(k) for k in keys]


@router.delete("/api-keys/{key_id}", status_code=204, tags=["api keys"])
def revoke_api_key(key_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    service.revoke_api_key(session, user, key_id)
    return Response(status_code=204)
