"""Pagination: offset/limit, page/size and cursor styles, RFC 8288 links, the spec."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest
from openapi_spec_validator import validate

from heron import Api, Page, Request, Resource, Response, arguments, paginate, response
from heron.features.pagination import decode_cursor, encode_cursor

BASE = "http://localhost/items"


class ItemSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True)


class TagQuery(ma.Schema):
    tag = ma.fields.List(ma.fields.Str())


def items(count: int) -> list[dict[str, Any]]:
    return [{"id": i, "name": f"item {i}"} for i in range(1, count + 1)]


def offset_api(count: int = 25, **options: Any) -> Api:
    data = items(count)

    class Items(Resource):
        @paginate(**{"default_size": 10, **options})
        @arguments(TagQuery, location="query")
        @response(200, ItemSchema, many=True)
        def get(self, req: Request, query: dict[str, Any], page: Page) -> Any:
            assert "offset" not in query and "limit" not in query and "page" not in query
            return page.slice(data)

    api = Api("Paginated", "1.0.0")
    api.add_resource(Items, "/items")
    return api


def links(*pairs: tuple[str, str]) -> str:
    return ", ".join(f'<{BASE}?{query}>; rel="{rel}"' for rel, query in pairs)


# -- offset / limit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected_ids", "link"),
    [
        (
            "",
            range(1, 11),
            links(
                ("first", "offset=0&limit=10"),
                ("next", "offset=10&limit=10"),
                ("last", "offset=20&limit=10"),
            ),
        ),
        (
            "?offset=10",
            range(11, 21),
            links(
                ("first", "offset=0&limit=10"),
                ("prev", "offset=0&limit=10"),
                ("next", "offset=20&limit=10"),
                ("last", "offset=20&limit=10"),
            ),
        ),
        (
            "?offset=20&limit=10",
            range(21, 26),
            links(
                ("first", "offset=0&limit=10"),
                ("prev", "offset=10&limit=10"),
                ("last", "offset=20&limit=10"),
            ),
        ),
        (
            "?offset=5&limit=5",
            range(6, 11),
            links(
                ("first", "offset=0&limit=5"),
                ("prev", "offset=0&limit=5"),
                ("next", "offset=10&limit=5"),
                ("last", "offset=20&limit=5"),
            ),
        ),
        (
            "?offset=3&limit=5",  # not on a page boundary: prev stops at 0
            range(4, 9),
            links(
                ("first", "offset=0&limit=5"),
                ("prev", "offset=0&limit=5"),
                ("next", "offset=8&limit=5"),
                ("last", "offset=20&limit=5"),
            ),
        ),
        (
            "?offset=40",  # past the end: an empty page
            range(0),
            links(
                ("first", "offset=0&limit=10"),
                ("prev", "offset=30&limit=10"),
                ("last", "offset=20&limit=10"),
            ),
        ),
    ],
    ids=["first", "middle", "last", "middle-size-5", "unaligned", "past-the-end"],
)
def test_offset_pages(query: str, expected_ids: range, link: str) -> None:
    resp = offset_api().test_client().get("/items" + query)
    assert resp.status_code == 200
    assert [item["id"] for item in resp.json] == list(expected_ids)
    assert resp.headers["Link"] == link
    assert resp.headers["X-Total-Count"] == "25"


def test_a_single_page_and_an_empty_collection() -> None:
    single = offset_api(count=4).test_client().get("/items")
    assert single.headers["Link"] == links(
        ("first", "offset=0&limit=10"), ("last", "offset=0&limit=10")
    )
    assert single.headers["X-Total-Count"] == "4"
    exact = offset_api(count=10).test_client().get("/items")
    assert 'rel="next"' not in exact.headers["Link"]
    empty = offset_api(count=0).test_client().get("/items")
    assert empty.json == []
    assert empty.headers["Link"] == links(
        ("first", "offset=0&limit=10"), ("last", "offset=0&limit=10")
    )
    assert empty.headers["X-Total-Count"] == "0"


def test_links_keep_the_other_query_parameters() -> None:
    client = offset_api().test_client()
    resp = client.get("/items?tag=a&limit=5&tag=b%20c&format=json&offset=5")
    assert resp.headers["Link"] == ", ".join(
        f'<{BASE}?tag=a&tag=b+c&format=json&{query}>; rel="{rel}"'
        for rel, query in [
            ("first", "offset=0&limit=5"),
            ("prev", "offset=0&limit=5"),
            ("next", "offset=10&limit=5"),
            ("last", "offset=20&limit=5"),
        ]
    )
    head = client.head("/items?offset=20")
    assert head.headers["Link"].endswith('<http://localhost/items?offset=20&limit=10>; rel="last"')


def test_relative_links_and_a_script_root() -> None:
    client = offset_api(absolute_links=False).test_client()
    resp = client.get("/items?offset=20", base_url="http://example.org/api/")
    assert resp.headers["Link"] == (
        '</api/items?offset=0&limit=10>; rel="first", '
        '</api/items?offset=10&limit=10>; rel="prev", '
        '</api/items?offset=20&limit=10>; rel="last"'
    )
    absolute = offset_api().test_client().get("/items", base_url="https://example.org/api/")
    assert absolute.headers["Link"].startswith(
        '<https://example.org/api/items?offset=0&limit=10>; rel="first"'
    )


@pytest.mark.parametrize(
    ("query", "path", "message"),
    [
        ("?limit=0", "limit", "Must be greater than or equal to 1"),
        ("?limit=101", "limit", "less than or equal to 100"),
        ("?limit=ten", "limit", "Not a valid integer."),
        ("?offset=-1", "offset", "Must be greater than or equal to 0."),
    ],
)
def test_out_of_bounds_parameters_are_a_422(query: str, path: str, message: str) -> None:
    resp = offset_api().test_client().get("/items" + query)
    assert resp.status_code == 422
    [error] = resp.json["errors"]
    assert error["location"] == "query" and error["path"] == path
    assert message in error["message"]


def test_total_header_options() -> None:
    renamed = offset_api(total_header="X-Count").test_client().get("/items")
    assert renamed.headers["X-Count"] == "25" and "X-Total-Count" not in renamed.headers
    none = offset_api(total_header=None, link_header=False).test_client().get("/items")
    assert "X-Total-Count" not in none.headers and "Link" not in none.headers


def test_an_unknown_total_has_no_last_link() -> None:
    data = items(12)

    class Stream(Resource):
        @paginate(default_size=5)
        def get(self, req: Request, page: Page) -> Any:
            return data[page.offset : page.offset + page.limit], {"X-Source": "stream"}

    api = Api()
    api.add_resource(Stream, "/items")
    client = api.test_client()
    first = client.get("/items")
    assert first.headers["Link"] == links(
        ("first", "offset=0&limit=5"), ("next", "offset=5&limit=5")
    )
    assert "X-Total-Count" not in first.headers
    assert first.headers["X-Source"] == "stream"  # the handler's headers are kept
    last = client.get("/items?offset=10")
    assert last.headers["Link"] == links(
        ("first", "offset=0&limit=5"), ("prev", "offset=5&limit=5")
    )


# -- page / size ------------------------------------------------------------------------------


def page_api(count: int = 25, **options: Any) -> Api:
    data = items(count)

    class Items(Resource):
        @paginate("page", default_size=10, **options)
        @response(200, ItemSchema, many=True)
        def get(self, req: Request, page: Page) -> Any:
            assert page.offset == (page.number - 1) * page.size  # type: ignore[operator]
            return page.slice(data), 200

    api = Api()
    api.add_resource(Items, "/items")
    return api


@pytest.mark.parametrize(
    ("query", "first_id", "link"),
    [
        (
            "",
            1,
            links(
                ("first", "page=1&size=10"), ("next", "page=2&size=10"), ("last", "page=3&size=10")
            ),
        ),
        (
            "?page=2",
            11,
            links(
                ("first", "page=1&size=10"),
                ("prev", "page=1&size=10"),
                ("next", "page=3&size=10"),
                ("last", "page=3&size=10"),
            ),
        ),
        (
            "?page=3",
            21,
            links(
                ("first", "page=1&size=10"), ("prev", "page=2&size=10"), ("last", "page=3&size=10")
            ),
        ),
        (
            "?page=5&size=5",
            21,
            links(("first", "page=1&size=5"), ("prev", "page=4&size=5"), ("last", "page=5&size=5")),
        ),
    ],
    ids=["first", "middle", "last", "last-size-5"],
)
def test_page_style(query: str, first_id: int, link: str) -> None:
    resp = page_api().test_client().get("/items" + query)
    assert resp.json[0]["id"] == first_id
    assert resp.headers["Link"] == link
    assert resp.headers["X-Total-Count"] == "25"


def test_page_style_edges() -> None:
    empty = page_api(count=0).test_client().get("/items")
    assert empty.headers["Link"] == links(("first", "page=1&size=10"), ("last", "page=1&size=10"))
    zero = page_api().test_client().get("/items?page=0")
    assert zero.status_code == 422 and zero.json["errors"][0]["path"] == "page"
    big = page_api().test_client().get("/items?size=500")
    assert big.status_code == 422 and big.json["errors"][0]["path"] == "size"


# -- cursors ------------------------------------------------------------------------------------


def cursor_api(count: int = 7, secret: str | None = None) -> Api:
    data = items(count)

    class Items(Resource):
        @paginate("cursor", default_size=3, max_size=3, cursor_secret=secret)
        @response(200, ItemSchema, many=True)
        def get(self, req: Request, page: Page) -> Any:
            position = page.cursor or {}
            if "before" in position:
                chosen = [i for i in data if i["id"] < position["before"]][-page.limit :]
            else:
                chosen = [i for i in data if i["id"] > position.get("after", 0)][: page.limit]
            if chosen and chosen[-1]["id"] < data[-1]["id"]:
                page.next_cursor = {"after": chosen[-1]["id"]}
            if chosen and chosen[0]["id"] > data[0]["id"]:
                page.prev_cursor = {"before": chosen[0]["id"]}
            return chosen

    api = Api()
    api.add_resource(Items, "/items")
    return api


def parse_links(header: str) -> dict[str, str]:
    found = {}
    for part in header.split(", "):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return found


@pytest.mark.parametrize("secret", [None, "s3cret"])
def test_cursor_pages_follow_next_and_prev(secret: str | None) -> None:
    client = cursor_api(secret=secret).test_client()
    first = client.get("/items")
    assert [i["id"] for i in first.json] == [1, 2, 3]
    next_cursor = encode_cursor({"after": 3}, secret)
    assert first.headers["Link"] == links(
        ("first", "limit=3"), ("next", f"cursor={next_cursor}&limit=3")
    )
    seen = [i["id"] for i in first.json]
    url = parse_links(first.headers["Link"])["next"]
    while True:
        resp = client.get(url)
        seen.extend(i["id"] for i in resp.json)
        rels = parse_links(resp.headers["Link"])
        assert "last" not in rels
        if "next" not in rels:
            break
        url = rels["next"]
    assert seen == list(range(1, 8))
    back = client.get(rels["prev"])
    assert [i["id"] for i in back.json] == [4, 5, 6]


def test_cursors_are_opaque_and_checked() -> None:
    assert decode_cursor(encode_cursor({"after": 3})) == {"after": 3}
    signed = encode_cursor({"after": 3}, "k")
    assert decode_cursor(signed, "k") == {"after": 3}
    payload = signed.split(".")[0]
    forged = encode_cursor({"after": 0}).split(".")[0] + "." + signed.split(".")[1]
    for bad in ("!!!", "e30", payload, forged, signed + "x", payload + ".%%%"):
        with pytest.raises(ValueError):
            decode_cursor(bad, "k")
    with pytest.raises(ValueError):
        decode_cursor(signed)  # a signature where none is expected
    client = cursor_api(secret="k").test_client()
    for bad in ("not-base64!", encode_cursor({"after": 3}), forged):
        resp = client.get("/items", query_string={"cursor": bad})
        assert resp.status_code == 422
        assert resp.json["errors"] == [
            {"location": "query", "path": "cursor", "message": "Invalid cursor."}
        ]
    unsigned = cursor_api().test_client()
    assert unsigned.get("/items?cursor=%7B%7D").status_code == 422  # not base64url JSON


def test_page_slice_is_not_for_cursors() -> None:
    with pytest.raises(TypeError):
        Page("cursor", 3).slice([1, 2, 3])
    page = Page("offset", 2, offset=1)
    assert page.slice("abcd") == ["b", "c"] and page.total == 4 and page.size == 2


# -- the envelope ---------------------------------------------------------------------------


def test_envelope() -> None:
    api = offset_api(count=3, envelope=True, link_header=False, default_size=2)
    resp = api.test_client().get("/items?offset=2")
    assert resp.json == {
        "items": [{"id": 3, "name": "item 3"}],
        "total": 3,
        "links": {
            "first": f"{BASE}?offset=0&limit=2",
            "prev": f"{BASE}?offset=0&limit=2",
            "last": f"{BASE}?offset=2&limit=2",
        },
    }
    assert "Link" not in resp.headers and resp.headers["X-Total-Count"] == "3"
    spec = api.openapi()
    validate(spec)
    assert spec["paths"]["/items"]["get"]["operationId"] == "listItems"  # still a list
    ok = spec["paths"]["/items"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ItemPage"}
    envelope = spec["components"]["schemas"]["ItemPage"]
    assert envelope["properties"]["items"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Item"},
    }
    assert envelope["required"] == ["items"]
    yaml = api.test_client().get("/items", headers={"Accept": "application/yaml"})
    assert yaml.data.startswith(b"items:")


# -- declarations and the spec --------------------------------------------------------------


def test_declaration_errors() -> None:
    class Limited(ma.Schema):
        limit = ma.fields.Int()

    class Clash(Resource):
        @paginate()
        @arguments(Limited, location="query")
        def get(self, req: Request, query: Any, page: Page) -> Any: ...

    class Post(Resource):
        @paginate()
        def post(self, req: Request, page: Page) -> Any: ...

    class NoList(Resource):
        @paginate(envelope=True)
        @response(200, ItemSchema)
        def get(self, req: Request, page: Page) -> Any: ...

    with pytest.raises(ValueError, match="Limited already has limit"):
        Api().add_resource(Clash, "/a")
    with pytest.raises(ValueError, match="for GET operations, not POST"):
        Api().add_resource(Post, "/b")
    with pytest.raises(ValueError, match="needs a list response"):
        Api().add_resource(NoList, "/c")
    with pytest.raises(ValueError, match="Unknown pagination style"):
        paginate("keyset")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="default_size <= max_size"):
        paginate(default_size=50, max_size=10)


def test_a_query_schema_instance_keeps_its_modifiers() -> None:
    class Query(ma.Schema):
        tag = ma.fields.Str()
        hidden = ma.fields.Str()

    class Items(Resource):
        @paginate()
        @arguments(Query(only=("tag",)), location="query")
        def get(self, req: Request, query: Any, page: Page) -> Any:
            return [query]

    api = Api()
    api.add_resource(Items, "/items")
    client = api.test_client()
    assert client.get("/items?tag=x&limit=1").json == [{"tag": "x"}]
    assert client.get("/items?hidden=x").status_code == 422
    names = [p["name"] for p in api.openapi()["paths"]["/items"]["get"]["parameters"]]
    assert names == ["tag", "offset", "limit", "format"]


def test_the_spec_documents_parameters_and_headers() -> None:
    api = offset_api()
    for version in ("3.1.0", "3.0.3"):
        validate(api.openapi(version))
    get = api.openapi()["paths"]["/items"]["get"]
    params = {p["name"]: p for p in get["parameters"]}
    assert params["offset"]["schema"] == {"type": "integer", "default": 0, "minimum": 0}
    assert params["limit"]["schema"] == {
        "type": "integer",
        "default": 10,
        "minimum": 1,
        "maximum": 100,
    }
    assert params["tag"]["schema"]["type"] == "array"
    headers = get["responses"]["200"]["headers"]
    assert set(headers) == {"Link", "X-Total-Count"}
    assert "RFC 8288" in headers["Link"]["description"]
    assert headers["X-Total-Count"]["schema"] == {"type": "integer", "minimum": 0}
    assert "422" in get["responses"]
    cursor = cursor_api().openapi()["paths"]["/items"]["get"]
    assert [p["name"] for p in cursor["parameters"]] == ["cursor", "limit", "format"]
    assert "`last`" not in cursor["responses"]["200"]["headers"]["Link"]["description"]


# -- over HTTP: a real client follows the links -----------------------------------------------

live_api = offset_api(count=23, default_size=5)


@pytest.mark.live
def test_a_client_follows_the_link_header_over_http() -> None:
    import httpx

    from conftest import heron_server

    with heron_server("tests.features.test_pagination:live_api") as base:
        seen: list[int] = []
        url: str | None = f"{base}/items?tag=x"
        pages = 0
        with httpx.Client(timeout=10) as client:
            while url:
                resp = client.get(url)
                assert resp.status_code == 200
                assert resp.headers["X-Total-Count"] == "23"
                seen.extend(item["id"] for item in resp.json())
                assert resp.links["first"]["url"] == f"{base}/items?tag=x&offset=0&limit=5"
                assert resp.links["last"]["url"] == f"{base}/items?tag=x&offset=20&limit=5"
                url = resp.links.get("next", {}).get("url")
                pages += 1
        assert seen == list(range(1, 24)) and pages == 5


def test_odd_handlers() -> None:
    class Headers(ma.Schema):
        x_trace = ma.fields.Str(data_key="X-Trace")

    class Raw(Resource):
        @paginate()
        def get(self, req: Request, page: Page) -> Any:
            return Response(b"[]", content_type="application/json")

    class Nothing(Resource):
        @paginate(total_header=None)
        @arguments(Headers, location="headers")
        @arguments(TagQuery, location="query")
        def get(self, req: Request, headers: Any, query: Any, page: Page) -> Any:
            return None

    class Twice(Resource):
        @paginate(envelope=True)
        @response(200, ItemSchema, many=True)
        def get(self, req: Request, page: Page) -> Any:
            return page.slice(items(1))

    class NoTotal(Resource):
        @paginate(envelope=True)
        @response(200, ItemSchema, many=True)
        def get(self, req: Request, page: Page) -> Any:
            return items(1)

    api = Api()
    api.add_resource(Raw, "/raw")
    api.add_resource(Nothing, "/nothing")
    api.add_resource(NoTotal, "/no-total")
    api.add_resource(Twice, "/twice")
    api.add_resource(type("Again", (Twice,), {}), "/again")  # one envelope class, reused
    client = api.test_client()
    raw = client.get("/raw")
    assert raw.json == [] and "Link" not in raw.headers  # a response is left as it is
    nothing = client.get("/nothing")
    assert nothing.json == [] and nothing.headers["Link"] == (
        '<http://localhost/nothing?offset=0&limit=20>; rel="first"'
    )
    assert client.get("/again").json["total"] == 1
    assert set(client.get("/no-total").json) == {"items", "links"}
    headers = api.openapi()["paths"]["/nothing"]["get"]["responses"]["200"]["headers"]
    assert list(headers) == ["Link"]
    with pytest.raises(ValueError):
        decode_cursor(encode_cursor(1, "k").split(".")[0] + ".a", "k")  # bad padding
