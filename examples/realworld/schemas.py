"""Marshmallow schemas: what each operation takes and returns, validated and documented.

Requests come in envelopes (``{"user": {...}}``) as RealWorld writes them.
Strings are :class:`Text`: trimmed, never blank unless allowed (``"can't be
blank"``), never holding a NUL or an unpaired surrogate (which no database
stores), with the lengths the spec documents. Unknown fields are ignored
(RealWorld clients send whole objects back), wrong types are a 422.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from .errors import BLANK

__all__ = [
    "ArticleEnvelope",
    "ArticleQuerySchema",
    "ArticleSchema",
    "CommentEnvelope",
    "CommentListSchema",
    "CommentSchema",
    "LoginRequest",
    "MultipleArticlesSchema",
    "NewArticleRequest",
    "NewCommentRequest",
    "NewUserRequest",
    "PageQuerySchema",
    "ProfileEnvelope",
    "ProfileSchema",
    "TagListSchema",
    "Text",
    "Timestamp",
    "UpdateArticleRequest",
    "UpdateUserRequest",
    "UserEnvelope",
]

#: Largest ``offset``: positions past it cannot hold an article.
MAX_OFFSET = 2**31 - 1
#: Largest page: ``limit`` above it is a 422 (RealWorld's default is 20).
MAX_LIMIT = 100


class _Length(validate.Length):
    """``Length`` that lets None through (a blank nullable value read as None)."""

    def __call__(self, value: Any) -> Any:
        return value if value is None else super().__call__(value)


class Text(fields.String):
    """A string that is stored: trimmed, checked for blanks, lengths and storable characters.

    Args:
        max_length: Most characters accepted (after trimming); None for no limit.
        blank: Whether an empty string is accepted; with ``allow_none``, it
            is read as None (an empty ``image`` means no image).
        strip: Trim surrounding white space (not for passwords).
        lower: Read in lower case (e-mail addresses).
        **kwargs: As for :class:`marshmallow.fields.String`.
    """

    default_error_messages = {
        "required": BLANK,
        "null": BLANK,
        "blank": BLANK,
        "unstorable": "must not contain NUL characters or unpaired surrogates",
    }

    def __init__(
        self,
        *,
        max_length: int | None = None,
        blank: bool = False,
        strip: bool = True,
        lower: bool = False,
        **kwargs: Any,
    ) -> None:
        extra = kwargs.pop("validate", None)
        validators: list[Callable[[Any], Any]] = []
        if not blank:  # checked first, in _deserialize; here for the spec's minLength
            validators.append(_Length(min=1, error=BLANK))
        if max_length is not None:
            validators.append(
                _Length(max=max_length, error="is too long (maximum is {max} characters)")
            )
        if extra is not None:
            validators.append(extra)
        super().__init__(validate=validators, **kwargs)
        self.blank = blank
        self.strip = strip
        self.lower = lower

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("unstorable")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("unstorable") from None
        if self.strip:
            text = text.strip()
        if self.lower:
            text = text.lower()
        if not text and not self.blank:
            raise self.make_error("blank")  # alone: no other message about nothing
        if not text and self.allow_none:
            return None
        return text


class Timestamp(fields.DateTime):
    """An instant in UTC, as RealWorld shows it: ``2016-02-18T03:22:56.637Z``.

    Naive values (SQLite keeps no offset) are taken as UTC.
    """

    def _serialize(
        self, value: dt.datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        utc = value.astimezone(dt.timezone.utc)
        return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _envelope(schema: type[ma.Schema]) -> fields.Nested:
    return fields.Nested(schema, required=True, error_messages={"required": BLANK, "null": BLANK})


class _Lenient(ma.Schema):
    """Request content: unknown fields are ignored, not refused."""

    class Meta:
        unknown = ma.EXCLUDE


#: Usernames appear in URLs (``/profiles/{username}``): no ``/``, no control characters.
_USERNAME = validate.Regexp(
    r"^[^/\x00-\x1f\x7f]+$", error="must not contain '/' or control characters"
)
_EMAIL = validate.Email(error="is invalid")


# -- users and profiles ---------------------------------------------------------


class LoginUserSchema(_Lenient):
    """Credentials."""

    email = Text(required=True, max_length=254, lower=True)
    password = Text(required=True, strip=False, max_length=1000, metadata={"format": "password"})


class NewUserSchema(_Lenient):
    """A user to register."""

    username = Text(required=True, max_length=64, validate=_USERNAME)
    email = Text(required=True, max_length=254, lower=True, validate=_EMAIL)
    password = Text(required=True, strip=False, max_length=1000, metadata={"format": "password"})


class UpdateUserSchema(_Lenient):
    """Changes to the current user: at least one field; ``bio`` and ``image`` may be null."""

    email = Text(max_length=254, lower=True, validate=_EMAIL)
    password = Text(strip=False, max_length=1000, metadata={"format": "password"})
    username = Text(max_length=64, validate=_USERNAME)
    bio = Text(blank=True, allow_none=True, max_length=10_000)
    image = Text(blank=True, allow_none=True, max_length=2048)

    @ma.validates_schema
    def _not_empty(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError("at least one field is required")


class LoginRequest(_Lenient):
    """``{"user": LoginUser}``."""

    user = _envelope(LoginUserSchema)


class NewUserRequest(_Lenient):
    """``{"user": NewUser}``."""

    user = _envelope(NewUserSchema)


class UpdateUserRequest(_Lenient):
    """``{"user": UpdateUser}``."""

    user = _envelope(UpdateUserSchema)


class UserSchema(ma.Schema):
    """The current user, with a fresh token."""

    email = fields.String(required=True)
    token = fields.String(required=True)
    username = fields.String(required=True)
    bio = fields.String(required=True, allow_none=True)
    image = fields.String(required=True, allow_none=True)


class UserEnvelope(ma.Schema):
    """``{"user": User}``."""

    user = fields.Nested(UserSchema, required=True)


class ProfileSchema(ma.Schema):
    """A user as others see them."""

    username = fields.String(required=True)
    bio = fields.String(required=True, allow_none=True)
    image = fields.String(required=True, allow_none=True)
    following = fields.Boolean(
        required=True, metadata={"description": "Whether the caller follows them."}
    )


class ProfileEnvelope(ma.Schema):
    """``{"profile": Profile}``."""

    profile = fields.Nested(ProfileSchema, required=True)


# -- articles -----------------------------------------------------------------------


def _tag_list(**kwargs: Any) -> fields.List[Any]:
    return fields.List(
        Text(max_length=64),
        validate=validate.Length(max=100, error="has too many tags (maximum is {max})"),
        data_key="tagList",
        metadata={"description": "Tags; duplicates are dropped, the order is alphabetical."},
        **kwargs,
    )


class NewArticleSchema(_Lenient):
    """An article to publish."""

    title = Text(required=True, max_length=255)
    description = Text(required=True, max_length=1000)
    body = Text(required=True)
    tag_list = _tag_list(load_default=list)


class UpdateArticleSchema(_Lenient):
    """Changes to an article: a new title gives it a new slug."""

    title = Text(max_length=255)
    description = Text(max_length=1000)
    body = Text()
    tag_list = _tag_list()


class NewArticleRequest(_Lenient):
    """``{"article": NewArticle}``."""

    article = _envelope(NewArticleSchema)


class UpdateArticleRequest(_Lenient):
    """``{"article": UpdateArticle}``."""

    article = _envelope(UpdateArticleSchema)


class ArticleSchema(ma.Schema):
    """An article, as the caller sees it (``favorited``, ``author.following``)."""

    slug = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    body = fields.String(required=True)
    tag_list = fields.List(fields.String(), required=True, data_key="tagList")
    created_at = Timestamp(required=True, data_key="createdAt")
    updated_at = Timestamp(required=True, data_key="updatedAt")
    favorited = fields.Boolean(required=True)
    favorites_count = fields.Integer(required=True, data_key="favoritesCount")
    author = fields.Nested(ProfileSchema, required=True)


class ArticleEnvelope(ma.Schema):
    """``{"article": Article}``."""

    article = fields.Nested(ArticleSchema, required=True)


class MultipleArticlesSchema(ma.Schema):
    """One page of articles (without their bodies) and how many match in all."""

    articles = fields.List(fields.Nested(ArticleSchema(exclude=("body",))), required=True)
    articles_count = fields.Integer(
        required=True,
        data_key="articlesCount",
        metadata={"description": "How many articles match, on every page together."},
    )


class PageQuerySchema(ma.Schema):
    """Which page of a list: ``offset`` and ``limit``."""

    offset = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_OFFSET),
        metadata={"description": "How many articles to skip."},
    )
    limit = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"How many articles to return (at most {MAX_LIMIT})."},
    )


class ArticleQuerySchema(PageQuerySchema):
    """Filters of the article list; an empty one filters nothing."""

    tag = Text(blank=True, max_length=64, metadata={"description": "Only articles with this tag."})
    author = Text(
        blank=True, max_length=64, metadata={"description": "Only articles by this username."}
    )
    favorited = Text(
        blank=True,
        max_length=64,
        metadata={"description": "Only articles this username favorited."},
    )


# -- comments and tags ----------------------------------------------------------------


class NewCommentSchema(_Lenient):
    """A comment to add."""

    body = Text(required=True)


class NewCommentRequest(_Lenient):
    """``{"comment": NewComment}``."""

    comment = _envelope(NewCommentSchema)


class CommentSchema(ma.Schema):
    """A comment."""

    id = fields.Integer(required=True)
    created_at = Timestamp(required=True, data_key="createdAt")
    updated_at = Timestamp(required=True, data_key="updatedAt")
    body = fields.String(required=True)
    author = fields.Nested(ProfileSchema, required=True)


class CommentEnvelope(ma.Schema):
    """``{"comment": Comment}``."""

    comment = fields.Nested(CommentSchema, required=True)


class CommentListSchema(ma.Schema):
    """``{"comments": [Comment]}``."""

    comments = fields.List(fields.Nested(CommentSchema), required=True)


class TagListSchema(ma.Schema):
    """``{"tags": [...]}``."""

    tags = fields.List(fields.String(), required=True)
