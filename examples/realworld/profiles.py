"""Profiles and follows: ``/api/profiles/{username}`` and its ``/follow``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from heron import Blueprint, Request, Resource, doc, requires, response

from .auth import caller, current_user, token_auth
from .database import insert_ignore, session_of
from .errors import not_found
from .models import User, follows
from .schemas import ProfileEnvelope
from .views import profile_view

__all__ = ["Follow", "Profile", "profiles"]

profiles = Blueprint("profiles", url_prefix="/api", tag="Profile")


def find_user(db: Session, username: str) -> User:
    """Return the user named ``username``.

    Raises:
        NotFound: If there is none (``{"profile": ["not found"]}``).
    """
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise not_found("profile", f"No user is named {username!r}.")
    return user


@profiles.route("/profiles/<name:username>")
class Profile(Resource):
    """A user's public profile."""

    @requires(token_auth)
    @requires()
    @doc(operation_id="getProfileByUsername")
    @response(200, ProfileEnvelope, description="The profile.")
    def get(self, req: Request, username: str) -> dict[str, Any]:
        """Get a profile.

        Signed in, `following` says whether you follow them.
        """
        db = session_of(req)
        return {"profile": profile_view(db, caller(req), find_user(db, username))}


@profiles.route("/profiles/<name:username>/follow")
class Follow(Resource):
    """Following a user."""

    @doc(operation_id="followUserByUsername")
    @response(200, ProfileEnvelope, description="The profile, followed.")
    def post(self, req: Request, username: str) -> dict[str, Any]:
        """Follow a user.

        Following someone you already follow changes nothing.
        """
        db = session_of(req)
        me, user = current_user(req), find_user(db, username)
        insert_ignore(db, follows, follower_id=me.id, followed_id=user.id)
        return {"profile": profile_view(db, me, user)}

    @doc(operation_id="unfollowUserByUsername")
    @response(200, ProfileEnvelope, description="The profile, no longer followed.")
    def delete(self, req: Request, username: str) -> dict[str, Any]:
        """Unfollow a user.

        Unfollowing someone you do not follow changes nothing.
        """
        db = session_of(req)
        me, user = current_user(req), find_user(db, username)
        db.execute(
            delete(follows).where(follows.c.follower_id == me.id, follows.c.followed_id == user.id)
        )
        return {"profile": profile_view(db, me, user)}
