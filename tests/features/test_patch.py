"""PATCH: JSON Merge Patch (RFC 7396), JSON Patch (RFC 6902), errors, the spec."""

from __future__ import annotations

import copy
import json
from typing import Any

import marshmallow as ma
import pytest
from openapi_spec_validator import validate

from heron import (
    Api,
    NotFound,
    Request,
    Resource,
    Response,
    Validators,
    arguments,
    conditional,
    patch_body,
    response,
)
from heron.features.patch import (
    JSON_PATCH,
    MERGE_PATCH,
    apply_json_patch,
    merge_patch,
    patch_schema,
)

# RFC 7396 Appendix A: (original, patch, result).
APPENDIX_A = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), APPENDIX_A)
def test_rfc_7396_appendix_a(original: Any, patch: Any, result: Any) -> None:
    kept = copy.deepcopy(original)
    assert merge_patch(original, patch) == result
    assert original == kept  # the target is not changed


class DimensionsSchema(ma.Schema):
    width = ma.fields.Float(required=True)
    height = ma.fields.Float(required=True)


class PetSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True, validate=ma.validate.Length(min=1))
    tag = ma.fields.Str(load_default=None, allow_none=True)
    tags = ma.fields.List(ma.fields.Str(), load_default=list)
    dimensions = ma.fields.Nested(DimensionsSchema, load_default=None, allow_none=True)


def fresh_pet() -> dict[str, Any]:
    return {"id": 1, "name": "Rex", "tag": "dog", "tags": ["good"], "dimensions": None}


class Pet(Resource):
    def __init__(self) -> None:
        self.pets = {1: fresh_pet()}
        self.saved: list[dict[str, Any]] = []

    @response(200, PetSchema)
    def get(self, req: Request, pet_id: int) -> Any:
        if pet_id not in self.pets:
            raise NotFound(f"No pet {pet_id}.")
        return self.pets[pet_id]

    @patch_body(PetSchema, example={"tag": None})
    @response(200, PetSchema)
    def patch(self, req: Request, pet_id: int, body: dict[str, Any]) -> Any:
        self.saved.append(body)
        self.pets[pet_id] = {"id": pet_id, **body}
        return self.pets[pet_id]


def make_api() -> tuple[Api, Pet]:
    api = Api("Patch", "1.0.0")
    pet = Pet()
    api.add_resource(pet, "/pets/<int:pet_id>")
    return api, pet


def send(client: Any, document: Any, media_type: str = MERGE_PATCH, url: str = "/pets/1") -> Any:
    return client.patch(url, data=json.dumps(document), content_type=media_type)


# -- merge patch ------------------------------------------------------------------------------


@pytest.mark.parametrize("media_type", [MERGE_PATCH, "application/json"])
def test_merge_patch_changes_only_what_it_names(media_type: str) -> None:
    api, pet = make_api()
    resp = send(api.test_client(), {"name": "Max", "dimensions": {"width": 2, "height": 3}})
    assert resp.status_code == 200
    assert resp.json == {
        "id": 1,
        "name": "Max",
        "tag": "dog",
        "tags": ["good"],
        "dimensions": {"width": 2.0, "height": 3.0},
    }
    # The handler gets the whole document, loaded by the full schema, as a PUT would.
    assert pet.saved == [
        {"name": "Max", "tag": "dog", "tags": ["good"], "dimensions": {"width": 2.0, "height": 3.0}}
    ]


def test_null_removes_and_nested_objects_merge() -> None:
    api, pet = make_api()
    client = api.test_client()
    send(client, {"dimensions": {"width": 2, "height": 3}})
    resp = send(client, {"tag": None, "dimensions": {"width": 5}, "tags": ["a", "b"]})
    assert resp.status_code == 200
    assert resp.json["tag"] is None  # removed: its load_default applies
    assert resp.json["dimensions"] == {"width": 5.0, "height": 3.0}
    assert resp.json["tags"] == ["a", "b"]  # arrays are replaced whole
    resp = send(client, {"dimensions": None})
    assert resp.json["dimensions"] is None


