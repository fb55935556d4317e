"""The tags in use: ``/api/tags``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from heron import Blueprint, Request, Resource, requires, response

from .database import session_of
from .models import ArticleTag
from .schemas import TagListSchema

__all__ = ["Tags", "tags"]

tags = Blueprint("tags", url_prefix="/api", tag="Tags")


@tags.route("/tags")
class Tags(Resource):
    """The tags of the articles."""

    @requires()
    @response(200, TagListSchema, description="The tags, most used first.")
    def get(self, req: Request) -> dict[str, Any]:
        """List the tags in use.

        Most used first, then alphabetically; a tag no article has any more is
        gone.
        """
        uses = func.count(ArticleTag.article_id)
        names = session_of(req).scalars(
            select(ArticleTag.name).group_by(ArticleTag.name).order_by(uses.desc(), ArticleTag.name)
        )
        return {"tags": list(names)}
