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
import yaml

from heron import Api, BadRequest, Request, Resource, UnsupportedMediaType, arguments, response
from heron.docs.browsable import HTMLHandler
from heron.media import (
    FormHandler,
    JSONHandler,
    MediaHandler,
    MediaRegistry,
    MultipartHandler,
    YAMLHandler,
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


@pytest.mark.parametrize("handler_class", [JSONHandler, YAMLHandler])
def test_unknown_charset_is_unsupported(handler_class: type[MediaHandler]) -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        handler_class().parse(b'"x"', "klingon")
    assert info.value.code == 415
    assert "'klingon'" in str(info.value.detail)


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


# -- YAMLHandler -----------------------------------------------------------------------


@pytest.fixture
def yaml_handler() -> YAMLHandler:
    return YAMLHandler()


def test_yaml_serializes_like_json(yaml_handler: YAMLHandler) -> None:
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
        "name": "café 日本",
        "text": "two\nlines",
        "looks": ["yes", "2024-01-31", "12", "null"],
    }
    out = yaml_handler.serialize(data)
    assert "café 日本".encode() in out
    assert b"text: |-\n  two\n  lines\n" in out  # multi-line strings as literal blocks
    # Read back by any YAML 1.1 reader, the values are JSON's: nothing turns
    # into a date, a boolean or a number that was a string.
    assert yaml.safe_load(out) == json.loads(JSONHandler().serialize(data))
    assert list(yaml.safe_load(out)) == list(data)  # keys keep their order


@pytest.mark.parametrize(
    ("body", "charset", "value"),
    [
        (b"a: 1\nb: [x, 'y', 2.5, true, null]\n", None, {"a": 1, "b": ["x", "y", 2.5, True, None]}),
        (b'{"a": [1, 2.5, true, null]}', None, {"a": [1, 2.5, True, None]}),  # JSON is YAML
        (b"", None, None),
        (b"# just a comment\n", None, None),
        (b"--- 42\n...\n", None, 42),
        # YAML 1.2 core schema: these stay strings, as in JSON.
        (
            b"[yes, no, on, off, 2024-01-31, 1_000, 12:30]",
            None,
            ["yes", "no", "on", "off", "2024-01-31", "1_000", "12:30"],
        ),
        (
            b"[0o14, 0x1F, 012, -7, +3, 1e3, .5, ~, Null, TRUE]",
            None,
            [12, 31, 12, -7, 3, 1000.0, 0.5, None, None, True],
        ),
        # Keys are strings, as JSON object names are.
        (
            b"{200: OK, true: yes, null: x, 1.5: y}",
            None,
            {"200": "OK", "true": "yes", "null": "x", "1.5": "y"},
        ),
        (
            b"base: &b {x: 1, y: 2}\nobj:\n  <<: *b\n  y: 3\n",
            None,
            {"base": {"x": 1, "y": 2}, "obj": {"x": 1, "y": 3}},
        ),
        (b"a: &x [1, 2]\nb: *x\n", None, {"a": [1, 2], "b": [1, 2]}),
        (b"a: &x 1\nb: *x\n", None, {"a": 1, "b": 1}),
        (b"a: !!str 12\nb: !!int '7'\nc: !!float 1\n", None, {"a": "12", "b": 7, "c": 1.0}),
        ("a: é\n".encode("utf-16"), None, {"a": "é"}),  # a BOM says UTF-16 (YAML 1.2.2 §5.2)
        ("a: é\n".encode("utf-16-le"), "utf-16-le", {"a": "é"}),
        (b"a: caf\xe9\n", "latin-1", {"a": "café"}),
        (b"text: |\n  two\n  lines\n", None, {"text": "two\nlines\n"}),
    ],
)
def test_yaml_parse(
    yaml_handler: YAMLHandler, body: bytes, charset: str | None, value: Any
) -> None:
    assert yaml_handler.parse(body, charset) == value


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"a: [1, 2\nb: 3", "did not find expected ',' or ']' (line 2, column 2)"),
        (b"a: b: c", "mapping values are not allowed in this context (line 1, column 5)"),
        (b"\tx: 1", "line 1, column 1"),
        (b"a: 'open", "found unexpected end of stream"),
        (b"\xff\xfe\xfd", "Malformed YAML"),
        (b"\x07", "control characters are not allowed"),
        (b"---\na: 1\n---\nb: 2\n", "expected a single document, found another (line 3, column 1)"),
        (
            b"!!python/object/apply:os.system ['echo pwned']",
            "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        ),
        (b"x: !!python/name:os.system", "python/name:os.system' is not allowed"),
        (b"!!python/name:os.system : 1", "python/name:os.system' is not allowed"),
        (b"x: !!binary aGVsbG8=", "'tag:yaml.org,2002:binary' is not allowed"),
        (b"x: !!set {a, b}", "'tag:yaml.org,2002:set' is not allowed"),
        (b"x: !!timestamp 2024-01-01", "'tag:yaml.org,2002:timestamp' is not allowed"),
        (b"x: !local 1", "'!local' is not allowed"),
        (b"x: .inf", "'.inf' is not a JSON number"),
        (b"x: .nan", "'.nan' is not a JSON number"),
        (b"x: !!int abc", "invalid literal for int()"),
        (b"? [a, b]\n: c", "found a collection as a key"),
        (b"a: &a [1, *a]", "the alias *a refers to its own anchor (line 1, column 11)"),
        (b"a: *nowhere", "the alias *nowhere has no anchor"),
    ],
)
def test_yaml_parse_errors_are_bad_requests(
    yaml_handler: YAMLHandler, body: bytes, detail: str
) -> None:
    with pytest.raises(BadRequest) as info:
        yaml_handler.parse(body, None)
    assert info.value.code == 400
    assert detail in str(info.value.detail)


