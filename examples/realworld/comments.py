"""Comments on an article: ``/api/articles/{slug}/comments`` and ``.../comments/{id}``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from heron import Blueprint, Request, Resource, arguments, doc, requires, response

from .articles import find_article
from .auth import caller, current_user, token_auth
from .database import session_of
from .errors import forbidden, not_found
from .models import Comment
from .schemas import CommentEnvelope, CommentListSchema, NewCommentRequest
from .views import comment_views

__all__ = ["CommentItem", "Comments", "comments"]

comments = Blueprint("comments", url_prefix="/api", tag="Comments")

#: Largest comment id a URL may name (PostgreSQL's ``integer``).
MAX_ID = 2**31 - 1


@comments.route("/articles/<name:slug>/comments")
class Comments(Resource):
    """The comments on an article."""

    @requires(token_auth)
    @requires()
    @doc(operation_id="getArticleComments")
    @response(200, CommentListSchema, description="The comments, most recent first.")
    def get(self, req: Request, slug: str) -> dict[str, Any]:
        """List the comments on an article.

        Most recent first; signed in, `author.following` is yours.
        """
        db = session_of(req)
        article = find_article(db, slug)
        found = db.scalars(
            select(Comment)
            .where(Comment.article_id == article.id)
            .order_by(Comment.created_at.desc(), Comment.id.desc())
        ).all()
        return {"comments": comment_views(db, caller(req), found)}

    @doc(operation_id="createArticleComment")
    @arguments(NewCommentRequest, description="The comment to add.")
    @response(201, CommentEnvelope, description="The new comment.")
    def post(self, req: Request, slug: str, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Comment on an article."""
        db = session_of(req)
        me, article = current_user(req), find_article(db, slug)
        comment = Comment(body=body["comment"]["body"], article_id=article.id, author=me)
        db.add(comment)
        db.flush()
        return {"comment": comment_views(db, me, [comment])[0]}, 201


@comments.route(f"/articles/<name:slug>/comments/<int(max={MAX_ID}):id>")
class CommentItem(Resource):
    """One comment."""

    @doc(operation_id="deleteArticleComment")
    @response(204, description="The comment is deleted.")
    @response(403, description="The comment is someone else's.")
    def delete(self, req: Request, slug: str, id: int) -> None:  # noqa: A002 - the spec's name
        """Delete your comment."""
        db = session_of(req)
        me, article = current_user(req), find_article(db, slug)
        comment = db.scalar(
            select(Comment).where(Comment.id == id, Comment.article_id == article.id)
        )
        if comment is None:
            raise not_found("comment", f"The article {slug!r} has no comment {id}.")
        if comment.author_id != me.id:
            raise forbidden("comment", "Only its author may delete a comment.")
        db.delete(comment)
        db.flush()
