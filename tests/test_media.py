"""Media handlers: JSON, the registry, and a user-defined CSV representation."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import enum
import io
import json
import uuid
from typing import Any

import marshmallow as ma
import pytest

from heron import Api, BadRequest, Request, Resource, arguments, response
from heron.media import (
    FormHandler,
    JSONHandler,
    MediaHandler,
    MediaRegistry,
    MultipartHandler,
    default_registry,
)


class Colour(enum.Enum):
    RED = "red"
    BLUE = 2


class CSVHandler(MediaHandler):
    """``text/csv`` (RFC 4180): a list of flat objects, one row each."""

    media_type = "text/csv"
    format = "csv"

    def serialize(self, data: Any) -> bytes:
        rows = data if isinstance(data, list) else [data]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode()

    def parse(self, body: bytes, charset: str | None) -> Any:
        try:
            text = body.decode(charset or "utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"CSV is not {charset or 'UTF-8'}: {exc}") from None
        return {"rows": list(csv.DictReader(io.StringIO(text)))}


# -- JSONHandler -----------------------------------------------------------------------


@pytest.fixture
def handler() -> JSONHandler:
    return JSONHandler()


def test_json_serializes_common_python_types(handler: JSONHandler) -> None:
    data = {
        "when": dt.datetime(2024, 5, 17, 13, 45, 30, tzinfo=dt.timezone.utc),
        "day": dt.date(2024, 2, 29),
        "at": dt.time(8, 30),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "price": decimal.Decimal("19.90"),
        "colour": Colour.RED,
        "number": Colour.BLUE,
        "pair": (1, 2),
        "set": frozenset({"only"}),
        "nothing": None,
    }
    assert json.loads(handler.serialize(data)) == {
        "when": "2024-05-17T13:45:30+00:00",
        "day": "2024-02-29",
        "at": "08:30:00",
        "id": "12345678-1234-5678-1234-567812345678",
        "price": "19.90",  # exact, as a string
        "colour": "red",
        "number": 2,
        "pair": [1, 2],
        "set": ["only"],
        "nothing": None,
    }


def test_json_is_compact_utf8(handler: JSONHandler) -> None:
    out = handler.serialize({"name": "café 日本 😀", "n": [1, 2]})
    assert out == '{"name":"café 日本 😀","n":[1,2]}'.encode()
    assert b"\\u" not in out


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_json_rejects_non_finite_numbers(handler: JSONHandler, value: float) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        handler.serialize({"x": value})


def test_json_rejects_unknown_objects(handler: JSONHandler) -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        handler.serialize({"x": object()})


@pytest.mark.parametrize(
    ("body", "charset", "value"),
    [
        (b'{"a": [1, 2.5, true, null]}', None, {"a": [1, 2.5, True, None]}),
        (b'"caf\xc3\xa9"', None, "café"),
        (b'"caf\xc3\xa9"', "utf-8", "café"),
        (b'"caf\xe9"', "latin-1", "café"),
        ('{"a": "é"}'.encode("utf-16-le"), None, {"a": "é"}),  # detected, RFC 8259 §8.1
        ('["x"]'.encode("utf-32-be"), None, ["x"]),
        (b"  42 ", None, 42),
    ],
)
def test_json_parse(handler: JSONHandler, body: bytes, charset: str | None, value: Any) -> None:
    assert handler.parse(body, charset) == value


@pytest.mark.parametrize(
    ("body", "charset", "detail"),
    [
        (b"", None, "Expecting value at line 1 column 1 (char 0)"),
        (b'{"a": 1,}', None, "Expecting property name"),
        (b"[1, 2", None, "line 1 column 6"),
        (b"\xff\xfe\xfd", None, "could not be decoded as UTF-8"),
        (b'"x"', "klingon", "could not be decoded as klingon"),
        (b"NaN", None, "NaN is not a JSON value"),
        (b"[" * 50_000 + b"]" * 50_000, None, "nested too deeply"),
    ],
)
def test_json_parse_errors_are_bad_requests(
    handler: JSONHandler, body: bytes, charset: str | None, detail: str
) -> None:
    with pytest.raises(BadRequest) as info:
        handler.parse(body, charset)
    assert info.value.code == 400
    assert detail in str(info.value.detail)


@pytest.mark.parametrize(
    ("media_type", "served"),
    [
        ("application/json", True),
        ("application/problem+json", True),
        ("application/merge-patch+json", True),
        ("application/vnd.api+json", True),
        ("text/json", False),
        ("application/jsonx", False),
        ("application/json-seq", False),
        ("text/plain+json", False),
    ],
)
def test_json_matches(handler: JSONHandler, media_type: str, served: bool) -> None:
    assert handler.matches(media_type) is served


# -- MediaRegistry ---------------------------------------------------------------------


def test_default_registry() -> None:
    registry = default_registry()
    assert [h.media_type for h in registry] == [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ]
    assert [h.media_type for h in registry.serializers()] == ["application/json"]
    assert [type(h) for h in registry.parsers()] == [JSONHandler]
    assert [type(h) for h in registry.parsers(form=True)] == [FormHandler, MultipartHandler]


def test_registry_add_replace_and_first() -> None:
    registry = MediaRegistry([JSONHandler()])
    csv_handler = CSVHandler()
    registry.add(csv_handler)
    assert [h.media_type for h in registry.serializers()] == ["application/json", "text/csv"]
    replacement = CSVHandler()
    registry.add(replacement)
    assert [h for h in registry if h.media_type == "text/csv"] == [replacement]
    assert len(list(registry)) == 2
    json_first = JSONHandler()
    registry.add(json_first, first=False)
    assert registry.serializers()[-1] is json_first
    registry.add(csv_handler, first=True)
    assert registry.serializers()[0] is csv_handler
    assert [h.media_type for h in registry] == ["text/csv", "application/json"]


def test_registry_lookup() -> None:
    registry = default_registry()
    json_handler = registry.for_media_type("application/vnd.api+json")
    assert isinstance(json_handler, JSONHandler)
    assert isinstance(registry.for_media_type("multipart/form-data"), MultipartHandler)
    assert registry.for_media_type("text/csv") is None


def test_base_handler_does_nothing_by_itself() -> None:
    class Bare(MediaHandler):
        media_type = "application/x-bare"
        format = "bare"

    bare = Bare()
    with pytest.raises(NotImplementedError):
        bare.serialize({})
    with pytest.raises(NotImplementedError):
        bare.parse(b"", None)
    assert bare.matches("application/x-bare")
    assert not bare.matches("application/x-bare+json")


# -- a user-defined handler in an application ------------------------------------------


class RowSchema(ma.Schema):
    name = ma.fields.Str(required=True)
    qty = ma.fields.Int(required=True)


class TableSchema(ma.Schema):
    rows = ma.fields.List(ma.fields.Nested(RowSchema), required=True)


@pytest.fixture
def api() -> Api:
    api = Api()

    @api.route("/stock")
    class Stock(Resource):
        @response(200, RowSchema, many=True)
        def get(self, req: Request) -> Any:
            return [{"name": "apple", "qty": 3, "secret": "x"}, {"name": "pear", "qty": 0}]

        @arguments(TableSchema)
        @response(200, RowSchema, many=True)
        def put(self, req: Request, body: dict[str, Any]) -> Any:
            return body["rows"]

    api.add_media_handler(CSVHandler())
    return api


def test_csv_is_chosen_by_accept(api: Api) -> None:
    client = api.test_client()
    as_csv = client.get("/stock", headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200
    assert as_csv.content_type == "text/csv"
    assert as_csv.text == "name,qty\r\napple,3\r\npear,0\r\n"  # dumped with the schema first
    assert as_csv.headers["Vary"] == "Accept"
    as_json = client.get("/stock")
    assert as_json.content_type == "application/json"
    assert as_json.json == [{"name": "apple", "qty": 3}, {"name": "pear", "qty": 0}]
    prefer = client.get("/stock", headers={"Accept": "application/json;q=0.5, text/*"})
    assert prefer.content_type == "text/csv"
    assert client.get("/stock", headers={"Accept": "text/html"}).json["available"] == [
        "application/json",
        "text/csv",
    ]


def test_csv_request_content_is_parsed_and_validated(api: Api) -> None:
    client = api.test_client()
    ok = client.put("/stock", data="name,qty\nfig,7\n", content_type="text/csv; charset=utf-8")
    assert ok.status_code == 200
    assert ok.json == [{"name": "fig", "qty": 7}]
    bad = client.put("/stock", data="name,qty\nfig,many\n", content_type="text/csv")
    assert bad.status_code == 422
    assert [(e["path"], e["pointer"]) for e in bad.json["errors"]] == [
        ("rows.0.qty", "#/rows/0/qty")
    ]
    assert client.put("/stock", data="x", content_type="text/tab-separated-values").json[
        "accepted"
    ] == ["application/json", "text/csv"]


def test_csv_appears_in_the_spec(api: Api) -> None:
    put = api.openapi()["paths"]["/stock"]["put"]
    assert list(put["requestBody"]["content"]) == ["application/json", "text/csv"]
    assert list(put["responses"]["200"]["content"]) == ["application/json", "text/csv"]


def test_a_first_handler_is_the_default_but_problems_stay_json(api: Api) -> None:
    api.add_media_handler(CSVHandler(), first=True)
    client = api.test_client()
    assert client.get("/stock").content_type == "text/csv"
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    assert missing.json["title"] == "Not Found"
    invalid = client.put("/stock", json={"rows": "no"})
    assert invalid.status_code == 422
    assert invalid.json["errors"][0]["path"] == "rows"
