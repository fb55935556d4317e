"""One WSGI app factory per benchmarked framework, each serving E1–E6 alike.

Every app uses the marshmallow schemas of :mod:`benchmarks.schemas` for the same
work: E2 dumps the item, E3 loads the query and dumps the page, E4 loads the
body and dumps the result, E5 answers 422 naming every invalid field. Each is
written the way the framework's documentation shows. Frameworks without schema
support of their own (Falcon, Flask, Flask-RESTX, Werkzeug) call marshmallow by
hand; ``falcon_plain_app`` does no schema work but the body's, as a stretch
reference.

The peers are imported inside their factories, so this module imports without
them (``pip install -e ".[bench]"`` installs them).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from typing import Any

import marshmallow as ma

from .scenarios import WSGIApp
from .schemas import (
    ITEMS,
    NEW_ITEM_ID,
    ItemQuerySchema,
    ItemSchema,
    NewItemSchema,
    list_items,
)

__all__ = [
    "APPS",
    "AppInfo",
    "apiflask_app",
    "falcon_app",
    "falcon_plain_app",
    "flask_app",
    "heron_app",
    "raw_wsgi_app",
    "restx_app",
    "smorest_app",
    "smorest_instances_app",
    "werkzeug_app",
]

ALL = ("E1", "E2", "E3", "E4", "E5", "E6")
# Schema instances for the apps that call marshmallow by hand, built once.
_ITEM = ItemSchema()
_ITEMS = ItemSchema(many=True)
_QUERY = ItemQuerySchema()
_NEW_ITEM = NewItemSchema()


def _invalid(location: str, exc: ma.ValidationError) -> dict[str, Any]:
    """Return the 422 body of the hand-written apps: marshmallow's messages by location."""
    return {"errors": {location: exc.messages}}


# -- Heron ------------------------------------------------------------------------


def heron_app(problem_formatter: Callable[..., Any] | None = None) -> WSGIApp:
    """Return the Heron app: resources with ``@arguments`` and ``@response``.

    Args:
        problem_formatter: The app's ``problem_formatter``; None: Heron's RFC
            9457 problem details.
    """
    from heron import Api, Resource, abort, arguments, response

    api = Api("Benchmark", "1.0.0", problem_formatter=problem_formatter)

    @api.route("/hello")
    class Hello(Resource):
        def get(self, req: Any) -> Any:
            return {"message": "hello"}

    @api.route("/items/<int:item_id>")
    class Item(Resource):
        @response(200, ItemSchema)
        def get(self, req: Any, item_id: int) -> Any:
            return ITEMS.get(item_id) or abort(404, f"No item {item_id}.")

    @api.route("/items")
    class Items(Resource):
        @arguments(ItemQuerySchema, location="query")
        @response(200, ItemSchema, many=True)
        def get(self, req: Any, query: dict[str, Any]) -> Any:
            return list_items(query["limit"], query["offset"])

        @arguments(NewItemSchema)
        @response(201, NewItemSchema)
        def post(self, req: Any, body: dict[str, Any]) -> Any:
            body["id"] = NEW_ITEM_ID
            return body

    return api


def heron_lean_errors_app() -> WSGIApp:
    """Return the Heron app answering E5 with the payload floor's body.

    A ``problem_formatter`` sends marshmallow's messages as they are
    (``{"errors": {"json": {...}}}``, as Falcon's E5 does) instead of Heron's
    problem details document: the same response work as Falcon, to tell the
    dispatcher's cost from the document's.
    """
    from heron.core.validation import InvalidArguments

    def messages_as_sent(req: Any, error: Any) -> Any:
        if isinstance(error, InvalidArguments):
            return {"errors": error.messages}
        return error.to_problem()

    return heron_app(problem_formatter=messages_as_sent)


# -- Falcon -----------------------------------------------------------------------


