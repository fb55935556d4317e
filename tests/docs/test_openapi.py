"""The generated OpenAPI document: valid, named well, and true to the operations."""

from __future__ import annotations

import json
import re
from typing import Any

import marshmallow as ma
import pytest
import yaml
from openapi_spec_validator import validate
from werkzeug.routing import BaseConverter

from heron import Api, Blueprint, Request, Resource, arguments, doc, response
from heron.media import MediaHandler
from tests.apps import create_app

VERSIONS = ("3.0.3", "3.1.0")
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
#: An HTML page is documented as a string, not with the schema.
HTML_CONTENT = {"schema": {"type": "string"}}
#: Errors are negotiated too: JSON, YAML and the HTML error page (on by default).
PROBLEM_CONTENT = {
    "application/problem+json": {"schema": PROBLEM_REF},
    "application/problem+yaml": {"schema": PROBLEM_REF},
    "text/html": HTML_CONTENT,
}


class PetSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True)
    owner_name = ma.fields.Str()
    tag = ma.fields.Str(allow_none=True)


class PetQuery(ma.Schema):
    limit = ma.fields.Int(validate=ma.validate.Range(min=1, max=100))
    tag = ma.fields.List(ma.fields.Str())


class TraceHeaders(ma.Schema):
    request_id = ma.fields.Str(data_key="X-Request-ID", required=True)


class SessionCookies(ma.Schema):
    session = ma.fields.Str()


class PhotoForm(ma.Schema):
    caption = ma.fields.Str(required=True)
    photo = ma.fields.Raw(metadata={"type": "string", "format": "binary"})


class Slug(BaseConverter):
    regex = r"[a-z-]+"
    openapi_schema = {"type": "string", "pattern": "^[a-z-]+$"}


class Year(BaseConverter):
    regex = r"\d{4}"


def build_app(openapi_version: str = "3.1.0") -> Api:
    api = Api(
        "Zoo",
        "2.0.0",
        description="A **zoo**.",
        openapi_version=openapi_version,
        converters={"slug": Slug, "year": Year},
        servers=[{"url": "https://zoo.example/api"}],
        info={"license": {"name": "MIT"}, "x-audience": "public"},
    )
    api.converter_schemas[Year] = {"type": "integer", "minimum": 1900, "maximum": 2100}
    api.register_blueprint(pets_blueprint())
    api.register_blueprint(zoo_blueprint())

    @api.route("/health", include_in_schema=False)
    class Health(Resource):
        def get(self, req: Request) -> Any:
            return {"ok": True}

    return api


def pets_blueprint() -> Blueprint:
    pets = Blueprint("pets", url_prefix="/pets", description="Everything about pets.")

    @pets.route("/")
    class Pets(Resource):
        @arguments(PetQuery, location="query")
        @response(200, PetSchema, many=True, headers={"X-Total-Count": "How many pets exist."})
        def get(self, req: Request, query: dict[str, Any]) -> Any:
            """List pets.

            Sorted by name. Use `tag` to filter.
            """
            return []

        @arguments(PetSchema, description="The pet to add.", example={"name": "Rex"})
        @response(
            201,
            PetSchema,
            headers={"Location": {"description": "The new pet.", "schema": {"type": "string"}}},
        )
        @response(409, description="A pet of that name exists.")
        def post(self, req: Request, body: dict[str, Any]) -> Any:
            """Add a pet."""
            return body, 201

    @pets.route("/<int:pet_id>")
    class Pet(Resource):
        @arguments(TraceHeaders, location="headers")
        @arguments(SessionCookies, location="cookies")
        @response(200, PetSchema)
        def get(self, req: Request, pet_id: int, headers: Any, cookies: Any) -> Any:
            """Get a pet."""
            return {}

        @arguments(PetSchema)
        @response(200, PetSchema)
        def put(self, req: Request, pet_id: int, body: Any) -> Any:
            return body

        @arguments(PetSchema(partial=True), required=False)
        @response(200, PetSchema)
        def patch(self, req: Request, pet_id: int, body: Any) -> Any:
            return body

        @response(204)
        def delete(self, req: Request, pet_id: int) -> None:
            return None

    @pets.route("/<int:pet_id>/photos")
    class PetPhotos(Resource):
        @arguments(PhotoForm, location="form")
        @response(201, PetSchema(only=("id", "name")))
        def post(self, req: Request, pet_id: int, form: Any) -> Any:
            return {}

    return pets