def billion_laughs(levels: int = 9, width: int = 9) -> bytes:
    """The YAML form of the XML entity expansion attack: width**levels strings."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines).encode() + b"\n"


def test_yaml_bytes_not_in_the_declared_charset(yaml_handler: YAMLHandler) -> None:
    with pytest.raises(BadRequest, match="could not be decoded as utf-8"):
        yaml_handler.parse(b"a: caf\xe9", "utf-8")


def test_yaml_limits_are_adjustable() -> None:
    small = YAMLHandler(max_depth=3, max_alias_nodes=5)
    assert small.parse(b"[[[1]]]", None) == [[[1]]]
    with pytest.raises(BadRequest, match="nested more than 3 levels deep"):
        small.parse(b"[[[[1]]]]", None)
    assert small.parse(b"a: &a [1, 2]\nb: *a", None) == {"a": [1, 2], "b": [1, 2]}
    with pytest.raises(BadRequest, match="by more than 5 nodes"):
        small.parse(b"a: &a [1, 2]\nb: *a\nc: *a", None)
    # A modest, legitimate use of anchors passes the default limits.
    assert len(YAMLHandler().parse(billion_laughs(levels=3, width=9), None)["l2"]) == 9


@pytest.mark.parametrize(
    ("media_type", "served"),
    [
        ("application/yaml", True),
        ("application/openapi+yaml", True),
        ("application/problem+yaml", True),
        ("application/x-yaml", True),  # RFC 9512 §2.1's deprecated aliases
        ("text/yaml", True),
        ("text/x-yaml", True),
        ("application/json", False),
        ("text/plain", False),
        ("application/yaml-seq", False),
    ],
)
def test_yaml_matches(yaml_handler: YAMLHandler, media_type: str, served: bool) -> None:
    assert yaml_handler.matches(media_type) is served


# -- MediaRegistry ---------------------------------------------------------------------


def test_default_registry() -> None:
    assert [h.media_type for h in default_registry()] == [
        "application/json",
        "application/yaml",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ]
    registry = Api().media  # the browsable API extension adds HTML after YAML
    assert [h.media_type for h in registry] == [
        "application/json",
        "application/yaml",
        "text/html",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ]
    # The browsable API is on by default, after JSON and YAML: JSON stays the default.
    assert [h.media_type for h in registry.serializers()] == [
        "application/json",
        "application/yaml",
        "text/html",
    ]
    assert isinstance(registry.for_media_type("text/html"), HTMLHandler)
    assert [type(h) for h in registry.parsers()] == [JSONHandler, YAMLHandler]
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


def test_registry_remove() -> None:
    registry = Api().media
    html = registry.remove("text/html")
    assert isinstance(html, HTMLHandler)
    assert registry.for_media_type("text/html") is None
    assert [h.media_type for h in registry.serializers()] == [
        "application/json",
        "application/yaml",
    ]
    assert [type(h) for h in registry.parsers()] == [JSONHandler, YAMLHandler]
    assert [type(h) for h in registry.parsers(form=True)] == [FormHandler, MultipartHandler]
    with pytest.raises(KeyError, match="text/html"):
        registry.remove("text/html")  # already gone
    with pytest.raises(KeyError, match="text/csv"):
        registry.remove("text/csv")  # never there
    assert len(list(registry)) == 4  # a failed removal changes nothing
    # Removing a parser takes it out of the body parsers too.
    assert isinstance(registry.remove("application/yaml"), YAMLHandler)
    assert [type(h) for h in registry.parsers()] == [JSONHandler]
    assert registry.body_parsers()["json"] == registry.parsers()
    registry.add(html)
    assert [h.media_type for h in registry.serializers()] == ["application/json", "text/html"]


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
    prefer = client.get("/stock", headers={"Accept": "application/json;q=0.5, text/csv"})
    assert prefer.content_type == "text/csv"
    # Among equally acceptable text types, server preference: the default HTML
    # handler was registered before CSV.
    text = client.get("/stock", headers={"Accept": "application/json;q=0.5, text/*"})
    assert text.mimetype == "text/html"
    assert client.get("/stock", headers={"Accept": "text/plain"}).json["available"] == [
        "application/json",
        "application/yaml",
        "text/html",
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
    ] == ["application/json", "application/yaml", "text/csv"]


def test_csv_appears_in_the_spec(api: Api) -> None:
    put = api.openapi()["paths"]["/stock"]["put"]
    # HTML is only a representation, not request content.
    assert list(put["requestBody"]["content"]) == [
        "application/json",
        "application/yaml",
        "text/csv",
    ]
    assert list(put["responses"]["200"]["content"]) == [
        "application/json",
        "application/yaml",
        "text/html",
        "text/csv",
    ]
    assert list(api.openapi()["components"]["responses"]["NotAcceptable"]["content"]) == [
        "application/problem+json",
        "application/problem+yaml",
        "text/html",
        "text/csv",
    ]


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
    # A client asking for CSV only gets the problem as CSV (the default rendering).
    as_csv = client.get("/nowhere", headers={"Accept": "text/csv"})
    assert as_csv.status_code == 404
    assert as_csv.content_type == "text/csv"
    assert as_csv.text.splitlines()[1].startswith("about:blank,Not Found,404,")


# -- removing a handler: the browsable API off ------------------------------------------

CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def test_browsers_get_the_browsable_api_by_default(api: Api) -> None:
    client = api.test_client()
    page = client.get("/stock", headers={"Accept": CHROME})
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert page.headers["Vary"] == "Accept"
    error = client.get("/nowhere", headers={"Accept": CHROME})
    assert error.status_code == 404
    assert error.mimetype == "text/html"
    assert client.get("/stock").content_type == "application/json"  # still the default


def test_remove_media_handler_switches_the_browsable_api_off(api: Api) -> None:
    client = api.test_client()
    assert "text/html" in api.openapi()["paths"]["/stock"]["get"]["responses"]["200"]["content"]
    removed = api.remove_media_handler("text/html")
    assert isinstance(removed, HTMLHandler)
    assert api.media.for_media_type("text/html") is None
    # A browser now gets JSON: its */* accepts it (RFC 9110 §12.5.1).
    resp = client.get("/stock", headers={"Accept": CHROME})
    assert resp.status_code == 200
    assert resp.content_type == "application/json"
    assert resp.json == [{"name": "apple", "qty": 3}, {"name": "pear", "qty": 0}]
    missing = client.get("/nowhere", headers={"Accept": CHROME})
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    # HTML alone is no longer acceptable, and ?format=html is unknown.
    only_html = client.get("/stock", headers={"Accept": "text/html"})
    assert only_html.status_code == 406
    assert only_html.json["available"] == ["application/json", "application/yaml", "text/csv"]
    assert client.get("/stock?format=html").status_code == 406


def test_remove_media_handler_takes_html_out_of_the_spec(api: Api) -> None:
    api.openapi()  # cached: the removal must refresh it
    api.remove_media_handler("text/html")
    spec = api.openapi()
    stock = spec["paths"]["/stock"]
    assert list(stock["get"]["responses"]["200"]["content"]) == [
        "application/json",
        "application/yaml",
        "text/csv",
    ]
    fmt = next(p for p in stock["get"]["parameters"] if p["name"] == "format")
    assert fmt["schema"]["enum"] == ["json", "yaml", "csv"]
    for component in spec["components"]["responses"].values():
        assert list(component["content"]) == [
            "application/problem+json",
            "application/problem+yaml",
            "text/csv",
        ]
    assert "text/html" not in json.dumps(spec)


def test_remove_media_handler_of_an_unknown_type(api: Api) -> None:
    with pytest.raises(KeyError, match="application/xml"):
        api.remove_media_handler("application/xml")
    api.remove_media_handler("text/html")
    with pytest.raises(KeyError, match="text/html"):
        api.remove_media_handler("text/html")
    assert [h.media_type for h in api.media.serializers()] == [
        "application/json",
        "application/yaml",
        "text/csv",
    ]