def _falcon(plain: bool) -> WSGIApp:
    import falcon

    class Hello:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = {"message": "hello"}

    class Item:
        def on_get(self, req: falcon.Request, resp: falcon.Response, item_id: int) -> None:
            item = ITEMS.get(item_id)
            if item is None:
                raise falcon.HTTPNotFound(description=f"No item {item_id}.")
            resp.media = item if plain else _ITEM.dump(item)

    class Items:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            if plain:
                limit = req.get_param_as_int("limit", min_value=1, max_value=100, default=10)
                offset = req.get_param_as_int("offset", min_value=0, default=0)
                resp.media = list_items(limit, offset)
                return
            try:
                query = _QUERY.load(req.params)
            except ma.ValidationError as exc:
                resp.status = 422
                resp.media = _invalid("query", exc)
                return
            resp.media = _ITEMS.dump(list_items(query["limit"], query["offset"]))

        def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
            try:
                item = _NEW_ITEM.load(req.get_media())
            except ma.ValidationError as exc:
                resp.status = 422
                resp.media = _invalid("json", exc)
                return
            item["id"] = NEW_ITEM_ID
            resp.status = 201
            resp.media = _NEW_ITEM.dump(item)

    app = falcon.App()
    app.add_route("/hello", Hello())
    app.add_route("/items/{item_id:int}", Item())
    app.add_route("/items", Items())
    return app


def falcon_app() -> WSGIApp:
    """Return the Falcon app doing Heron's schema work (marshmallow called by hand)."""
    return _falcon(plain=False)


def falcon_plain_app() -> WSGIApp:
    """Return plain Falcon: dicts straight to JSON (E2, E3), ``get_param_as_int`` (E3).

    E4 and E5 still load and dump the body with marshmallow: Falcon has no
    validation of its own.
    """
    return _falcon(plain=True)


# -- Flask and its extensions ---------------------------------------------------------


def flask_app() -> WSGIApp:
    """Return the Flask app: view functions calling marshmallow by hand."""
    from flask import Flask, abort, request

    app = Flask(__name__)

    @app.get("/hello")
    def hello() -> Any:
        return {"message": "hello"}

    @app.get("/items/<int:item_id>")
    def get_item(item_id: int) -> Any:
        item = ITEMS.get(item_id)
        if item is None:
            abort(404)
        return _ITEM.dump(item)

    @app.get("/items")
    def get_items() -> Any:
        try:
            query = _QUERY.load(request.args.to_dict())
        except ma.ValidationError as exc:
            return _invalid("query", exc), 422
        return _ITEMS.dump(list_items(query["limit"], query["offset"]))

    @app.post("/items")
    def post_item() -> Any:
        try:
            item = _NEW_ITEM.load(request.get_json())
        except ma.ValidationError as exc:
            return _invalid("json", exc), 422
        item["id"] = NEW_ITEM_ID
        return _NEW_ITEM.dump(item), 201

    return app


def smorest_app(instances: bool = False) -> WSGIApp:
    """Return the flask-smorest app, schemas passed as its documentation shows.

    Args:
        instances: Pass schema instances instead of classes to
            ``@blp.arguments`` (webargs instantiates a class on every request).
    """
    from flask import Flask
    from flask.views import MethodView
    from flask_smorest import Api, Blueprint, abort

    app = Flask(__name__)
    app.config.update(API_TITLE="Benchmark", API_VERSION="1.0.0", OPENAPI_VERSION="3.0.3")
    api = Api(app)
    blp = Blueprint("items", __name__)
    query_schema: Any = ItemQuerySchema() if instances else ItemQuerySchema
    body_schema: Any = NewItemSchema() if instances else NewItemSchema

    @blp.route("/hello")
    def hello() -> Any:
        return {"message": "hello"}

    @blp.route("/items/<int:item_id>")
    @blp.response(200, ItemSchema)
    def get_item(item_id: int) -> Any:
        item = ITEMS.get(item_id)
        if item is None:
            abort(404)
        return item

    @blp.route("/items")
    class Items(MethodView):
        @blp.arguments(query_schema, location="query")
        @blp.response(200, ItemSchema(many=True))
        def get(self, query: dict[str, Any]) -> Any:
            return list_items(query["limit"], query["offset"])

        @blp.arguments(body_schema)
        @blp.response(201, NewItemSchema)
        def post(self, item: dict[str, Any]) -> Any:
            item["id"] = NEW_ITEM_ID
            return item

    api.register_blueprint(blp)
    return app