def zoo_blueprint() -> Blueprint:
    zoo = Blueprint("zoo", tag="Zoo keeping")

    @zoo.route("/enclosures/<slug:name>/<year:built>")
    class Enclosure(Resource):
        tags = ("Buildings",)

        @doc(
            operation_id="inspectEnclosure",
            summary="Inspect",
            description="Walk around.",
            deprecated=True,
            **{"x-internal": True},
        )
        def get(self, req: Request, name: str, built: str) -> Any:
            """Ignored summary."""
            return {}

        @doc(include_in_schema=False)
        def delete(self, req: Request, name: str, built: str) -> None:
            return None

    @zoo.route("/keepers/<uuid:keeper_id>/<float:weight>/<any(day, night):shift>/<path:notes>")
    class Keeper(Resource):
        @response(200, PetSchema(exclude=("owner_name",)))
        def get(self, req: Request, **kwargs: Any) -> Any:
            return {}

    @zoo.route("/signed/<int(signed=True):delta>/<int(min=1, max=12):month>")
    class Delta(Resource):
        def get(self, req: Request, delta: int, month: int) -> Any:
            return {}

    return zoo


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def spec(version: str) -> dict[str, Any]:
    return build_app(version).openapi()


def operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    result: dict[str, Any] = spec["paths"][path][method]
    return result


# -- validity --------------------------------------------------------------------------


