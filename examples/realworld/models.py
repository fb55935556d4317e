"""The tables, as SQLAlchemy 2.x typed declarative models.

Strings are ``Text`` columns (PostgreSQL checks no length there, so an
over-long value can never fail in the database): the lengths the API accepts
are the marshmallow schemas' (:mod:`.schemas`), documented in the spec.
Unique constraints have stable names, which the conflict handler reads
(:func:`.errors.conflict_from_integrity_error`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, ForeignKey, Index, MetaData, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Article",
    "ArticleTag",
    "Base",
    "Comment",
    "Secret",
    "User",
    "favorites",
    "follows",
    "utcnow",
]


def utcnow() -> dt.datetime:
    """Return the current time, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    """The declarative base: naming conventions and timestamp columns."""

    metadata = MetaData(
        naming_convention={
            "pk": "pk_%(table_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ix": "ix_%(table_name)s_%(column_0_name)s",
        }
    )
    type_annotation_map = {dt.datetime: DateTime(timezone=True), str: Text()}


#: Who follows whom.
follows = Table(
    "follows",
    Base.metadata,
    Column("follower_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("followed_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_follows_followed_id", "followed_id"),
)

#: Who favorited which article.
favorites = Table(
    "favorites",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_favorites_article_id", "article_id"),
)


class User(Base):
    """A registered user; ``email`` is kept in lower case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(unique=True)
    email: Mapped[str] = mapped_column(unique=True)
    password_hash: Mapped[str]
    bio: Mapped[str | None]
    image: Mapped[str | None]


class ArticleTag(Base):
    """One tag of an article (tags are plain names: no table of their own to race on)."""

    __tablename__ = "article_tags"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(primary_key=True, index=True)


class Article(Base):
    """An article; its ``slug`` is unique and follows its title."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(unique=True)
    title: Mapped[str]
    description: Mapped[str]
    body: Mapped[str]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    tags: Mapped[list[ArticleTag]] = relationship(
        cascade="all, delete-orphan", order_by=ArticleTag.name, lazy="selectin"
    )

    @property
    def tag_list(self) -> list[str]:
        """The tag names, in alphabetical order."""
        return [tag.name for tag in self.tags]


class Comment(Base):
    """A comment on an article."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class Secret(Base):
    """A secret the application made for itself (the JWT signing key), shared by every process."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[str]