def smorest_instances_app() -> WSGIApp:
    """Return the flask-smorest app given schema instances (see :func:`smorest_app`)."""
    return smorest_app(instances=True)


def apiflask_app() -> WSGIApp:
    """Return the APIFlask app: ``@app.input`` and ``@app.output`` with schema classes.

    APIFlask instantiates a class once, at decoration: the instance variant is
    the same app.
    """
    from apiflask import APIFlask, abort

    app = APIFlask(__name__, title="Benchmark", version="1.0.0")

    @app.get("/hello")
    def hello() -> Any:
        return {"message": "hello"}

    @app.get("/items/<int:item_id>")
    @app.output(ItemSchema)
    def get_item(item_id: int) -> Any:
        item = ITEMS.get(item_id)
        if item is None:
            abort(404)
        return item

    @app.get("/items")
    @app.input(ItemQuerySchema, location="query")
    @app.output(ItemSchema(many=True))
    def get_items(query_data: dict[str, Any]) -> Any:
        return list_items(query_data["limit"], query_data["offset"])

    @app.post("/items")
    @app.input(NewItemSchema)
    @app.output(NewItemSchema, status_code=201)
    def post_item(json_data: dict[str, Any]) -> Any:
        json_data["id"] = NEW_ITEM_ID
        return json_data

    return app


def restx_app() -> WSGIApp:
    """Return the Flask-RESTX app: its ``Resource`` classes, marshmallow called by hand.

    RESTX's own validation (JSON Schema from ``api.model``) is a different
    stack; calling marshmallow keeps the schema work equal.
    """
    from flask import Flask, request
    from flask_restx import Api, Resource

    app = Flask(__name__)
    api = Api(app, title="Benchmark", version="1.0.0")

    @api.route("/hello")
    class Hello(Resource):  # type: ignore[misc]
        def get(self) -> Any:
            return {"message": "hello"}

    @api.route("/items/<int:item_id>")
    class Item(Resource):  # type: ignore[misc]
        def get(self, item_id: int) -> Any:
            item = ITEMS.get(item_id)
            if item is None:
                api.abort(404)
            return _ITEM.dump(item)

    @api.route("/items")
    class Items(Resource):  # type: ignore[misc]
        def get(self) -> Any:
            try:
                query = _QUERY.load(request.args.to_dict())
            except ma.ValidationError as exc:
                return _invalid("query", exc), 422
            return _ITEMS.dump(list_items(query["limit"], query["offset"]))

        def post(self) -> Any:
            try:
                item = _NEW_ITEM.load(request.get_json())
            except ma.ValidationError as exc:
                return _invalid("json", exc), 422
            item["id"] = NEW_ITEM_ID
            return _NEW_ITEM.dump(item), 201

    return app


# -- floors ---------------------------------------------------------------------------

_HELLO = b'{"message":"hello"}'
_HELLO_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_HELLO)))]
_NOT_FOUND_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", "9")]


