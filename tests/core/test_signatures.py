"""Registration-time checks: a handler that cannot take what it is passed is refused at once."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest

from heron import Api, Blueprint, Request, Resource, arguments, paginate, patch_body, response


class Query(ma.Schema):
    q = ma.fields.String()


class Pet(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True)


def test_a_handler_missing_its_query_parameter_is_refused() -> None:
    api = Api()

    class Items(Resource):
        @arguments(Query, location="query")
        def get(self, req: Request) -> Any:
            return []

    with pytest.raises(ValueError) as refused:
        api.add_resource(Items, "/items")
    message = str(refused.value)
    assert "Items.get()" in message
    assert "'query'" in message
    assert "@arguments(Query, location='query')" in message


def test_a_misnamed_path_parameter_is_refused() -> None:
    api = Api()

    class Pets(Resource):
        def get(self, req: Request, id: int) -> Any:  # the rule says pet_id
            return {}

    with pytest.raises(ValueError) as refused:
        api.add_resource(Pets, "/pets/<int:pet_id>")
    message = str(refused.value)
    assert "Pets.get()" in message
    assert "'pet_id'" in message
    assert "the rule '/pets/<int:pet_id>'" in message


def test_a_path_parameter_the_handler_requires_but_the_rule_lacks_is_refused() -> None:
    api = Api()

    class Pets(Resource):
        def get(self, req: Request, pet_id: int) -> Any:
            return {}

    with pytest.raises(ValueError) as refused:
        api.add_resource(Pets, "/pets/<int:id>")
    message = str(refused.value)
    assert "Pets.get()" in message and "'id'" in message  # passed, but not taken


def test_a_paginated_handler_whose_parameter_is_not_page_is_refused() -> None:
    api = Api()

    class Items(Resource):
        @paginate()
        @response(200, Pet, many=True)
        def get(self, req: Request, pages: Any) -> Any:
            return []

    with pytest.raises(ValueError) as refused:
        api.add_resource(Items, "/items")
    message = str(refused.value)
    assert "Items.get()" in message
    assert "'page'" in message
    assert "@paginate()" in message


def test_a_patch_handler_without_the_patch_document_parameter_is_refused() -> None:
    api = Api()

    class Pets(Resource):
        @response(200, Pet)
        def get(self, req: Request, pet_id: int) -> Any:
            return {"id": pet_id, "name": "Rex"}

        @patch_body(Pet)
        @response(200, Pet)
        def patch(self, req: Request, pet_id: int) -> Any:
            return {}

    with pytest.raises(ValueError) as refused:
        api.add_resource(Pets, "/pets/<int:pet_id>")
    message = str(refused.value)
    assert "Pets.patch()" in message
    assert "'body'" in message
    assert "@patch_body()" in message


def test_a_handler_expecting_the_principal_as_a_parameter_is_refused_with_a_pointer() -> None:
    api = Api()

    class Me(Resource):
        def get(self, req: Request, principal: Any) -> Any:
            return {}

    with pytest.raises(ValueError) as refused:
        api.add_resource(Me, "/me")
    message = str(refused.value)
    assert "Me.get()" in message
    assert "'principal'" in message
    assert "req.principal" in message


def test_a_required_parameter_nothing_passes_is_refused() -> None:
    api = Api()

    class Items(Resource):
        @arguments(Query, location="query")
        def get(self, req: Request, querry: Any) -> Any:  # a typo of query
            return []

    with pytest.raises(ValueError) as refused:
        api.add_resource(Items, "/items")
    message = str(refused.value)
    assert "Items.get()" in message
    assert "'query'" in message  # passed, not taken: named first


def test_a_handler_without_the_request_parameter_is_refused() -> None:
    api = Api()

    class Items(Resource):
        def get() -> Any:  # type: ignore[misc]
            return []

    with pytest.raises(ValueError, match=r"Items\.get\(\) must take the request"):
        api.add_resource(Items, "/items")


def test_blueprint_resources_are_checked_when_the_blueprint_is_registered() -> None:
    api = Api()
    shop = Blueprint("shop", url_prefix="/shop")

    @shop.route("/items/<int:item_id>")
    class Item(Resource):
        def get(self, req: Request) -> Any:
            return {}

    with pytest.raises(ValueError, match=r"Item\.get\(\) has no parameter 'item_id'"):
        api.register_blueprint(shop)


def test_handlers_taking_what_they_are_passed_or_keywords_are_accepted() -> None:
    api = Api()

    @api.route("/items/<int:item_id>")
    class Item(Resource):
        @arguments(Query, location="query")
        def get(self, req: Request, item_id: int, query: Any, extra: int = 1) -> Any:
            return {"item_id": item_id, "q": query.get("q"), "extra": extra}

        def delete(self, req: Request, **kwargs: Any) -> Any:
            return None

    client = api.test_client()
    assert client.get("/items/3?q=x").json == {"item_id": 3, "q": "x", "extra": 1}
    assert client.delete("/items/3").status_code == 204


def test_two_declarations_passing_one_keyword_are_refused() -> None:
    api = Api()

    class Items(Resource):
        @paginate(name="query")
        @arguments(Query, location="query")
        @response(200, Pet, many=True)
        def get(self, req: Request, query: Any) -> Any:
            return []

    with pytest.raises(ValueError) as refused:
        api.add_resource(Items, "/items")
    message = str(refused.value)
    assert "Items.get" in message and "'query'" in message and "@paginate()" in message


def test_two_declarations_reading_the_content_are_refused() -> None:
    api = Api()

    class Pets(Resource):
        @response(200, Pet)
        def get(self, req: Request, pet_id: int) -> Any:
            return {"id": pet_id, "name": "Rex"}

        @patch_body(Pet, name="first")
        @patch_body(Pet, name="second")
        def patch(self, req: Request, pet_id: int, first: Any, second: Any) -> Any:
            return {}

    with pytest.raises(ValueError, match=r"Pets\.patch: .*both read the content"):
        api.add_resource(Pets, "/pets/<int:pet_id>")
