"""Media handlers overridden per blueprint, resource and operation."""

from __future__ import annotations

import csv
import io
from typing import Any

import marshmallow as ma
import pytest

from heron import Api, Blueprint, Resource, arguments, media_handlers, response
from heron.media import JSONHandler, MediaHandler, YAMLHandler


class CSVHandler(MediaHandler):
    media_type = "text/csv"
    format = "csv"
    can_parse = False

    def serialize(self, data: Any) -> bytes:
        rows = data if isinstance(data, list) else [data]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=sorted(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode()


class ItemSchema(ma.Schema):
    id = ma.fields.Int()
    name = ma.fields.Str(required=True)


ITEMS = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


def build() -> Api:
    api = Api("Overrides", "1.0")

    @api.route("/json-only")
    class JsonOnly(Resource):
        media_handlers = (JSONHandler(),)

        @response(200, ItemSchema, many=True)
        def get(self, req: Any) -> Any:
            return ITEMS

        @arguments(ItemSchema)
        @response(201, ItemSchema)
        def post(self, req: Any, body: Any) -> Any:
            return {"id": 3, **body}

    @api.route("/report")
    class Report(Resource):
        @media_handlers(CSVHandler(), JSONHandler())
        @response(200, ItemSchema, many=True)
        def get(self, req: Any) -> Any:
            return ITEMS

        @response(200, ItemSchema)
        def put(self, req: Any) -> Any:
            return ITEMS[0]

    bp = Blueprint("yaml", url_prefix="/yaml", media_handlers=[YAMLHandler()])

    @bp.route("/items")
    class YamlItems(Resource):
        @response(200, ItemSchema, many=True)
        def get(self, req: Any) -> Any:
            return ITEMS

    api.register_blueprint(bp)
    return api


@pytest.fixture
def api() -> Api:
    return build()


def test_resource_override_limits_representations(api: Api) -> None:
    client = api.test_client()
    assert client.get("/json-only").headers["Content-Type"] == "application/json"
    # The application serves HTML and YAML, this resource does not.
    html = client.get("/json-only", headers={"Accept": "text/html"})
    assert html.status_code == 406
    # Error bodies keep the application's handlers: a browser gets an HTML error page.
    assert html.headers["Content-Type"].startswith("text/html")
    resp = client.get(
        "/json-only", headers={"Accept": "application/yaml;q=1, application/json;q=0"}
    )
    assert resp.status_code == 406
    assert resp.headers["Content-Type"].startswith("application/problem+yaml")
    assert "- application/json" in resp.data.decode()


def test_resource_override_limits_request_parsers(api: Api) -> None:
    client = api.test_client()
    ok = client.post("/json-only", json={"name": "c"})
    assert ok.status_code == 201
    yaml_body = client.post("/json-only", data="name: c\n", content_type="application/yaml")
    assert yaml_body.status_code == 415
    assert yaml_body.headers["Accept-Post"] == "application/json"


def test_operation_override_wins_and_sets_the_default(api: Api) -> None:
    client = api.test_client()
    resp = client.get("/report")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert resp.data.decode().splitlines() == ["id,name", "1,a", "2,b"]
    as_json = client.get("/report", headers={"Accept": "application/json"})
    assert as_json.json == ITEMS
    # The other operation of the resource keeps the application's handlers.
    put = client.put("/report", headers={"Accept": "application/yaml"})
    assert put.headers["Content-Type"].startswith("application/yaml")


def test_blueprint_override(api: Api) -> None:
    client = api.test_client()
    resp = client.get("/yaml/items")
    assert resp.headers["Content-Type"].startswith("application/yaml")
    assert client.get("/yaml/items", headers={"Accept": "application/json"}).status_code == 406


def test_spec_lists_each_operations_own_media_types(api: Api) -> None:
    paths = api.openapi()["paths"]
    ok = paths["/json-only"]["get"]["responses"]["200"]["content"]
    assert list(ok) == ["application/json"]
    body = paths["/json-only"]["post"]["requestBody"]["content"]
    assert list(body) == ["application/json"]
    report = paths["/report"]["get"]["responses"]["200"]["content"]
    assert list(report) == ["text/csv", "application/json"]
    assert list(paths["/yaml/items"]["get"]["responses"]["200"]["content"]) == ["application/yaml"]
    default = paths["/report"]["put"]["responses"]["200"]["content"]
    assert {"application/json", "application/yaml", "text/html"} <= set(default)


def test_media_handlers_needs_a_handler() -> None:
    with pytest.raises(ValueError, match="at least one"):
        media_handlers()