def raw_wsgi_app() -> WSGIApp:
    """Return the raw WSGI floor: E1's constant bytes (anything else is a 404)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ["PATH_INFO"] == "/hello":
            start_response("200 OK", _HELLO_HEADERS)
            return [_HELLO]
        start_response("404 Not Found", _NOT_FOUND_HEADERS)
        return [b"Not Found"]

    return app


def werkzeug_app() -> WSGIApp:
    """Return the Werkzeug floor: ``Map``/``Request``/``Response`` dispatch, marshmallow by hand."""
    from werkzeug.exceptions import HTTPException, NotFound
    from werkzeug.routing import Map, Rule
    from werkzeug.wrappers import Request, Response

    def respond(data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data), status, mimetype="application/json")

    def hello(request: Request) -> Response:
        return respond({"message": "hello"})

    def item(request: Request, item_id: int) -> Response:
        found = ITEMS.get(item_id)
        if found is None:
            raise NotFound()
        return respond(_ITEM.dump(found))

    def items(request: Request) -> Response:
        if request.method == "POST":
            try:
                new = _NEW_ITEM.load(json.loads(request.get_data()))
            except ma.ValidationError as exc:
                return respond(_invalid("json", exc), 422)
            new["id"] = NEW_ITEM_ID
            return respond(_NEW_ITEM.dump(new), 201)
        try:
            query = _QUERY.load(request.args.to_dict())
        except ma.ValidationError as exc:
            return respond(_invalid("query", exc), 422)
        return respond(_ITEMS.dump(list_items(query["limit"], query["offset"])))

    views: dict[str, Callable[..., Response]] = {"hello": hello, "item": item, "items": items}
    url_map = Map(
        [
            Rule("/hello", endpoint="hello", methods=["GET"]),
            Rule("/items/<int:item_id>", endpoint="item", methods=["GET"]),
            Rule("/items", endpoint="items", methods=["GET", "POST"]),
        ]
    )

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            endpoint, values = url_map.bind_to_environ(environ).match()
            response: Any = views[endpoint](request, **values)
        except HTTPException as exc:
            response = exc
        return response(environ, start_response)

    return app


# -- the registry -----------------------------------------------------------------------


class AppInfo:
    """A benchmarked app: its factory, label, the scenarios it serves and its package.

    Attributes:
        name: Short name, for command-line options (``heron``, ``falcon``...).
        label: Name in tables.
        factory: The app factory.
        scenarios: The scenario keys it serves.
        package: The distribution it needs (None: Heron's own dependencies).
        module: The module that distribution provides.
    """

    def __init__(
        self,
        name: str,
        label: str,
        factory: Callable[[], WSGIApp],
        scenarios: tuple[str, ...] = ALL,
        package: str | None = None,
        module: str | None = None,
    ) -> None:
        self.name = name
        self.label = label
        self.factory = factory
        self.scenarios = scenarios
        self.package = package
        self.module = module or package

    @property
    def installed(self) -> bool:
        """Whether the framework it needs is installed."""
        return self.module is None or importlib.util.find_spec(self.module) is not None

    @property
    def target(self) -> str:
        """The factory as gunicorn's ``module:callable()`` application target."""
        return f"{__name__}:{self.factory.__name__}()"


#: Every benchmarked app, Heron first, by short name.
APPS: dict[str, AppInfo] = {
    a.name: a
    for a in (
        AppInfo("heron", "Heron", heron_app),
        AppInfo("heron-lean", "Heron (lean errors)", heron_lean_errors_app, scenarios=("E5",)),
        AppInfo("falcon", "Falcon", falcon_app, package="falcon"),
        AppInfo("falcon-plain", "Falcon (plain)", falcon_plain_app, package="falcon"),
        AppInfo("flask", "Flask", flask_app, package="flask"),
        AppInfo(
            "smorest", "flask-smorest", smorest_app, package="flask-smorest", module="flask_smorest"
        ),
        AppInfo(
            "smorest-inst",
            "flask-smorest (instances)",
            smorest_instances_app,
            package="flask-smorest",
            module="flask_smorest",
        ),
        AppInfo("apiflask", "APIFlask", apiflask_app, package="apiflask"),
        AppInfo("restx", "Flask-RESTX", restx_app, package="flask-restx", module="flask_restx"),
        AppInfo("werkzeug", "Werkzeug floor", werkzeug_app),
        AppInfo("raw", "raw WSGI floor", raw_wsgi_app, scenarios=("E1",)),
    )
}