def test_read_only_members_are_ignored() -> None:
    api, _ = make_api()
    resp = send(api.test_client(), {"id": 99, "name": "Ida"})
    assert resp.status_code == 200 and resp.json["id"] == 1


@pytest.mark.parametrize(
    ("document", "path", "message"),
    [
        ({"name": None}, "name", "Missing data for required field."),
        ({"name": ""}, "name", "Shorter than minimum length 1."),
        ({"dimensions": {"width": 1}}, "dimensions.height", "Missing data for required field."),
        ({"nickname": "x"}, "nickname", "Unknown field."),
        ("replace everything", "", "Invalid input type."),
    ],
)
def test_an_invalid_result_is_a_422(document: Any, path: str, message: str) -> None:
    api, pet = make_api()
    resp = send(api.test_client(), document)
    assert resp.status_code == 422
    assert any(e["path"] == path and e["message"] == message for e in resp.json["errors"])
    assert resp.json["errors"][0]["location"] == "json"
    assert pet.pets[1] == fresh_pet() and pet.saved == []


@pytest.mark.parametrize(("original", "patch", "result"), APPENDIX_A)
def test_appendix_a_through_the_api(original: Any, patch: Any, result: Any) -> None:
    """Each case applied to a member, through HTTP: ``{"doc": original}`` + ``{"doc": patch}``."""

    class Note(Resource):
        doc: Any = copy.deepcopy(original)

        @response(200, ma.Schema.from_dict({"doc": ma.fields.Raw(allow_none=True)}))
        def get(self, req: Request) -> Any:
            return {"doc": self.doc}

        @patch_body(ma.Schema.from_dict({"doc": ma.fields.Raw(load_default=None)}))
        def patch(self, req: Request, body: dict[str, Any]) -> Any:
            self.doc = body["doc"]
            return body

    api = Api()
    api.add_resource(Note, "/note")
    resp = send(api.test_client(), {"doc": patch}, url="/note")
    assert resp.status_code == 200
    assert resp.json == {"doc": result}


# -- JSON Patch ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operations", "changes"),
    [
        ([{"op": "add", "path": "/tags/-", "value": "new"}], {"tags": ["good", "new"]}),
        ([{"op": "add", "path": "/tags/0", "value": "first"}], {"tags": ["first", "good"]}),
        ([{"op": "remove", "path": "/tag"}], {"tag": None}),
        ([{"op": "replace", "path": "/name", "value": "Max"}], {"name": "Max"}),
        ([{"op": "move", "from": "/tag", "path": "/name"}], {"name": "dog", "tag": None}),
        ([{"op": "copy", "from": "/name", "path": "/tag"}], {"tag": "Rex"}),
        (
            [
                {"op": "test", "path": "/name", "value": "Rex"},
                {"op": "replace", "path": "/name", "value": "Max"},
            ],
            {"name": "Max"},
        ),
        (
            [{"op": "add", "path": "/dimensions", "value": {"width": 1, "height": 2}}],
            {"dimensions": {"width": 1.0, "height": 2.0}},
        ),
        ([{"op": "test", "path": "/id", "value": 1}], {}),  # read-only members can be tested
        ([], {}),
    ],
    ids=["add-end", "add-index", "remove", "replace", "move", "copy", "test", "add-object",
         "test-read-only", "empty"],
)  # fmt: skip
def test_json_patch_operations(operations: list[dict[str, Any]], changes: dict[str, Any]) -> None:
    api, pet = make_api()
    resp = send(api.test_client(), operations, JSON_PATCH)
    assert resp.status_code == 200, resp.json
    assert resp.json == {**fresh_pet(), **changes}


