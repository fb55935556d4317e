"""Arguments from every location, validated into one 422 problem (RFC 9110, RFC 9457)."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import marshmallow as ma
import pytest
from werkzeug.test import EnvironBuilder

from heron import Api, Request, Resource, UnprocessableContent, arguments
from heron.core.arguments import ArgumentLoader, collect_arguments
from heron.core.features import Call
from heron.core.validation import InvalidArguments, flatten_errors

PROBLEM = "application/problem+json"


class DimensionsSchema(ma.Schema):
    width = ma.fields.Int(required=True, validate=ma.validate.Range(min=1))
    height = ma.fields.Int(required=True)


class ItemSchema(ma.Schema):
    name = ma.fields.Str(required=True)
    dimensions = ma.fields.Nested(DimensionsSchema, required=True)
    tags = ma.fields.List(ma.fields.Str())
    price = ma.fields.Decimal(as_string=True)


class FilterSchema(ma.Schema):
    tag = ma.fields.List(ma.fields.Str())
    limit = ma.fields.Int(load_default=10, validate=ma.validate.Range(min=1, max=100))
    since = ma.fields.Date()


class HeaderSchema(ma.Schema):
    request_id = ma.fields.Str(data_key="X-Request-ID", required=True)
    tags = ma.fields.List(ma.fields.Str(), data_key="X-Tag")


class CookieSchema(ma.Schema):
    session = ma.fields.Str(required=True)


class ReportPath(ma.Schema):
    day = ma.fields.Date(required=True)
    version = ma.fields.Int(required=True, validate=ma.validate.Range(min=1))


class UploadSchema(ma.Schema):
    title = ma.fields.Str(required=True)
    tags = ma.fields.List(ma.fields.Str())
    file = ma.fields.Raw()


class NoteSchema(ma.Schema):
    text = ma.fields.Str(required=True)


VALID_ITEM = {"name": "box", "dimensions": {"width": 2, "height": 3}, "tags": ["a"]}


@pytest.fixture
def api() -> Api:
    api = Api()
    calls: list[str] = []
    api.calls = calls  # type: ignore[attr-defined]

    @api.route("/items")
    class Items(Resource):
        @arguments(ItemSchema)
        @arguments(FilterSchema, location="query")
        def post(self, req: Request, body: dict[str, Any], query: dict[str, Any]) -> Any:
            calls.append("post")
            return {"body": ItemSchema().dump(body), "query": FilterSchema().dump(query)}

        @arguments(FilterSchema, location="query")
        def get(self, req: Request, query: dict[str, Any]) -> Any:
            return FilterSchema().dump(query)

    @api.route("/reports/<day>/v<int:version>")
    class Report(Resource):
        @arguments(ReportPath, location="path")
        def get(self, req: Request, day: dt.date, version: int) -> Any:
            return {"day": day.isoformat(), "weekday": day.isoweekday(), "version": version}

    @api.route("/whoami")
    class WhoAmI(Resource):
        @arguments(HeaderSchema, location="headers")
        @arguments(CookieSchema, location="cookies")
        def get(self, req: Request, headers: dict[str, Any], cookies: dict[str, Any]) -> Any:
            return {"headers": headers, "cookies": cookies}

    @api.route("/uploads")
    class Uploads(Resource):
        @arguments(UploadSchema, location="form")
        def post(self, req: Request, form: dict[str, Any]) -> Any:
            upload = form.get("file")
            return {
                "title": form["title"],
                "tags": form.get("tags", []),
                "file": None
                if upload is None
                else {"name": upload.filename, "content": upload.read().decode()},
            }

    @api.route("/notes")
    class Notes(Resource):
        @arguments(NoteSchema, required=False)
        def post(self, req: Request, body: dict[str, Any] | None) -> Any:
            return {"body": body}

        @arguments(NoteSchema, name="note")
        def put(self, req: Request, note: dict[str, Any]) -> Any:
            return {"note": note}

    return api


def errors_of(resp: Any) -> list[dict[str, str]]:
    assert resp.status_code == 422
    assert resp.content_type == PROBLEM
    errors: list[dict[str, str]] = resp.json["errors"]
    return errors


def by_path(errors: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, str]]:
    return {(e["location"], e["path"]): e for e in errors}


# -- every location --------------------------------------------------------------------


def test_json_body_and_query(api: Api) -> None:
    resp = api.test_client().post(
        "/items?tag=x&tag=y&limit=5", json={**VALID_ITEM, "price": "9.50"}
    )
    assert resp.status_code == 200
    assert resp.json == {
        "body": {**VALID_ITEM, "price": "9.50"},
        "query": {"tag": ["x", "y"], "limit": 5},
    }
    assert api.calls == ["post"]  # type: ignore[attr-defined]


def test_query_defaults_and_single_values(api: Api) -> None:
    client = api.test_client()
    assert client.get("/items").json == {"limit": 10}
    assert client.get("/items?tag=solo&since=2024-02-29").json == {
        "tag": ["solo"],
        "limit": 10,
        "since": "2024-02-29",
    }


def test_path_schema_loads_path_parameters(api: Api) -> None:
    resp = api.test_client().get("/reports/2024-03-01/v2")
    assert resp.status_code == 200
    assert resp.json == {"day": "2024-03-01", "weekday": 5, "version": 2}


def test_path_schema_errors_are_422(api: Api) -> None:
    errors = by_path(errors_of(api.test_client().get("/reports/yesterday/v0")))
    assert set(errors) == {("path", "day"), ("path", "version")}
    assert errors["path", "day"]["message"] == "Not a valid date."
    assert "pointer" not in errors["path", "day"]


def test_headers_and_cookies(api: Api) -> None:
    client = api.test_client()
    client.set_cookie("session", "s3cr3t")
    client.set_cookie("other", "ignored")
    resp = client.get(
        "/whoami",
        headers=[("x-request-id", "r-1"), ("X-Tag", "a"), ("X-Tag", "b"), ("X-Other", "1")],
    )
    assert resp.status_code == 200
    assert resp.json == {
        "headers": {"request_id": "r-1", "tags": ["a", "b"]},
        "cookies": {"session": "s3cr3t"},
    }


def test_list_headers_split_on_commas(api: Api) -> None:
    client = api.test_client()
    client.set_cookie("session", "s")
    resp = client.get("/whoami", headers={"X-Request-ID": "r, 2", "X-Tag": 'a, b,, "c, d"'})
    assert resp.json["headers"] == {"request_id": "r, 2", "tags": ["a", "b", "c, d"]}


def test_missing_headers_and_cookies(api: Api) -> None:
    errors = by_path(errors_of(api.test_client().get("/whoami")))
    assert set(errors) == {("headers", "X-Request-ID"), ("cookies", "session")}
    assert errors["headers", "X-Request-ID"]["message"] == "Missing data for required field."


def test_urlencoded_form(api: Api) -> None:
    resp = api.test_client().post(
        "/uploads",
        data="title=Hello+world&tags=a&tags=b",
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code == 200
    assert resp.json == {"title": "Hello world", "tags": ["a", "b"], "file": None}


def test_multipart_form_with_a_file(api: Api) -> None:
    resp = api.test_client().post(
        "/uploads",
        data={"title": "report", "tags": ["x"], "file": (io.BytesIO(b"a,b\n1,2\n"), "r.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    assert resp.json == {
        "title": "report",
        "tags": ["x"],
        "file": {"name": "r.csv", "content": "a,b\n1,2\n"},
    }


def test_form_errors(api: Api) -> None:
    resp = api.test_client().post(
        "/uploads", data={"tags": "x", "extra": "1"}, content_type="multipart/form-data"
    )
    errors = by_path(errors_of(resp))
    assert set(errors) == {("form", "title"), ("form", "extra")}
    assert errors["form", "extra"]["message"] == "Unknown field."


def test_json_to_a_form_operation_is_415(api: Api) -> None:
    resp = api.test_client().post("/uploads", json={"title": "x"})
    assert resp.status_code == 415
    assert resp.json["accepted"] == ["application/x-www-form-urlencoded", "multipart/form-data"]


def test_custom_argument_name(api: Api) -> None:
    resp = api.test_client().put("/notes", json={"text": "hi"})
    assert resp.json == {"note": {"text": "hi"}}


# -- one problem listing every bad field -----------------------------------------------


def test_every_bad_field_is_listed_in_one_problem(api: Api) -> None:
    resp = api.test_client().post(
        "/items?limit=0&since=never&bogus=1",
        json={
            "name": 7,
            "dimensions": {"width": 0},
            "tags": ["ok", 5, None],
            "colour": "red",
        },
    )
    errors = errors_of(resp)
    assert resp.json["status"] == 422
    assert resp.json["title"] == "Unprocessable Content"
    assert resp.json["type"] == "about:blank"
    assert resp.json["instance"] == "/items"
    for error in errors:
        assert error["location"] in ("json", "query")
        assert isinstance(error["message"], str) and error["message"]
    found = by_path(errors)
    assert set(found) == {
        ("json", "name"),
        ("json", "dimensions.width"),
        ("json", "dimensions.height"),
        ("json", "tags.1"),
        ("json", "tags.2"),
        ("json", "colour"),
        ("query", "limit"),
        ("query", "since"),
        ("query", "bogus"),
    }
    assert found["json", "dimensions.width"]["pointer"] == "#/dimensions/width"
    assert found["json", "tags.1"]["pointer"] == "#/tags/1"
    assert found["json", "dimensions.height"]["message"] == "Missing data for required field."
    assert found["json", "colour"]["message"] == "Unknown field."
    assert found["query", "limit"]["message"].startswith("Must be greater than or equal to 1")
    assert "pointer" not in found["query", "limit"]
    assert resp.json["detail"].startswith("The request has 9 invalid fields: ")
    assert resp.json["detail"].endswith("; ...")
    assert api.calls == []  # type: ignore[attr-defined]


def test_validation_failure_is_invalid_arguments_with_marshmallow_messages() -> None:
    seen: list[Any] = []
    api = Api()

    @api.error_handler(UnprocessableContent)
    def keep(req: Request, error: UnprocessableContent) -> Any:
        seen.append(error)
        return error  # answered as usual

    api.add_resource(_items_resource(), "/items")
    resp = api.test_client().post("/items?limit=0", json={"name": 7, "dimensions": {"width": 0}})
    errors = errors_of(resp)
    [error] = seen
    assert isinstance(error, InvalidArguments)
    assert error.messages == {
        "json": {
            "name": ["Not a valid string."],
            "dimensions": {
                "width": ["Must be greater than or equal to 1."],
                "height": ["Missing data for required field."],
            },
        },
        "query": {"limit": ["Must be greater than or equal to 1 and less than or equal to 100."]},
    }
    # The document is built from the same messages, in argument order.
    assert errors == error.errors == error.extensions["errors"]
    assert [(e["location"], e["path"]) for e in errors] == [
        ("json", "name"),
        ("json", "dimensions.width"),
        ("json", "dimensions.height"),
        ("query", "limit"),
    ]
    assert str(error) == error.detail == resp.json["detail"]


def test_missing_body_is_a_schema_message() -> None:
    seen: list[Any] = []
    api = Api(problem_formatter=lambda req, error: seen.append(error) or error.to_problem())
    api.add_resource(_items_resource(), "/items")
    resp = api.test_client().post("/items")
    assert resp.json["errors"] == [
        {"location": "json", "path": "", "message": "A request body is required."}
    ]
    assert seen[0].messages == {"json": {"_schema": ["A request body is required."]}}
    seen[0].messages["json"]["_schema"].append("changed by a formatter")
    again = api.test_client().post("/items")
    assert again.json["errors"] == resp.json["errors"]  # each failure has its own messages


def test_formatter_sending_messages_skips_the_problem_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def messages_only(req: Request, error: Any) -> Any:
        if isinstance(error, InvalidArguments):
            return {"errors": error.messages}
        return error.to_problem()

    api = Api(problem_formatter=messages_only)
    api.add_resource(_items_resource(), "/items")

    def never(*args: Any) -> None:
        raise AssertionError("the errors list was built")

    monkeypatch.setattr("heron.core.validation._flatten", never)
    resp = api.test_client().post("/items", json={"name": "box"})
    assert resp.status_code == 422
    assert resp.content_type == "application/json"  # not RFC 9457 problem details
    assert resp.json == {"errors": {"json": {"dimensions": ["Missing data for required field."]}}}


def test_the_argument_loader_returns_what_collect_arguments_returns() -> None:
    """One loader: the feature answers with the failure the function returns."""
    api = Api()
    api.add_resource(_items_resource(), "/items")
    op = next(r for r in api.router if r.rule == "/items").operations["POST"]
    (loader,) = [f for f in op.features if isinstance(f, ArgumentLoader)]
    environ = EnvironBuilder(path="/items", method="POST", json={"name": 1}).get_environ()
    req = Request(environ, api)
    parsers = api.media.by_location
    returned = collect_arguments(req, op, {}, parsers)
    assert isinstance(returned, InvalidArguments)
    environ = EnvironBuilder(path="/items", method="POST", json={"name": 1}).get_environ()
    answered = loader.before(Request(environ, api), Call(op, {}, None, ""))
    assert isinstance(answered, InvalidArguments)
    assert answered.messages == returned.messages
    assert answered.to_problem() == returned.to_problem()


def test_hooks_see_validation_failures_like_raised_errors() -> None:
    api = Api()
    seen: list[Any] = []
    api.after_request(lambda req, resp: seen.append(("after", resp.status_code)))
    api.teardown_request(lambda req, failure: seen.append(("teardown", failure)))
    api.add_resource(_items_resource(), "/items")
    resp = api.test_client().post("/items", json={})
    assert resp.status_code == 422
    assert seen == [("after", 422), ("teardown", None)]


def _items_resource() -> type[Resource]:
    class Items(Resource):
        @arguments(ItemSchema)
        @arguments(FilterSchema, location="query")
        def post(self, req: Request, body: dict[str, Any], query: dict[str, Any]) -> Any:
            return {}

    return Items


def test_flatten_errors_under_a_prefix() -> None:
    messages = {"a/b": ["bad"], 0: {"_schema": ["whole item"]}, "_schema": ["top"]}
    assert flatten_errors(messages, "json", ("x~y", "1")) == [
        {"location": "json", "path": "x~y.1.a/b", "message": "bad", "pointer": "#/x~0y/1/a~1b"},
        {"location": "json", "path": "x~y.1.0", "message": "whole item", "pointer": "#/x~0y/1/0"},
        {"location": "json", "path": "x~y.1", "message": "top", "pointer": "#/x~0y/1"},
    ]
    assert flatten_errors(["one", 2], "query") == [
        {"location": "query", "path": "", "message": "one"},
        {"location": "query", "path": "", "message": "2"},
    ]


def test_pointer_escapes_and_schema_level_errors() -> None:
    class Odd(ma.Schema):
        a_b = ma.fields.Int(data_key="a/b~c")
        low = ma.fields.Int()
        high = ma.fields.Int()

        @ma.validates_schema
        def check(self, data: dict[str, Any], **kwargs: Any) -> None:
            if data.get("low", 0) > data.get("high", 0):
                raise ma.ValidationError("low must not exceed high.")

    api = Api()

    @api.route("/odd")
    class OddResource(Resource):
        @arguments(Odd)
        def post(self, req: Request, body: dict[str, Any]) -> Any:
            return body

    client = api.test_client()
    (error,) = errors_of(client.post("/odd", json={"a/b~c": "x"}))
    assert error == {
        "location": "json",
        "path": "a/b~c",
        "message": "Not a valid integer.",
        "pointer": "#/a~1b~0c",
    }
    (error,) = errors_of(client.post("/odd", json={"low": 5, "high": 1}))
    assert error == {
        "location": "json",
        "path": "",
        "message": "low must not exceed high.",
        "pointer": "#",
    }
    (error,) = errors_of(client.post("/odd", json=[1, 2]))
    assert (error["path"], error["pointer"]) == ("", "#")


# -- unknown fields --------------------------------------------------------------------


def unknown_api(app_unknown: str, arg_unknown: str | None) -> Any:
    api = Api(unknown=app_unknown)

    @api.route("/notes")
    class Notes(Resource):
        @arguments(NoteSchema, unknown=arg_unknown)
        @arguments(FilterSchema, location="query")
        def post(self, req: Request, body: dict[str, Any], query: dict[str, Any]) -> Any:
            return {"body": body, "query": FilterSchema().dump(query)}

    return api.test_client()


def test_unknown_fields_are_rejected_by_default() -> None:
    resp = unknown_api("raise", None).post("/notes?x=1", json={"text": "t", "extra": 1})
    assert set(by_path(errors_of(resp))) == {("json", "extra"), ("query", "x")}


def test_app_wide_exclude() -> None:
    resp = unknown_api("exclude", None).post("/notes?x=1", json={"text": "t", "extra": 1})
    assert resp.status_code == 200
    assert resp.json == {"body": {"text": "t"}, "query": {"limit": 10}}


def test_per_argument_override_of_the_app_policy() -> None:
    lenient_body = unknown_api("raise", "exclude").post("/notes?x=1", json={"text": "t", "e": 1})
    assert set(by_path(errors_of(lenient_body))) == {("query", "x")}
    strict_body = unknown_api("exclude", "raise").post("/notes?x=1", json={"text": "t", "e": 1})
    assert set(by_path(errors_of(strict_body))) == {("json", "e")}
    include = unknown_api("raise", "include").post("/notes", json={"text": "t", "e": 1})
    assert include.json["body"] == {"text": "t", "e": 1}


def test_invalid_unknown_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown must be"):
        Api(unknown="ignore")


# -- malformed content: 400 ------------------------------------------------------------


def post_raw(api: Api, data: bytes, content_type: str = "application/json") -> Any:
    return api.test_client().post("/items", data=data, content_type=content_type)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"name": "box",', "Expecting property name enclosed in double quotes"),
        (b"{'name': 'box'}", "Expecting property name enclosed in double quotes"),
        (b'{"name": "box"} trailing', "Extra data"),
        (b"   ", "Expecting value"),
        (b"nul", "Expecting value"),
    ],
)
def test_malformed_json_is_400_naming_the_error(api: Api, data: bytes, message: str) -> None:
    resp = post_raw(api, data)
    assert resp.status_code == 400
    assert resp.content_type == PROBLEM
    assert resp.json["title"] == "Bad Request"
    assert message in resp.json["detail"]
    assert "line 1 column" in resp.json["detail"]
    assert api.calls == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_400(api: Api, constant: str) -> None:
    resp = post_raw(api, f'{{"name": "n", "dimensions": {{"width": {constant}}}}}'.encode())
    assert resp.status_code == 400
    assert f"{constant} is not a JSON value" in resp.json["detail"]


def test_invalid_utf8_is_400(api: Api) -> None:
    resp = post_raw(api, b'{"name": "caf\xe9"}')
    assert resp.status_code == 400
    assert "UTF-8" in resp.json["detail"]


def test_unknown_charset_is_415(api: Api) -> None:
    """RFC 9110 §15.5.16: content in an encoding the server cannot read is unsupported."""
    resp = post_raw(api, b"{}", "application/json; charset=no-such-charset")
    assert resp.status_code == 415
    assert "no-such-charset" in resp.json["detail"]
    assert resp.headers["Accept-Post"] == "application/json, application/yaml"


@pytest.mark.parametrize("data", [b"[" * 100_000, b'{"a":' * 100_000])
def test_deeply_nested_json_is_400_not_500(api: Api, data: bytes) -> None:
    resp = post_raw(api, data)
    assert resp.status_code == 400
    assert "nested too deeply" in resp.json["detail"]


# -- presence of content ---------------------------------------------------------------


def test_missing_required_body_is_422(api: Api) -> None:
    for resp in (
        api.test_client().post("/items"),
        api.test_client().post("/items", content_type="application/json"),
    ):
        (error,) = errors_of(resp)
        assert error == {
            "location": "json",
            "path": "",
            "message": "A request body is required.",
        }


def test_optional_body_gives_none(api: Api) -> None:
    client = api.test_client()
    assert client.post("/notes").json == {"body": None}
    assert client.post("/notes", json={"text": "x"}).json == {"body": {"text": "x"}}


def test_empty_json_body_on_get_is_ignored(api: Api) -> None:
    resp = api.test_client().get("/items?limit=3", data=b"", content_type="application/json")
    assert resp.status_code == 200
    assert resp.json == {"limit": 3}


def test_content_sent_to_an_operation_without_body_is_ignored(api: Api) -> None:
    resp = api.test_client().get("/items", data=b"not json", content_type="text/plain")
    assert resp.status_code == 200


# -- content types ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/x-www-form-urlencoded", "text/json"],
)
def test_unsupported_content_type_is_415_listing_accepted_types(
    api: Api, content_type: str
) -> None:
    resp = post_raw(api, json.dumps(VALID_ITEM).encode(), content_type)
    assert resp.status_code == 415
    assert resp.content_type == PROBLEM
    assert resp.json["accepted"] == ["application/json", "application/yaml"]
    assert resp.headers["Accept-Post"] == "application/json, application/yaml"
    assert content_type in resp.json["detail"]
    assert "application/json" in resp.json["detail"]


def test_content_without_content_type_is_415(api: Api) -> None:
    resp = api.test_client().post("/items", data=json.dumps(VALID_ITEM))
    assert resp.status_code == 415
    assert "without a Content-Type" in resp.json["detail"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON",
        "application/merge-patch+json",
        "application/vnd.example.item+json; charset=utf-8",
    ],
)
def test_json_media_types_are_accepted(api: Api, content_type: str) -> None:
    resp = post_raw(api, json.dumps(VALID_ITEM).encode(), content_type)
    assert resp.status_code == 200, resp.json
    assert resp.json["body"] == VALID_ITEM


def test_charset_parameter_is_used_to_decode(api: Api) -> None:
    body = json.dumps({**VALID_ITEM, "name": "café"}, ensure_ascii=False).encode("latin-1")
    resp = post_raw(api, body, "application/json; charset=iso-8859-1")
    assert resp.status_code == 200
    assert resp.json["body"]["name"] == "café"


def test_non_ascii_utf8_without_charset(api: Api) -> None:
    body = json.dumps({**VALID_ITEM, "name": "日本"}, ensure_ascii=False).encode()
    assert post_raw(api, body).json["body"]["name"] == "日本"


# -- declarations checked at registration ----------------------------------------------


def test_unknown_location_is_rejected() -> None:
    with pytest.raises(ValueError, match="Unknown argument location 'body'"):
        arguments(NoteSchema, location="body")  # type: ignore[arg-type]


def test_two_arguments_for_one_location_are_rejected() -> None:
    class Twice(Resource):
        @arguments(NoteSchema, location="query")
        @arguments(FilterSchema, location="query", name="other")
        def get(self, req: Request, **kwargs: Any) -> Any:
            return {}

    with pytest.raises(ValueError, match="location 'query'"):
        Api().add_resource(Twice, "/twice")


def test_json_and_form_together_are_rejected() -> None:
    class Both(Resource):
        @arguments(NoteSchema)
        @arguments(UploadSchema, location="form")
        def post(self, req: Request, **kwargs: Any) -> Any:
            return {}

    with pytest.raises(ValueError, match="either 'json' or 'form'"):
        Api().add_resource(Both, "/both")
