"""Users and API tokens. Tokens are shown once and stored as a hash."""

from __future__ import annotations

from fastapi import APIRouter

from grader.api.deps import CurrentUser, SessionDep
from grader.api.schemas import TokenCreate, TokenPublic, UserCreate, UserPublic
from grader.api.views import user_public
from grader.db import repo
from grader.db.models import User
from grader.errors import Conflict, NotFound, PermissionDenied

router = APIRouter(tags=["users"])


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return user_public(user)


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, user: CurrentUser, session: SessionDep) -> UserPublic:
    if not user.is_admin:
        raise PermissionDenied("only administrators create users directly; instructors enrol "
                               "students in their course")
    if repo.find_user_by_email(session=session, email=body.email):
        raise Conflict(f"a user with email {body.email} exists")
    created = repo.create_user(session=session, email=body.email, name=body.name,
                               is_admin=body.is_admin)
    session.commit()
    return user_public(created)


@router.post("/tokens", response_model=TokenPublic, status_code=201)
def create_own_token(body: TokenCreate, user: CurrentUser, session: SessionDep) -> TokenPublic:
    secret = repo.issue_token(session=session, user=user, label=body.label)
    session.commit()
    return TokenPublic(token=secret, user=user_public(user))


@router.post("/users/{user_id}/tokens", response_model=TokenPublic, status_code=201)
def create_token_for(user_id: int, body: TokenCreate, user: CurrentUser,
                     session: SessionDep) -> TokenPublic:
    if not user.is_admin and user.id != user_id:
        raise NotFound(f"no user {user_id}")
    target = session.get(User, user_id)
    if target is None:
        raise NotFound(f"no user {user_id}")
    secret = repo.issue_token(session=session, user=target, label=body.label)
    session.commit()
    return TokenPublic(token=secret, user=user_public(target))