@pytest.mark.parametrize(
    ("operations", "index", "message"),
    [
        (
            [
                {"op": "replace", "path": "/name", "value": "Max"},
                {"op": "test", "path": "/tag", "value": "cat"},
            ],
            1,
            "the value at '/tag' is not the value tested",
        ),
        ([{"op": "remove", "path": "/nickname"}], 0, "can't remove a non-existent object"),
        ([{"op": "replace", "path": "/dimensions/width", "value": 1}], 0, "does not support"),
        ([{"op": "add", "path": "/tags/7", "value": "x"}], 0, "can't insert outside of list"),
        ([{"op": "copy", "from": "/missing", "path": "/tag"}], 0, "missing"),
    ],
    ids=["failed-test", "remove-missing", "into-null", "past-the-array", "copy-missing"],
)
def test_a_patch_the_state_cannot_take_is_a_409(
    operations: list[dict[str, Any]], index: int, message: str
) -> None:
    api, pet = make_api()
    resp = send(api.test_client(), operations, JSON_PATCH)
    assert resp.status_code == 409
    assert resp.json["title"] == "Conflict"
    [error] = resp.json["errors"]
    assert error["path"] == str(index) and error["pointer"] == f"#/{index}"
    assert message in error["message"]
    assert "Nothing was changed." in resp.json["detail"]
    assert pet.pets[1] == fresh_pet() and pet.saved == []  # all or nothing (RFC 6902 §5)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"op": "add"}, "array of operations"),
        (["add"], "Operation 0 of the JSON Patch is not an object."),
        ([{"op": "frobnicate", "path": "/a"}], "Unknown operation"),
        ([{"path": "/name"}], "does not contain 'op'"),
        ([{"op": "add", "path": "/name"}], "'value'"),
        ([{"op": "add", "path": "name", "value": 1}], "is not a JSON Pointer"),
        ([{"op": "move", "from": "/a~2", "path": "/b"}], "from '/a~2' is not a JSON Pointer"),
    ],
)
def test_a_malformed_json_patch_is_a_400(document: Any, message: str) -> None:
    api, pet = make_api()
    resp = send(api.test_client(), document, JSON_PATCH)
    assert resp.status_code == 400
    assert message in resp.json["detail"]
    assert pet.saved == []


def test_a_json_patch_result_is_validated_too() -> None:
    api, _ = make_api()
    resp = send(api.test_client(), [{"op": "replace", "path": "/name", "value": 5}], JSON_PATCH)
    assert resp.status_code == 422
    assert resp.json["errors"] == [
        {"location": "json", "path": "name", "message": "Not a valid string."}
    ]  # no pointer: it would point into the patched document, not the content


def test_apply_json_patch_leaves_the_target_alone() -> None:
    target = {"a": {"b": [1]}}
    assert apply_json_patch(target, [{"op": "add", "path": "/a/b/-", "value": 2}]) == {
        "a": {"b": [1, 2]}
    }
    assert target == {"a": {"b": [1]}}
    assert apply_json_patch(target, [{"op": "replace", "path": "", "value": 3}]) == 3


# -- content, media types, 404 -----------------------------------------------------------------


def test_other_media_types_are_a_415_with_accept_patch() -> None:
    api, _ = make_api()
    client = api.test_client()
    accept_patch = f"{MERGE_PATCH}, {JSON_PATCH}, application/json"
    for media_type in ("application/yaml", "text/plain", "application/vnd.other+json"):
        resp = client.patch("/pets/1", data="{}", content_type=media_type)
        assert resp.status_code == 415, media_type
        assert resp.headers["Accept-Patch"] == accept_patch
        assert resp.json["accepted"] == accept_patch.split(", ")
    assert client.options("/pets/1").headers["Accept-Patch"] == accept_patch  # RFC 5789 §3.1


def test_missing_and_malformed_content() -> None:
    api, _ = make_api()
    client = api.test_client()
    empty = client.patch("/pets/1", content_type=MERGE_PATCH)
    assert empty.status_code == 422
    assert empty.json["errors"][0]["message"] == "A request body is required."
    broken = client.patch("/pets/1", data="{", content_type=MERGE_PATCH)
    assert broken.status_code == 400 and "Malformed JSON" in broken.json["detail"]
    assert send(client, {"name": "x"}, url="/pets/2").status_code == 404