def test_spec_is_valid(version: str, spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"] == version
    assert next(iter(spec)) == "openapi"


def test_sample_app_spec_is_valid(version: str) -> None:
    validate(create_app(version).openapi())


def test_spec_for_the_other_version_on_request() -> None:
    api = build_app("3.1.0")
    old = api.openapi("3.0.3")
    validate(old)
    assert old["openapi"] == "3.0.3"
    assert api.openapi()["openapi"] == "3.1.0"
    nullable = old["components"]["schemas"]["Pet"]["properties"]["tag"]
    assert nullable == {"type": "string", "nullable": True}
    assert api.openapi()["components"]["schemas"]["Pet"]["properties"]["tag"] == {
        "type": ["string", "null"]
    }


def test_unsupported_versions_are_rejected() -> None:
    with pytest.raises(ValueError, match="openapi_version"):
        Api(openapi_version="2.0")
    with pytest.raises(ValueError, match="openapi_version"):
        Api().openapi("3.2.0")


def test_info_servers_and_tags(spec: dict[str, Any]) -> None:
    assert spec["info"]["title"] == "Zoo"
    assert spec["info"]["version"] == "2.0.0"
    assert spec["info"]["description"] == "A **zoo**."
    assert spec["info"]["license"] == {"name": "MIT"}
    assert spec["info"]["x-audience"] == "public"
    assert spec["servers"] == [{"url": "https://zoo.example/api"}]
    assert spec["tags"] == [
        {"name": "pets", "description": "Everything about pets."},
        {"name": "Zoo keeping"},
    ]


def test_only_documented_routes_and_methods(spec: dict[str, Any]) -> None:
    assert list(spec["paths"]) == [
        "/pets/",
        "/pets/{pet_id}",
        "/pets/{pet_id}/photos",
        "/enclosures/{name}/{built}",
        "/keepers/{keeper_id}/{weight}/{shift}/{notes}",
        "/signed/{delta}/{month}",
    ]
    methods = {
        path: sorted(k for k in item if k != "parameters") for path, item in spec["paths"].items()
    }
    assert methods["/pets/{pet_id}"] == ["delete", "get", "patch", "put"]
    assert methods["/enclosures/{name}/{built}"] == ["get"]  # delete left out
    assert not any("head" in m or "options" in m for m in methods.values())


# -- operations ------------------------------------------------------------------------


def test_operation_ids_are_derived(spec: dict[str, Any]) -> None:
    ids = {
        (path, method): op["operationId"]
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    }
    assert ids == {
        ("/pets/", "get"): "listPets",
        ("/pets/", "post"): "createPet",
        ("/pets/{pet_id}", "get"): "getPet",
        ("/pets/{pet_id}", "put"): "updatePet",
        ("/pets/{pet_id}", "patch"): "patchPet",
        ("/pets/{pet_id}", "delete"): "deletePet",
        ("/pets/{pet_id}/photos", "post"): "createPetPhoto",
        ("/enclosures/{name}/{built}", "get"): "inspectEnclosure",
        ("/keepers/{keeper_id}/{weight}/{shift}/{notes}", "get"): "getKeeper",
        ("/signed/{delta}/{month}", "get"): "getDelta",
    }


@pytest.mark.parametrize(
    ("collection", "item"),
    [("Pets", "Pet"), ("PetCollection", "PetItem"), ("PetList", "PetDetail")],
)
def test_operation_ids_from_class_names(collection: str, item: str) -> None:
    def get_many(self: Any, req: Request) -> Any:
        return []

    def create(self: Any, req: Request) -> Any:
        return {}

    def get_one(self: Any, req: Request, pet_id: int) -> Any:
        return {}

    api = Api()
    coll = type(
        collection,
        (Resource,),
        {"get": response(200, PetSchema, many=True)(get_many), "post": create},
    )
    one = type(item, (Resource,), {"get": get_one, "put": get_one, "delete": get_one})
    api.add_resource(coll, "/pets")
    api.add_resource(one, "/pets/<int:pet_id>")
    ops = {
        op["operationId"]
        for path_item in api.openapi()["paths"].values()
        for key, op in path_item.items()
        if key != "parameters"
    }
    assert {"listPets", "createPet", "getPet", "updatePet", "deletePet"} <= ops


def test_irregular_plurals() -> None:
    api = Api()

    class Categories(Resource):
        @response(200, PetSchema, many=True)
        def get(self, req: Request) -> Any:
            return []

        def post(self, req: Request) -> Any:
            return {}

    class Boxes(Resource):
        @response(200, PetSchema, many=True)
        def get(self, req: Request) -> Any:
            return []

        def post(self, req: Request) -> Any:
            return {}

    api.add_resource(Categories, "/categories")
    api.add_resource(Boxes, "/boxes")
    spec = api.openapi()
    assert spec["paths"]["/categories"]["get"]["operationId"] == "listCategories"
    assert spec["paths"]["/categories"]["post"]["operationId"] == "createCategory"
    assert spec["paths"]["/boxes"]["get"]["operationId"] == "listBoxes"
    assert spec["paths"]["/boxes"]["post"]["operationId"] == "createBox"


def test_duplicate_operation_id_is_rejected() -> None:
    api = Api()

    class Pets(Resource):
        def post(self, req: Request) -> Any:
            return {}

    class Animals(Resource):
        @doc(operation_id="createPet")
        def post(self, req: Request) -> Any:
            return {}

    api.add_resource(Pets, "/pets")
    with pytest.raises(ValueError, match="operationId 'createPet'.*@doc"):
        api.add_resource(Animals, "/animals")


def test_summary_and_description_from_the_docstring(spec: dict[str, Any]) -> None:
    listing = operation(spec, "/pets/", "get")
    assert listing["summary"] == "List pets."
    assert listing["description"] == "Sorted by name. Use `tag` to filter."
    create = operation(spec, "/pets/", "post")
    assert create["summary"] == "Add a pet."
    assert "description" not in create
    assert "summary" not in operation(spec, "/pets/{pet_id}", "put")


def test_doc_overrides(spec: dict[str, Any]) -> None:
    op = operation(spec, "/enclosures/{name}/{built}", "get")
    assert op["summary"] == "Inspect"
    assert op["description"] == "Walk around."
    assert op["deprecated"] is True
    assert op["x-internal"] is True


def test_tags_from_blueprints_and_resources(spec: dict[str, Any]) -> None:
    assert operation(spec, "/pets/", "get")["tags"] == ["pets"]
    assert operation(spec, "/enclosures/{name}/{built}", "get")["tags"] == [
        "Zoo keeping",
        "Buildings",
    ]


# -- parameters ------------------------------------------------------------------------


def path_params(spec: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    params = spec["paths"][path]["parameters"]
    assert all(p["in"] == "path" and p["required"] is True for p in params)
    return {p["name"]: p["schema"] for p in params}


def test_converters_become_parameter_schemas(spec: dict[str, Any]) -> None:
    assert path_params(spec, "/pets/{pet_id}") == {"pet_id": {"type": "integer", "minimum": 0}}
    assert path_params(spec, "/enclosures/{name}/{built}") == {
        "name": {"type": "string", "pattern": "^[a-z-]+$"},
        "built": {"type": "integer", "minimum": 1900, "maximum": 2100},
    }
    keeper = path_params(spec, "/keepers/{keeper_id}/{weight}/{shift}/{notes}")
    assert keeper["keeper_id"] == {"type": "string", "format": "uuid"}
    assert keeper["weight"] == {"type": "number", "format": "double", "minimum": 0}
    assert keeper["shift"] == {"type": "string", "enum": ["day", "night"]}
    assert keeper["notes"]["type"] == "string"
    assert path_params(spec, "/signed/{delta}/{month}") == {
        "delta": {"type": "integer"},
        "month": {"type": "integer", "minimum": 1, "maximum": 12},
    }


def test_query_header_and_cookie_parameters(spec: dict[str, Any]) -> None:
    query = {p["name"]: p for p in operation(spec, "/pets/", "get")["parameters"]}
    assert {p["in"] for p in query.values()} == {"query"}
    assert query["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert query["limit"]["required"] is False
    assert query["tag"]["schema"] == {"type": "array", "items": {"type": "string"}}
    assert query["tag"]["explode"] is True  # ?tag=a&tag=b, as the server reads it
    params = {p["name"]: p for p in operation(spec, "/pets/{pet_id}", "get")["parameters"]}
    assert params["X-Request-ID"]["in"] == "header"
    assert params["X-Request-ID"]["required"] is True
    assert params["session"]["in"] == "cookie"


def test_request_bodies(spec: dict[str, Any]) -> None:
    create = operation(spec, "/pets/", "post")["requestBody"]
    assert create["required"] is True
    assert create["description"] == "The pet to add."
    pet = {"schema": {"$ref": "#/components/schemas/Pet"}, "example": {"name": "Rex"}}
    # Every parser of structured documents reads a ``json`` argument.
    assert create["content"] == {"application/json": pet, "application/yaml": pet}
    patch = operation(spec, "/pets/{pet_id}", "patch")["requestBody"]
    assert patch["required"] is False
    assert patch["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PetPartial"
    }
    form = operation(spec, "/pets/{pet_id}/photos", "post")["requestBody"]
    assert list(form["content"]) == ["application/x-www-form-urlencoded", "multipart/form-data"]


# -- responses -------------------------------------------------------------------------


def test_declared_responses(spec: dict[str, Any]) -> None:
    listing = operation(spec, "/pets/", "get")["responses"]["200"]
    assert listing["description"] == "OK"
    assert listing["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Pet"},
    }
    assert listing["headers"] == {
        "X-Total-Count": {"description": "How many pets exist.", "schema": {"type": "string"}}
    }
    created = operation(spec, "/pets/", "post")["responses"]
    assert created["201"]["description"] == "Created"
    assert created["201"]["headers"]["Location"]["description"] == "The new pet."
    assert created["409"] == {
        "description": "A pet of that name exists.",
        "content": PROBLEM_CONTENT,
    }
    assert list(created["201"]["content"]) == ["application/json", "application/yaml", "text/html"]
    deleted = operation(spec, "/pets/{pet_id}", "delete")["responses"]["204"]
    assert deleted == {"description": "No Content"}


def test_undeclared_success_is_documented_as_200(spec: dict[str, Any]) -> None:
    assert operation(spec, "/signed/{delta}/{month}", "get")["responses"]["200"] == {
        "description": "OK"
    }


def refs(op: dict[str, Any]) -> dict[str, str]:
    return {s: r["$ref"] for s, r in op["responses"].items() if "$ref" in r}


def test_automatic_error_responses(spec: dict[str, Any]) -> None:
    base = "#/components/responses/"
    # Arguments validated, content read, no path parameters.
    assert refs(operation(spec, "/pets/", "post")) == {
        "400": base + "BadRequest",
        "406": base + "NotAcceptable",
        "415": base + "UnsupportedMediaType",
        "422": base + "UnprocessableContent",
    }
    # Query only: no 400/415, no 404.
    assert refs(operation(spec, "/pets/", "get")) == {
        "406": base + "NotAcceptable",
        "422": base + "UnprocessableContent",
    }
    # Path parameters only.
    assert refs(operation(spec, "/pets/{pet_id}", "delete")) == {
        "404": base + "NotFound",
        "406": base + "NotAcceptable",
    }
    assert set(refs(operation(spec, "/pets/{pet_id}", "put"))) == {
        "400",
        "404",
        "406",
        "415",
        "422",
    }
    # Responses are sorted by status.
    statuses = list(operation(spec, "/pets/{pet_id}", "put")["responses"])
    assert statuses == sorted(statuses)
    components = spec["components"]["responses"]
    assert set(components) == {
        "BadRequest",
        "ContentTooLarge",  # the photo form: multipart parts and their size are limited
        "NotFound",
        "NotAcceptable",
        "UnsupportedMediaType",
        "UnprocessableContent",
    }
    for name in components:
        assert components[name]["content"] == PROBLEM_CONTENT
    assert set(components["UnsupportedMediaType"]["headers"]) == {"Accept-Post", "Accept-Patch"}
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status"]
    assert problem["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldError"}


# -- component names -------------------------------------------------------------------


def test_component_names(spec: dict[str, Any]) -> None:
    names = set(spec["components"]["schemas"])
    assert names == {
        "FieldError",
        "Problem",
        "Pet",
        "PetPartial",
        "PetOnlyIdName",
        "PetWithoutOwnerName",
        "PhotoForm",
    }
    assert operation(spec, "/pets/{pet_id}/photos", "post")["responses"]["201"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/PetOnlyIdName"}
    only = spec["components"]["schemas"]["PetOnlyIdName"]
    assert set(only["properties"]) == {"id", "name"}


def test_meta_options_are_part_of_the_plain_name() -> None:
    class UserSchema(ma.Schema):
        id = ma.fields.Int()
        name = ma.fields.Str()
        secret = ma.fields.Str()

        class Meta:
            exclude = ("secret",)
            dump_only = ("id",)

    api = Api()

    class Users(Resource):
        @arguments(UserSchema)
        @response(201, UserSchema)
        @response(200, UserSchema(exclude=("name",)))
        def post(self, req: Request, body: Any) -> Any:
            return body

    api.add_resource(Users, "/users")
    names = set(api.openapi()["components"]["schemas"]) - {"FieldError", "Problem"}
    assert names == {"User", "UserWithoutName"}


def test_same_class_name_in_two_modules_gets_distinct_names(version: str) -> None:
    class ShopPet(ma.Schema):
        price = ma.fields.Decimal(as_string=True)

    ShopPet.__name__ = ShopPet.__qualname__ = "PetSchema"
    ShopPet.__module__ = "shop.models"

    api = Api(openapi_version=version)

    class Pets(Resource):
        @arguments(PetSchema)
        @response(201, ShopPet)
        def post(self, req: Request, body: Any) -> Any:
            return body

    api.add_resource(Pets, "/pets")
    spec = api.openapi()  # warnings are errors here: apispec's name clash warning fails
    validate(spec)
    names = set(spec["components"]["schemas"]) - {"FieldError", "Problem"}
    assert len(names) == 2
    assert "Pet" in names
    (other,) = names - {"Pet"}
    assert "Pet" in other
    assert not re.search(r"\d", other)
    post = operation(spec, "/pets", "post")
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Pet"
    }
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": f"#/components/schemas/{other}"
    }
    assert set(spec["components"]["schemas"][other]["properties"]) == {"price"}


def test_openapi_name_in_meta() -> None:
    class Internal(ma.Schema):
        x = ma.fields.Int()

        class Meta:
            openapi_name = "PublicThing"

    api = Api()

    class Things(Resource):
        @response(200, Internal)
        def get(self, req: Request) -> Any:
            return {}

    api.add_resource(Things, "/things")
    assert "PublicThing" in api.openapi()["components"]["schemas"]


# -- serving and caching ---------------------------------------------------------------


def test_spec_served_as_json_and_yaml() -> None:
    api = build_app()
    client = api.test_client()
    as_json = client.get("/openapi.json")
    assert as_json.status_code == 200
    assert as_json.mimetype == "application/json"
    assert json.loads(as_json.data) == api.openapi()
    as_yaml = client.get("/openapi.yaml")
    assert as_yaml.status_code == 200
    assert as_yaml.mimetype == "application/yaml"
    assert yaml.safe_load(as_yaml.data) == api.openapi()
    # Served whatever the client accepts; it is a document, not negotiated data.
    assert client.get("/openapi.json", headers={"Accept": "text/html"}).status_code == 200


def test_spec_path_can_move() -> None:
    api = Api(spec_path="/meta/spec")
    client = api.test_client()
    assert client.get("/meta/spec.json").json["openapi"] == "3.1.0"
    assert client.get("/openapi.json").status_code == 404
    assert '"/meta/spec.json"' in client.get("/docs").text


def test_spec_is_built_once_and_rebuilt_after_changes() -> None:
    api = create_app()
    first = api.openapi()
    assert api.openapi() is first
    client = api.test_client()
    served = client.get("/openapi.json").data
    assert client.get("/openapi.json").data == served

    class Toys(Resource):
        def get(self, req: Request) -> Any:
            return []

    api.add_resource(Toys, "/toys")
    second = api.openapi()
    assert second is not first
    assert "/toys" in second["paths"] and "/toys" not in first["paths"]
    assert "/toys" in client.get("/openapi.json").json["paths"]
    assert "/toys" in yaml.safe_load(client.get("/openapi.yaml").data)["paths"]


def test_no_spec_path_serves_neither_spec_nor_docs() -> None:
    api = Api(spec_path=None)

    class Toys(Resource):
        def get(self, req: Request) -> Any:
            return []

    api.add_resource(Toys, "/toys")
    client = api.test_client()
    for url in ("/openapi.json", "/openapi.yaml", "/docs", "/docs/swagger-ui/swagger-ui.css"):
        assert client.get(url).status_code == 404
    assert list(api.openapi()["paths"]) == ["/toys"]  # still available in code


# -- media types -----------------------------------------------------------------------


class PageHandler(MediaHandler):
    """A stand-in ``text/html`` serializer: documented as a string, not with the schema."""

    media_type = "text/html"
    format = "html"
    can_parse = False
    structured = False
    problem_media_type = "text/html"

    def serialize(self, data: Any) -> bytes:
        return b"<p>page</p>"


def test_every_media_type_is_listed(version: str) -> None:
    api = build_app(version)
    api.remove_media_handler("text/html")  # the default browsable API, off
    without = operation(api.openapi(), "/pets/", "post")["responses"]
    assert list(without["201"]["content"]) == ["application/json", "application/yaml"]
    assert list(without["409"]["content"]) == [
        "application/problem+json",
        "application/problem+yaml",
    ]
    api.add_media_handler(PageHandler())
    spec = api.openapi()
    validate(spec)
    create = operation(spec, "/pets/", "post")
    assert list(create["requestBody"]["content"]) == ["application/json", "application/yaml"]
    created = create["responses"]["201"]["content"]
    assert created == {
        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}},
        "application/yaml": {"schema": {"$ref": "#/components/schemas/Pet"}},
        "text/html": HTML_CONTENT,
    }
    assert create["responses"]["409"]["content"] == PROBLEM_CONTENT
    for component in spec["components"]["responses"].values():
        assert component["content"] == PROBLEM_CONTENT


