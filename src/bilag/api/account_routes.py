"""The caller's own account: their password and their API tokens (what `bilag user password|token|tokens|
revoke-token` does for an administrator at the console)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ..services.users import (
    Forbidden,
    authenticate,
    create_token,
    digest,
    list_tokens,
    revoke_token,
    set_password,
    token_id,
)
from .routes import engine_of
from .security import Caller, api_caller

router = APIRouter(prefix="/api/me", tags=["users"])


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200, description="At least 8 characters.")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field("", max_length=60)
    days: int | None = Field(None, ge=1, le=3650, description="Expires after this many days; none: until revoked.")


@router.post("/password", status_code=204, summary="Change the caller's password (the current one is asked "
                                                     "again); every web session of the caller ends")
def change_password(body: PasswordIn, request: Request, caller: Caller = Depends(api_caller)) -> Response:
    engine = engine_of(request)
    if authenticate(engine, caller.user.name, body.current_password) is None:
        raise Forbidden("the current password is not right; the password was not changed", code="bad_password")
    set_password(engine, caller.user.name, body.new_password, actor=caller.user.name)
    return Response(status_code=204)


@router.get("/tokens", summary="The caller's API tokens: id, label and expiry (a token itself is shown only "
                               "when it is made)")
def tokens(request: Request, caller: Caller = Depends(api_caller)) -> dict[str, Any]:
    return {"items": list_tokens(engine_of(request), caller.user.name)}


@router.post("/tokens", status_code=201, summary="A new API token for the caller, shown this once")
def new_token(body: TokenIn, request: Request, caller: Caller = Depends(api_caller)) -> dict[str, Any]:
    engine = engine_of(request)
    token = create_token(engine, caller.user.name, body.label, body.days, actor=caller.user.name)
    made = list_tokens(engine, caller.user.name)
    record = next(t for t in made if t["token"] == token_id(digest(token)))
    return {**record, "secret": token}


@router.delete("/tokens/{token}", summary="Revoke the caller's API tokens named by id (or its first 8 "
                                          "characters) or by label")
def delete_token(token: str, request: Request, caller: Caller = Depends(api_caller)) -> dict[str, Any]:
    return {"revoked": revoke_token(engine_of(request), caller.user.name, token, actor=caller.user.name)}