def test_options_choose_the_formats() -> None:
    class Strict(Resource):
        def get(self, req: Request) -> Any:
            return {"name": "a"}

        @patch_body(PetSchema, json_patch=False, plain_json=False)
        def patch(self, req: Request, body: Any) -> Any:
            return body

    class Ops(Resource):
        def current(self, req: Request) -> Any:
            return {"name": "from current"}

        def get(self, req: Request) -> Any:
            raise AssertionError("current= is used instead")

        @patch_body(PetSchema, merge=False, current="current")
        def patch(self, req: Request, body: Any) -> Any:
            return body

    api = Api()
    api.add_resource(Strict, "/strict")
    api.add_resource(Ops, "/ops")
    client = api.test_client()
    assert send(client, {"name": "b"}, "application/json", "/strict").status_code == 415
    assert send(client, {"name": "b"}, url="/strict").json["name"] == "b"
    assert send(client, {"name": "b"}, url="/ops").status_code == 415
    ok = send(
        client, [{"op": "test", "path": "/name", "value": "from current"}], JSON_PATCH, "/ops"
    )
    assert ok.status_code == 200 and ok.json["name"] == "from current"
    assert client.options("/ops").headers["Accept-Patch"] == JSON_PATCH
    spec = api.openapi()
    assert list(spec["paths"]["/ops"]["patch"]["requestBody"]["content"]) == [JSON_PATCH]
    assert "409" not in spec["paths"]["/strict"]["patch"]["responses"]


def test_current_as_a_callable_and_a_missing_state() -> None:
    state: dict[str, Any] = {}

    class Doc(Resource):
        @patch_body(PetSchema, current=lambda req, doc_id: state.get(doc_id))
        def patch(self, req: Request, doc_id: int, body: Any) -> Any:
            state[doc_id] = body
            return body

    api = Api()
    api.add_resource(Doc, "/docs/<int:doc_id>")
    client = api.test_client()
    missing = send(client, {"name": "x"}, url="/docs/1")
    assert missing.status_code == 404  # None: no current state to patch
    state[1] = {"name": "a", "tag": "t"}
    assert send(client, {"tag": None}, url="/docs/1").json == {
        "name": "a",
        "tag": None,
        "tags": [],
        "dimensions": None,
    }


def test_declaration_errors() -> None:
    class NoGet(Resource):
        @patch_body(PetSchema)
        def patch(self, req: Request, body: Any) -> Any: ...

    class GetWithQuery(Resource):
        @arguments(ma.Schema.from_dict({"q": ma.fields.Str()}), location="query")
        def get(self, req: Request, query: Any) -> Any: ...

        @patch_body(PetSchema)
        def patch(self, req: Request, body: Any) -> Any: ...

    class OnPut(Resource):
        @patch_body(PetSchema)
        def put(self, req: Request, body: Any) -> Any: ...

    class Nothing(Resource):
        @patch_body(PetSchema, current="nope")
        def patch(self, req: Request, body: Any) -> Any: ...

    class NoFormat(Resource):
        @patch_body(PetSchema, merge=False, json_patch=False)
        def patch(self, req: Request, body: Any) -> Any: ...

    for resource, message in [
        (NoGet, "needs current="),
        (GetWithQuery, "needs current="),
        (OnPut, "for PATCH operations, not PUT"),
        (Nothing, "Nothing has no method 'nope'"),
        (NoFormat, "needs merge=True or json_patch=True"),
    ]:
        with pytest.raises(ValueError, match=message):
            Api().add_resource(resource, "/x")


# -- with conditional requests ---------------------------------------------------------------


def test_patch_with_if_match() -> None:
    versions = {"v": 1}
    doc = {"name": "a"}

    class Versioned(Resource):
        def validators(self, req: Request) -> Validators:
            return Validators(str(versions["v"]))

        @conditional("validators")
        def get(self, req: Request) -> Any:
            return doc

        @conditional("validators", required=True)
        @patch_body(PetSchema)
        def patch(self, req: Request, body: Any) -> Any:
            doc.update(body)
            versions["v"] += 1
            return doc

    api = Api()
    api.add_resource(Versioned, "/doc")
    client = api.test_client()
    assert send(client, {"name": "b"}, url="/doc").status_code == 428
    etag = client.get("/doc").headers["ETag"]
    ok = client.patch(
        "/doc", data='{"name": "b"}', content_type=MERGE_PATCH, headers={"If-Match": etag}
    )
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2-json"'
    stale = client.patch(
        "/doc", data='{"name": "c"}', content_type=MERGE_PATCH, headers={"If-Match": etag}
    )
    assert stale.status_code == 412 and doc["name"] == "b"


