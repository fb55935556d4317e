"""Registration, login and the current user: ``/api/users``, ``/api/users/login``, ``/api/user``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from heron import Blueprint, Request, Resource, Unauthorized, arguments, doc, requires, response

from .auth import Accounts, accounts_of, current_user, token_auth
from .database import session_of
from .errors import taken
from .models import User
from .schemas import LoginRequest, NewUserRequest, UpdateUserRequest, UserEnvelope

__all__ = ["CurrentUser", "Login", "Users", "users"]

users = Blueprint("users", url_prefix="/api", tag="User and Authentication")


def user_data(accounts: Accounts, user: User) -> dict[str, Any]:
    """Return ``{"user": ...}`` for ``user``, with a fresh token."""
    return {
        "user": {
            "email": user.email,
            "token": accounts.tokens.issue(user.id),
            "username": user.username,
            "bio": user.bio,
            "image": user.image,
        }
    }


def check_unique(db: Session, values: dict[str, Any], me: User | None = None) -> None:
    """Refuse a username or e-mail address another user has (409).

    Raises:
        Conflict: Naming each field that is taken.
    """
    clashes = []
    for name, column in (("username", User.username), ("email", User.email)):
        if name not in values:
            continue
        owner = db.scalar(select(User.id).where(column == values[name]))
        if owner is not None and (me is None or owner != me.id):
            clashes.append(name)
    if clashes:
        raise taken(*clashes)


@users.route("/users")
class Users(Resource):
    """The users."""

    @requires()
    @arguments(NewUserRequest, description="Details of the new user to register.")
    @response(
        201,
        UserEnvelope,
        description="The new user, signed in.",
        headers={"Location": "The URL of the new user's profile."},
    )
    @response(409, description="The username or e-mail address is taken.")
    def post(
        self, req: Request, body: dict[str, Any]
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Register a new user.

        The e-mail address is kept in lower case; usernames and addresses are
        unique.
        """
        values = body["user"]
        db = session_of(req)
        check_unique(db, values)
        accounts = accounts_of(req)
        user = User(
            username=values["username"],
            email=values["email"],
            password_hash=accounts.passwords.hash(values["password"]),
        )
        db.add(user)
        db.flush()
        location = req.url_for("profiles.Profile", username=user.username)
        return user_data(accounts, user), 201, {"Location": location}


@users.route("/users/login")
class Login(Resource):
    """Signing in."""

    @requires()
    @doc(operation_id="login")
    @arguments(LoginRequest, description="Credentials to use.")
    @response(200, UserEnvelope, description="The user, signed in.")
    @response(401, description="No user has this e-mail address and password.")
    def post(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Sign in with an e-mail address and a password."""
        credentials = body["user"]
        accounts = accounts_of(req)
        user = session_of(req).scalar(select(User).where(User.email == credentials["email"]))
        hashed = user.password_hash if user is not None else None
        if user is None or not accounts.passwords.check(hashed, credentials["password"]):
            raise Unauthorized(
                "No user has this e-mail address and password.",
                fields={"credentials": ["invalid"]},
                headers={"WWW-Authenticate": token_auth.challenge(req.api.title, None, ())},
            )
        return user_data(accounts, user)


@users.route("/user")
class CurrentUser(Resource):
    """The signed-in user."""

    @response(200, UserEnvelope, description="The signed-in user, with a fresh token.")
    def get(self, req: Request) -> dict[str, Any]:
        """Get the current user."""
        return user_data(accounts_of(req), current_user(req))

    @arguments(UpdateUserRequest, description="What to change: at least one field.")
    @response(200, UserEnvelope, description="The user, changed.")
    @response(409, description="The new username or e-mail address is taken.")
    def put(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Update the current user.

        Fields left out keep their values; `bio` and `image` are cleared with
        `null` or an empty string.
        """
        values = body["user"]
        me = current_user(req)
        db = session_of(req)
        check_unique(db, values, me)
        accounts = accounts_of(req)
        if "password" in values:
            me.password_hash = accounts.passwords.hash(values.pop("password"))
        for name, value in values.items():
            setattr(me, name, value)
        db.flush()
        return user_data(accounts, me)
