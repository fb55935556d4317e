"""An application whose operations declare caching policies (served over HTTP by the tests)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from heron import Api, NotFound, Request, Resource, Validators, conditional, response
from heron.features.caching import cache_control


class Article(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()


ARTICLES = {1: {"id": 1, "title": "Caching"}}

api = Api("Caching", "1.0.0")


@api.route("/articles/<int:article_id>")
class ArticleResource(Resource):
    def validators(self, req: Request, article_id: int) -> Validators | None:
        return Validators(etag=str(article_id)) if article_id in ARTICLES else None

    @cache_control(max_age=60, public=True, stale_while_revalidate=30, expires=True)
    @conditional("validators")
    @response(200, Article)
    def get(self, req: Request, article_id: int) -> Any:
        """Read an article."""
        if article_id not in ARTICLES:
            raise NotFound(f"No article {article_id}.")
        return ARTICLES[article_id]


@api.route("/private")
class Private(Resource):
    @cache_control(private=True, no_cache=True)
    def get(self, req: Request) -> Any:
        return {"mine": True}, {"X-Kind": "private"}


@api.route("/own")
class Own(Resource):
    @cache_control(max_age=600)
    def get(self, req: Request) -> Any:
        return {}, {"Cache-Control": "no-store"}
