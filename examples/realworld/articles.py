"""Articles: the list, the feed, each article, and favorites.

``/api/articles``, ``/api/articles/feed``, ``/api/articles/{slug}`` and
``/api/articles/{slug}/favorite``. Lists are most recent first and carry
``articlesCount``, the number of matching articles on all pages together.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, delete, or_, select
from sqlalchemy.orm import Session

from heron import Blueprint, Request, Resource, arguments, doc, requires, response

from .auth import caller, current_user, token_auth
from .database import insert_ignore, lock, session_of
from .errors import forbidden, not_found
from .models import Article, ArticleTag, User, favorites, follows, utcnow
from .schemas import (
    ArticleEnvelope,
    ArticleQuerySchema,
    MultipleArticlesSchema,
    NewArticleRequest,
    PageQuerySchema,
    UpdateArticleRequest,
)
from .views import article_page, article_view

__all__ = ["ArticleItem", "Articles", "Favorite", "Feed", "articles", "favorites_bp", "slugify"]

articles = Blueprint("articles", url_prefix="/api", tag="Articles")
favorites_bp = Blueprint("favorites", url_prefix="/api", tag="Favorites")

#: Slugs that would name another resource: ``/api/articles/feed``.
RESERVED_SLUGS = frozenset({"feed"})
_WORDS = re.compile(r"[a-z0-9]+")


def slugify(title: str) -> str:
    """Return the URL-friendly form of ``title``: ``"How to: Dragons!"`` → ``"how-to-dragons"``.

    Accents are dropped (``"Crème brûlée"`` → ``"creme-brulee"``); a title
    with no Latin letter or digit gives ``"article"``.
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = "-".join(_WORDS.findall(ascii_title.lower()))[:200].rstrip("-")
    return slug or "article"


def unique_slug(db: Session, title: str, article_id: int | None = None) -> str:
    """Return a slug for ``title`` that no other article has (``-2``, ``-3``... if needed).

    Args:
        db: The session.
        title: The article's title.
        article_id: The article being renamed, whose own slug does not count.

    Returns:
        The slug. Two requests picking a slug for the same title take turns,
        so they cannot both pick the same one.
    """
    base = slugify(title)
    lock(db, f"slug:{base}")
    others = select(Article.slug).where(or_(Article.slug == base, Article.slug.like(f"{base}-%")))
    if article_id is not None:
        others = others.where(Article.id != article_id)
    taken = set(db.scalars(others)) | RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def find_article(db: Session, slug: str) -> Article:
    """Return the article ``slug``.

    Raises:
        NotFound: If there is none (``{"article": ["not found"]}``).
    """
    article = db.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        raise not_found("article", f"No article has the slug {slug!r}.")
    return article


def set_tags(article: Article, names: Iterable[str]) -> None:
    """Make ``names`` the article's tags (keeping rows that stay, so no key is written twice)."""
    wanted = set(names)
    kept = [t for t in article.tags if t.name in wanted]
    added = [ArticleTag(name=name) for name in wanted - set(article.tag_list)]
    article.tags = sorted(kept + added, key=lambda tag: tag.name)


def _user_id(username: str) -> ScalarSelect[int]:
    return select(User.id).where(User.username == username).scalar_subquery()