def test_format_parameter_on_negotiated_get_operations(spec: dict[str, Any]) -> None:
    listing = {p["name"]: p for p in operation(spec, "/pets/", "get")["parameters"]}
    assert listing["format"] == {
        "name": "format",
        "in": "query",
        "required": False,
        "description": "The representation to send, overriding `Accept`:"
        " `json` (application/json), `yaml` (application/yaml), `html` (text/html).",
        "schema": {"type": "string", "enum": ["json", "yaml", "html"]},
    }
    # Only on GET: the other methods take their representation from Accept.
    assert all(
        p["name"] != "format" for p in operation(spec, "/pets/", "post").get("parameters", [])
    )
    assert "format" in {
        p["name"] for p in operation(spec, "/signed/{delta}/{month}", "get")["parameters"]
    }


def test_format_parameter_renamed_or_off() -> None:
    class Things(Resource):
        def get(self, req: Request) -> Any:
            return []

    renamed = Api(format_param="as")
    renamed.add_resource(Things, "/things")
    params = renamed.openapi()["paths"]["/things"]["get"]["parameters"]
    assert [p["name"] for p in params] == ["as"]
    off = Api(format_param=None)
    off.add_resource(Things, "/things")
    assert "parameters" not in off.openapi()["paths"]["/things"]["get"]


