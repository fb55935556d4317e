"""Queries that read what the caller sees: profiles, articles and comments as data.

Each function returns plain dicts for the response schemas to dump. What
depends on the caller (``following``, ``favorited``) is read for a whole page
at once: a page of articles costs a fixed number of queries, not one per article.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from .models import Article, Comment, User, favorites, follows

__all__ = ["article_page", "article_view", "comment_views", "profile_view"]


def _followed(db: Session, viewer: User | None, user_ids: Iterable[int]) -> set[int]:
    """Return which of ``user_ids`` the viewer follows."""
    ids = set(user_ids)
    if viewer is None or not ids:
        return set()
    rows = db.scalars(
        select(follows.c.followed_id).where(
            follows.c.follower_id == viewer.id, follows.c.followed_id.in_(ids)
        )
    )
    return set(rows)


def _favorited(db: Session, viewer: User | None, article_ids: Iterable[int]) -> set[int]:
    """Return which of ``article_ids`` the viewer favorited."""
    ids = set(article_ids)
    if viewer is None or not ids:
        return set()
    rows = db.scalars(
        select(favorites.c.article_id).where(
            favorites.c.user_id == viewer.id, favorites.c.article_id.in_(ids)
        )
    )
    return set(rows)


def _profile(user: User, following: bool) -> dict[str, Any]:
    return {
        "username": user.username,
        "bio": user.bio,
        "image": user.image,
        "following": following,
    }


def profile_view(db: Session, viewer: User | None, user: User) -> dict[str, Any]:
    """Return ``user``'s profile as ``viewer`` (None: anonymous) sees it."""
    return _profile(user, user.id in _followed(db, viewer, [user.id]))


def _favorites_counts(db: Session, article_ids: Sequence[int]) -> dict[int, int]:
    if not article_ids:
        return {}
    rows = db.execute(
        select(favorites.c.article_id, func.count())
        .where(favorites.c.article_id.in_(article_ids))
        .group_by(favorites.c.article_id)
    )
    return {article_id: count for article_id, count in rows}


def _article_views(
    db: Session, viewer: User | None, articles: Sequence[Article]
) -> list[dict[str, Any]]:
    ids = [a.id for a in articles]
    counts = _favorites_counts(db, ids)
    favorited = _favorited(db, viewer, ids)
    following = _followed(db, viewer, (a.author_id for a in articles))
    return [
        {
            "slug": a.slug,
            "title": a.title,
            "description": a.description,
            "body": a.body,
            "tag_list": a.tag_list,
            "created_at": a.created_at,
            "updated_at": a.updated_at,
            "favorited": a.id in favorited,
            "favorites_count": counts.get(a.id, 0),
            "author": _profile(a.author, a.author_id in following),
        }
        for a in articles
    ]


def article_view(db: Session, viewer: User | None, article: Article) -> dict[str, Any]:
    """Return ``article`` as ``viewer`` sees it."""
    return _article_views(db, viewer, [article])[0]


def article_page(
    db: Session,
    viewer: User | None,
    conditions: Sequence[ColumnElement[bool]],
    *,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of the articles matching ``conditions``, most recent first.

    Args:
        db: The session.
        viewer: Who is asking (None: anonymous).
        conditions: SQL conditions on :class:`Article`, all of which must hold.
        offset: How many matching articles to skip.
        limit: How many to return at most.

    Returns:
        The page and how many articles match in all (``articlesCount``).
    """
    total = db.scalar(select(func.count()).select_from(Article).where(*conditions)) or 0
    articles = db.scalars(
        select(Article)
        .where(*conditions)
        .order_by(Article.created_at.desc(), Article.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return _article_views(db, viewer, articles), total


def comment_views(
    db: Session, viewer: User | None, comments: Sequence[Comment]
) -> list[dict[str, Any]]:
    """Return ``comments`` as ``viewer`` sees them (``author.following``)."""
    following = _followed(db, viewer, (c.author_id for c in comments))
    return [
        {
            "id": c.id,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "body": c.body,
            "author": _profile(c.author, c.author_id in following),
        }
        for c in comments
    ]