@articles.route("/articles")
class Articles(Resource):
    """Every article."""

    @requires(token_auth)
    @requires()
    @arguments(ArticleQuerySchema, location="query")
    @response(200, MultipleArticlesSchema, description="One page of articles, most recent first.")
    def get(self, req: Request, query: dict[str, Any]) -> dict[str, Any]:
        """List articles.

        Most recent first, optionally only those with a tag, by an author or
        favorited by a user (an unknown one matches nothing). Bodies are left
        out; signed in, `favorited` and `author.following` are yours.
        """
        conditions: list[ColumnElement[bool]] = []
        if query.get("tag"):
            tagged = select(ArticleTag.article_id).where(ArticleTag.name == query["tag"])
            conditions.append(Article.id.in_(tagged))
        if query.get("author"):
            conditions.append(Article.author_id == _user_id(query["author"]))
        if query.get("favorited"):
            liked = select(favorites.c.article_id).where(
                favorites.c.user_id == _user_id(query["favorited"])
            )
            conditions.append(Article.id.in_(liked))
        db = session_of(req)
        page, total = article_page(
            db, caller(req), conditions, offset=query["offset"], limit=query["limit"]
        )
        return {"articles": page, "articles_count": total}

    @arguments(NewArticleRequest, description="The article to publish.")
    @response(
        201,
        ArticleEnvelope,
        description="The new article.",
        headers={"Location": "The URL of the new article."},
    )
    @response(409, description="Another article took the slug at the same moment: try again.")
    def post(
        self, req: Request, body: dict[str, Any]
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Publish an article.

        Its slug comes from its title, made unique with a number when another
        article has it.
        """
        values = body["article"]
        db = session_of(req)
        me = current_user(req)
        article = Article(
            slug=unique_slug(db, values["title"]),
            title=values["title"],
            description=values["description"],
            body=values["body"],
            author=me,
        )
        set_tags(article, values["tag_list"])
        db.add(article)
        db.flush()
        location = req.url_for("articles.ArticleItem", slug=article.slug)
        return {"article": article_view(db, me, article)}, 201, {"Location": location}


@articles.route("/articles/feed")
class Feed(Resource):
    """Articles by the users you follow."""

    @doc(operation_id="getArticlesFeed")
    @arguments(PageQuerySchema, location="query")
    @response(200, MultipleArticlesSchema, description="One page of your feed, most recent first.")
    def get(self, req: Request, query: dict[str, Any]) -> dict[str, Any]:
        """List articles by the users you follow.

        Most recent first, without their bodies.
        """
        me = current_user(req)
        followed = select(follows.c.followed_id).where(follows.c.follower_id == me.id)
        page, total = article_page(
            session_of(req),
            me,
            [Article.author_id.in_(followed)],
            offset=query["offset"],
            limit=query["limit"],
        )
        return {"articles": page, "articles_count": total}


@articles.route("/articles/<name:slug>")
class ArticleItem(Resource):
    """One article."""

    @requires(token_auth)
    @requires()
    @response(200, ArticleEnvelope, description="The article.")
    def get(self, req: Request, slug: str) -> dict[str, Any]:
        """Get an article.

        Signed in, `favorited` and `author.following` are yours.
        """
        db = session_of(req)
        return {"article": article_view(db, caller(req), find_article(db, slug))}

    @arguments(UpdateArticleRequest, description="What to change; the rest stays.")
    @response(200, ArticleEnvelope, description="The article, changed.")
    @response(403, description="The article is someone else's.")
    def put(self, req: Request, slug: str, body: dict[str, Any]) -> dict[str, Any]:
        """Update your article.

        A new title gives it a new slug; `tagList`, if sent, replaces its tags.
        """
        values = body["article"]
        db = session_of(req)
        me, article = current_user(req), find_article(db, slug)
        if article.author_id != me.id:
            raise forbidden("article", "Only its author may change an article.")
        if "title" in values and values["title"] != article.title:
            article.slug = unique_slug(db, values["title"], article.id)
        for name in ("title", "description", "body"):
            if name in values:
                setattr(article, name, values[name])
        if "tag_list" in values:
            set_tags(article, values["tag_list"])
        if values:
            article.updated_at = utcnow()
        db.flush()
        return {"article": article_view(db, me, article)}

    @response(204, description="The article is deleted, with its comments and favorites.")
    @response(403, description="The article is someone else's.")
    def delete(self, req: Request, slug: str) -> None:
        """Delete your article."""
        db = session_of(req)
        me, article = current_user(req), find_article(db, slug)
        if article.author_id != me.id:
            raise forbidden("article", "Only its author may delete an article.")
        db.delete(article)
        db.flush()


@favorites_bp.route("/articles/<name:slug>/favorite")
class Favorite(Resource):
    """Your favorite mark on an article."""

    @doc(operation_id="createArticleFavorite")
    @response(200, ArticleEnvelope, description="The article, favorited.")
    def post(self, req: Request, slug: str) -> dict[str, Any]:
        """Favorite an article.

        Favoriting it again changes nothing.
        """
        db = session_of(req)
        me, article = current_user(req), find_article(db, slug)
        insert_ignore(db, favorites, user_id=me.id, article_id=article.id)
        return {"article": article_view(db, me, article)}

    @doc(operation_id="deleteArticleFavorite")
    @response(200, ArticleEnvelope, description="The article, no longer favorited.")
    def delete(self, req: Request, slug: str) -> dict[str, Any]:
        """Unfavorite an article.

        Unfavoriting one you did not favorite changes nothing.
        """
        db = session_of(req)
        me, article = current_user(req), find_article(db, slug)
        db.execute(
            delete(favorites).where(
                favorites.c.user_id == me.id, favorites.c.article_id == article.id
            )
        )
        return {"article": article_view(db, me, article)}