# -- the derived schema and the spec -----------------------------------------------------------


def test_patch_schema_is_optional_and_nullable() -> None:
    schema = patch_schema(PetSchema())
    assert set(schema.fields) == {"name", "tag", "tags", "dimensions"}  # no read-only id
    assert not any(f.required for f in schema.fields.values())
    assert all(f.allow_none for f in schema.fields.values())
    assert schema.load({"name": None, "dimensions": {"width": None}}) == {
        "name": None,
        "dimensions": {"width": None},
    }
    assert type(patch_schema(PetSchema())) is type(schema)  # one class per schema


def test_the_spec_documents_both_patch_formats() -> None:
    api, _ = make_api()
    for version in ("3.1.0", "3.0.3"):
        validate(api.openapi(version))
    spec = api.openapi()
    operation = spec["paths"]["/pets/{pet_id}"]["patch"]
    body = operation["requestBody"]
    assert body["required"] is True
    assert body["content"] == {
        MERGE_PATCH: {
            "schema": {"$ref": "#/components/schemas/PetPatch"},
            "example": {"tag": None},
        },
        JSON_PATCH: {"schema": {"$ref": "#/components/schemas/JSONPatch"}},
        "application/json": {
            "schema": {"$ref": "#/components/schemas/PetPatch"},
            "example": {"tag": None},
        },
    }
    assert "RFC 7396" in body["description"] and "RFC 6902" in body["description"]
    assert set(operation["responses"]) == {"200", "400", "404", "406", "409", "415", "422"}
    assert operation["responses"]["409"] == {"$ref": "#/components/responses/PatchConflict"}
    schemas = spec["components"]["schemas"]
    assert "PetPartial" not in schemas
    pet_patch = schemas["PetPatch"]
    assert "required" not in pet_patch
    assert pet_patch["properties"]["name"]["type"] == ["string", "null"]
    assert pet_patch["properties"]["dimensions"] == {
        "anyOf": [{"$ref": "#/components/schemas/DimensionsPatch"}, {"type": "null"}]
    }
    assert pet_patch["properties"]["tags"]["type"] == ["array", "null"]
    assert "required" not in schemas["DimensionsPatch"]
    assert schemas["JSONPatch"]["items"] == {"$ref": "#/components/schemas/JSONPatchOperation"}
    assert schemas["JSONPatchOperation"]["properties"]["op"]["enum"] == [
        "add",
        "remove",
        "replace",
        "move",
        "copy",
        "test",
    ]
    old = api.openapi("3.0.3")["components"]["schemas"]["PetPatch"]["properties"]["name"]
    assert old == {"type": "string", "minLength": 1, "nullable": True}


def test_patch_names_keep_modifiers_and_do_not_collide_with_partial() -> None:
    class Renamed(ma.Schema):
        name = ma.fields.Str(required=True)

        class Meta:
            openapi_name = "Animal"

    class A(Resource):
        def get(self, req: Request) -> Any:
            return {}

        @arguments(PetSchema(partial=True))
        def put(self, req: Request, body: Any) -> Any:
            return body

        @patch_body(PetSchema(exclude=("tags",)))
        def patch(self, req: Request, body: Any) -> Any:
            return body

    class B(Resource):
        def get(self, req: Request) -> Any:
            return {}

        @patch_body(Renamed)
        def patch(self, req: Request, body: Any) -> Any:
            return body

    api = Api()
    api.add_resource(A, "/a")
    api.add_resource(B, "/b")
    names = set(api.openapi()["components"]["schemas"])
    assert {"PetPartial", "PetWithoutTagsPatch", "AnimalPatch"} <= names