def test_fixed_error_content_type() -> None:
    api = Api(problem_content_type="application/problem+json")

    class Things(Resource):
        @response(409)
        def get(self, req: Request) -> Any:
            return []

    api.add_resource(Things, "/things")
    spec = api.openapi()
    assert spec["paths"]["/things"]["get"]["responses"]["409"]["content"] == {
        "application/problem+json": {"schema": PROBLEM_REF}
    }
    resp = api.test_client().get("/nowhere", headers={"Accept": "application/yaml"})
    assert resp.headers["Content-Type"] == "application/problem+json"


def test_resources_that_do_not_negotiate_get_no_406_nor_format() -> None:
    api = Api()

    class Page(Resource):
        negotiate = False

        @response(200, PetSchema, example={"name": "Rex"})
        def get(self, req: Request) -> Any:
            return {}

    api.add_resource(Page, "/page")
    get = api.openapi()["paths"]["/page"]["get"]
    assert "parameters" not in get
    assert set(get["responses"]) == {"200"}
    assert get["responses"]["200"]["content"]["application/yaml"]["example"] == {"name": "Rex"}


@pytest.mark.parametrize("version", VERSIONS)
def test_the_petstore_spec_lists_every_media_type(version: str, tmp_path: Any) -> None:
    from examples.petstore.app import create_app as create_petstore

    api = create_petstore(tmp_path / "pets.db")
    spec = api.openapi(version)
    validate(spec)
    serializers = api.media.serializers()
    representations = [h.media_type for h in serializers]
    problems = [h.problem_media_type or h.media_type for h in serializers]
    assert {"application/json", "application/yaml"} <= set(representations)
    assert {"application/problem+json", "application/problem+yaml"} <= set(problems)
    readers = [h.media_type for h in api.media.parsers()]
    # Patch documents, uploads and files have media types of their own
    # (tests/features/test_patch.py, tests/features/test_files.py).
    own_media_types = {"patchPet", "updatePetPhoto", "getPetPhoto"}
    for path_item in spec["paths"].values():
        for method, op in path_item.items():
            if method == "parameters" or op["operationId"] in own_media_types:
                continue
            if "requestBody" in op:
                assert list(op["requestBody"]["content"]) == readers
            for status, resp in op["responses"].items():
                if "$ref" in resp:
                    name = resp["$ref"].rsplit("/", 1)[1]
                    resp = spec["components"]["responses"][name]
                if "content" in resp:
                    expected = problems if int(status) >= 400 else representations
                    assert list(resp["content"]) == expected, (method, status)
            if method == "get":
                fmt = next(p for p in op["parameters"] if p["name"] == "format")
                assert fmt["schema"]["enum"] == [h.format for h in serializers]