def test_the_current_state_from_a_get_returning_a_tuple_or_a_response() -> None:
    class Tuple(Resource):
        def get(self, req: Request) -> Any:
            return {"name": "a"}, {"X-Source": "tuple"}

        @patch_body(PetSchema)
        def patch(self, req: Request, body: Any) -> Any:
            return body

    class Raw(Resource):
        def get(self, req: Request) -> Any:
            return Response(b"{}")

        @patch_body(PetSchema)
        def patch(self, req: Request, body: Any) -> Any:
            return body

    api = Api()
    api.add_resource(Tuple, "/tuple")
    api.add_resource(Raw, "/raw")
    client = api.test_client()
    assert send(client, {"tag": "t"}, url="/tuple").json["tag"] == "t"
    assert send(client, {"tag": "t"}, url="/raw").status_code == 500  # give current=


def test_a_patch_body_takes_the_content_alone() -> None:
    class Both(Resource):
        def get(self, req: Request) -> Any:
            return {}

        @patch_body(PetSchema)
        @arguments(PetSchema)
        def patch(self, req: Request, body: Any) -> Any: ...

    class Named(Resource):
        def get(self, req: Request) -> Any:
            return {}

        @patch_body(PetSchema, name="query")
        @arguments(ma.Schema.from_dict({"q": ma.fields.Str()}), location="query")
        def patch(self, req: Request, query: Any) -> Any: ...

    with pytest.raises(ValueError, match="remove the json argument 'body'"):
        Api().add_resource(Both, "/both")
    with pytest.raises(ValueError, match="remove the query argument 'query'"):
        Api().add_resource(Named, "/named")


def test_other_arguments_sit_beside_the_patch() -> None:
    class WithQuery(Resource):
        def get(self, req: Request) -> Any:
            return {"name": "a"}

        @patch_body(PetSchema)
        @arguments(
            ma.Schema.from_dict({"dry_run": ma.fields.Bool(load_default=False)}), location="query"
        )
        def patch(self, req: Request, query: Any, body: Any) -> Any:
            return {**body, "name": f"{body['name']} {query['dry_run']}"}

    api = Api()
    api.add_resource(WithQuery, "/q")
    resp = send(api.test_client(), {"tag": "x"}, url="/q?dry_run=true")
    assert resp.json["name"] == "a True" and resp.json["tag"] == "x"


# -- over HTTP -------------------------------------------------------------------------------

live_api, _live_pet = make_api()


@pytest.mark.live
def test_patch_over_http() -> None:
    import http.client

    from conftest import heron_server

    with heron_server("tests.features.test_patch:live_api") as base:
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)

        def patch(document: Any, media_type: str) -> tuple[int, dict[str, str], Any]:
            body = json.dumps(document)
            conn.request("PATCH", "/pets/1", body=body, headers={"Content-Type": media_type})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), json.loads(resp.read())

        status, _, pet = patch({"tag": None, "dimensions": {"width": 1, "height": 2}}, MERGE_PATCH)
        assert status == 200 and pet["tag"] is None and pet["dimensions"]["height"] == 2.0
        status, _, pet = patch([{"op": "add", "path": "/tags/-", "value": "x"}], JSON_PATCH)
        assert status == 200 and pet["tags"] == ["good", "x"]
        status, _, problem = patch([{"op": "test", "path": "/name", "value": "Max"}], JSON_PATCH)
        assert status == 409 and problem["errors"][0]["path"] == "0"
        status, headers, problem = patch({}, "application/yaml")
        assert status == 415
        assert headers["Accept-Patch"] == f"{MERGE_PATCH}, {JSON_PATCH}, application/json"
        conn.request("OPTIONS", "/pets/1")
        options = conn.getresponse()
        options.read()
        assert options.status == 204 and "Accept-Patch" in dict(options.getheaders())
        conn.close()


def test_a_plain_patch_handler_announces_no_patch_formats() -> None:
    class Plain(Resource):
        @arguments(PetSchema(partial=True))
        def patch(self, req: Request, body: Any) -> Any:
            return body

    api = Api()
    api.add_resource(Plain, "/plain")
    resp = api.test_client().options("/plain")
    assert resp.headers["Allow"] == "OPTIONS, PATCH" and "Accept-Patch" not in resp.headers
