"""Build the OpenAPI document from the operation records (apispec).

Every operation's parameters, request body and responses come from the same
:class:`~heron.operations.Operation` record that validates requests, and every
``content`` map lists each media type the application reads or sends: request
bodies in every parser's type, responses in every serializer's, errors in
every serializer's problem type. Errors are documented automatically: 422
wherever arguments are validated, 400 and 415 wherever content is read (413
too with a content limit, or form limits on form content), 404 wherever the
path has parameters, 406 wherever the representation is negotiated, all
referencing the one ``Problem`` component (RFC 9457), or the application's own
error schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import marshmallow as ma
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from ...core.extensions import DocumentsOperations, DocumentsSpec
from ...core.fields import Upload, multipart_encoding, takes_files, upload_properties
from ...core.operations import Operation, ResponseSpec
from ...http.errors import status_phrase
from ...http.negotiation import format_parameter
from ...media.base import MediaRegistry
from .converters import rule_to_openapi
from .naming import ComponentNamer

if TYPE_CHECKING:
    from ...core.app import App as Api
    from ...core.resources import Route

__all__ = ["build_spec"]

_PARAM_IN = {"query": "query", "headers": "header", "cookies": "cookie", "path": "path"}
_METHOD_ORDER = ("GET", "PUT", "POST", "DELETE", "PATCH")

#: Error responses documented as components: name → (status, description).
ERROR_RESPONSES: dict[str, tuple[int, str]] = {
    "BadRequest": (400, "The request content is malformed (RFC 9110 §15.5.1)."),
    "NotFound": (404, "No resource exists at this path (RFC 9110 §15.5.5)."),
    "NotAcceptable": (
        406,
        "No representation matches `Accept` or the format asked for; `available` lists"
        " the media types there are (RFC 9110 §15.5.7).",
    ),
    "ContentTooLarge": (
        413,
        "The request content is larger than the server reads (RFC 9110 §15.5.14).",
    ),
    "UnsupportedMediaType": (
        415,
        "The request content is in a media type this operation does not take (RFC 9110 §15.5.16).",
    ),
    "UnprocessableContent": (
        422,
        "The request is well-formed but has invalid fields, listed in `errors`"
        " (RFC 9110 §15.5.21).",
    ),
}


def problem_schema() -> dict[str, Any]:
    """Return the JSON Schema of an RFC 9457 problem details object (§3.1, §3.2)."""
    return {
        "type": "object",
        "description": "Problem details (RFC 9457).",
        "properties": {
            "type": {
                "type": "string",
                "format": "uri-reference",
                "description": "Identifies the problem type; `about:blank` means"
                " the status code says it all.",
                "default": "about:blank",
            },
            "title": {"type": "string", "description": "Short summary of the problem type."},
            "status": {
                "type": "integer",
                "minimum": 400,
                "maximum": 599,
                "description": "The HTTP status code.",
            },
            "detail": {"type": "string", "description": "Explanation of this occurrence."},
            "instance": {
                "type": "string",
                "format": "uri-reference",
                "description": "Identifies this occurrence.",
            },
            "errors": {
                "type": "array",
                "description": "Each invalid field (validation problems).",
                "items": {"$ref": "#/components/schemas/FieldError"},
            },
            "available": {
                "type": "array",
                "description": "The media types available (406 problems).",
                "items": {"type": "string"},
            },
            "accepted": {
                "type": "array",
                "description": "The media types the operation reads (415 problems).",
                "items": {"type": "string"},
            },
        },
        "required": ["type", "title", "status"],
    }


def field_error_schema() -> dict[str, Any]:
    """Return the JSON Schema of one entry of a problem's ``errors`` member."""
    return {
        "type": "object",
        "properties": {
            "location": {
                "type": "string",
                "enum": ["json", "form", "query", "path", "headers", "cookies"],
                "description": "Where the field was sent.",
            },
            "path": {
                "type": "string",
                "description": "Dotted path of the field (`dimensions.width`, `tags.0`);"
                " empty for the whole location.",
            },
            "pointer": {
                "type": "string",
                "description": "JSON Pointer (RFC 6901) into the request content, as a"
                " URI fragment; for `json` only.",
            },
            "message": {"type": "string", "description": "What is wrong."},
        },
        "required": ["location", "path", "message"],
    }


def exclusive_range(
    converter: Any, field: ma.fields.Field[Any], ret: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """Document exclusive ``Range`` bounds as exclusive (an apispec attribute function).

    apispec writes every bound of ``Range(min_inclusive=False)`` as an inclusive
    ``minimum``, so the spec would accept a value the server rejects. An exclusive
    bound becomes ``exclusiveMinimum: <value>`` in 3.1 (JSON Schema 2020-12) and
    ``exclusiveMinimum: true`` beside ``minimum`` in 3.0 (likewise for maximum).

    Args:
        converter: apispec's ``OpenAPIConverter`` (gives the OpenAPI version).
        field: The marshmallow field.
        ret: The property built so far; an inclusive keyword is removed from it
            in 3.1.
        **kwargs: Unused.

    Returns:
        The exclusive keywords to merge into the property.
    """
    result: dict[str, Any] = {}
    ranges = [v for v in field.validators if isinstance(v, ma.validate.Range)]
    for attr, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        bound = ret.get(attr)
        if bound is None or not any(
            getattr(v, attr[:3]) == bound and not getattr(v, f"{attr[:3]}_inclusive")
            for v in ranges
        ):
            continue
        if converter.openapi_version.minor == 0:
            result[exclusive] = True
        else:
            result[exclusive] = ret.pop(attr)
    return result


def build_spec(
    api: Api,
    openapi_version: str,
    *,
    info: Mapping[str, Any] | None = None,
    servers: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Build the OpenAPI document of ``api``.

    Each operation is documented from its record, then by each of its
    features (:meth:`~heron.core.features.OperationFeature.document`) and by
    the extensions that document operations; the extensions that document the
    document (security schemes) come last.

    Args:
        api: The application, with every resource registered.
        openapi_version: ``"3.0.3"`` or ``"3.1.0"``.
        info: Further ``info`` fields (``contact``, ``license``...).
        servers: The ``servers`` entries.

    Returns:
        The document as plain data, paths in registration order.
    """
    info_fields: dict[str, Any] = dict(info or {})
    if api.description:
        info_fields["description"] = api.description
    options: dict[str, Any] = {"info": info_fields}
    server_list = [dict(s) for s in servers]
    if server_list:
        options["servers"] = server_list
    if api.tags:
        options["tags"] = list(api.tags.values())
    plugin = MarshmallowPlugin(schema_name_resolver=ComponentNamer())
    spec = APISpec(api.title, api.version, openapi_version, plugins=[plugin], **options)
    assert plugin.converter is not None  # set by APISpec's plugin initialisation
    plugin.converter.add_attribute_function(exclusive_range)  # type: ignore[no-untyped-call]
    plugin.map_to_openapi_type(Upload, "string", "binary")  # type: ignore[no-untyped-call]
    plugin.converter.add_attribute_function(upload_properties)  # type: ignore[no-untyped-call]
    errors = _ErrorContent(api, spec)
    _error_components(api, spec, errors)
    document = _Document(spec, errors, openapi_version)
    extensions = list(api.extensions.values())
    operation_docs = [e for e in extensions if isinstance(e, DocumentsOperations)]
    rules = {rule.endpoint: rule for rule in api.router.map.iter_rules()}
    for route in api.router:
        if not route.include_in_schema:
            continue
        path, path_params = rule_to_openapi(rules[route.endpoint], api.converter_schemas)
        operations: dict[str, Any] = {}
        for method in _METHOD_ORDER:
            op = route.operations.get(method)
            if op is not None and op.include_in_schema:
                operations[method.lower()] = _documented(
                    api, route, op, document, operation_docs, has_path_params=bool(path_params)
                )
        if operations:
            spec.path(path=path, operations=operations, parameters=path_params)
    for extension in extensions:
        if isinstance(extension, DocumentsSpec):
            extension.document_spec(document)
    built: dict[str, Any] = spec.to_dict()
    # "openapi" first and "info" in reading order (apispec puts them elsewhere).
    info_built: dict[str, Any] = built.pop("info")
    ordered_info = {
        "title": info_built.pop("title"),
        "version": info_built.pop("version"),
        **info_built,
    }
    openapi = built.pop("openapi")
    # Top-level fields extensions add (``security``) go where apispec puts its
    # options: after ``servers`` and ``tags``, before ``paths``.
    head: dict[str, Any] = {k: built.pop(k) for k in ("servers", "tags") if k in built}
    return {"openapi": openapi, "info": ordered_info, **head, **document.fields, **built}


def _documented(
    api: Api,
    route: Route,
    op: Operation,
    document: _Document,
    extensions: list[DocumentsOperations],
    *,
    has_path_params: bool,
) -> dict[str, Any]:
    """Return the Operation Object of ``op``: its record's, then its features', then extensions'."""
    result = _operation(api, route, op, document.errors, has_path_params=has_path_params)
    doc = _OperationDoc(document, op, result)
    for feature in op.features:
        feature.document(doc)
    for extension in extensions:
        extension.document_operation(route, op, doc)
    responses = result.pop("responses")  # last, in status order
    result["responses"] = dict(sorted(responses.items(), key=lambda item: item[0]))
    return result


def _error_components(api: Api, spec: APISpec, errors: _ErrorContent) -> None:
    """Add the error responses every document has (413 only where content may be too large)."""
    for name, (status, description) in ERROR_RESPONSES.items():
        if status == 413 and not any(
            _may_be_too_large(api, op)
            for route in api.router
            for op in route.operations.values()
            if route.include_in_schema and op.include_in_schema
        ):
            continue
        response = errors.response(description)
        if status == 415:
            response["headers"] = _ACCEPT_HEADERS
        spec.components.response(name, response)


class _Document:
    """The document being built, as features and extensions see it (``SpecDocument``).

    Args:
        spec: apispec's document.
        errors: The content of error responses.
        openapi_version: ``"3.0.3"`` or ``"3.1.0"``.
    """

    def __init__(self, spec: APISpec, errors: _ErrorContent, openapi_version: str) -> None:
        self.spec = spec
        self.errors = errors
        self.openapi_version = openapi_version
        self.fields: dict[str, Any] = {}
        self.notes: dict[str, Any] = {}
        self._added: set[tuple[str, str]] = set()

    def component(self, kind: str, name: str, build: Callable[[], dict[str, Any]]) -> str:
        """Add the component ``name`` of ``kind`` once (built when first added); return ``name``."""
        if (kind, name) in self._added:
            return name
        self._added.add((kind, name))
        value = build()
        components = self.spec.components
        if kind == "parameters":
            location = value.pop("in")
            components.parameter(name, location, value)
        elif kind == "headers":
            components.header(name, value)
        elif kind == "responses":
            components.response(name, value)
        elif kind == "securitySchemes":
            components.security_scheme(name, value)
        else:
            components.schema(name, value)
        return name

    def error_response(self, description: str) -> dict[str, Any]:
        """Return an error Response Object with ``description`` and the problem content."""
        return self.errors.response(description)


class _OperationDoc:
    """One Operation Object being built, as its features see it (``OperationDocument``)."""

    def __init__(self, document: _Document, op: Operation, operation: dict[str, Any]) -> None:
        self.document = document
        self.op = op
        self.operation = operation
        self.openapi_version = document.openapi_version
        self.notes = document.notes

    def component(self, kind: str, name: str, build: Callable[[], dict[str, Any]]) -> str:
        """Add a component once; return its name (see :meth:`_Document.component`)."""
        return self.document.component(kind, name, build)

    def error_response(self, description: str) -> dict[str, Any]:
        """Return an error Response Object with ``description``."""
        return self.document.error_response(description)

    def success(self) -> dict[str, Any]:
        """Return the Response Object of the success status (the generator's dict)."""
        responses = self.operation["responses"]
        status = str(self.op.success.status)
        found = responses.get(status)
        if not isinstance(found, dict):
            found = responses[status] = {"description": status_phrase(int(status))}
        result: dict[str, Any] = found
        return result

    def add_responses(self, specs: Iterable[ResponseSpec]) -> None:
        """Document further responses; for a status documented already, add their headers.

        A reference to a component (its name, or a ``$ref``) takes no sibling
        headers: it is left as it is.
        """
        media = self.op.media or self.document.errors.media
        responses = self.operation["responses"]
        for spec in specs:
            rendered = _response(media, spec, self.document.errors)
            current = responses.get(str(spec.status))
            if current is None:
                responses[str(spec.status)] = rendered
            elif isinstance(current, dict) and "$ref" not in current and "headers" in rendered:
                headers = current.setdefault("headers", {})
                for name, header in rendered["headers"].items():
                    headers.setdefault(name, header)


#: The headers of a 415 listing what the operation reads.
_ACCEPT_HEADERS = {
    "Accept-Post": {
        "description": "On `POST`: the media types the operation reads (RFC 9110 §15.5.16).",
        "schema": {"type": "string"},
    },
    "Accept-Patch": {
        "description": "On `PATCH`: the media types the operation reads (RFC 5789 §3.1).",
        "schema": {"type": "string"},
    },
}


class _ErrorContent:
    """The ``content`` map of every error response, built once per document.

    By default each serializer's problem type (``application/problem+json``,
    ``application/problem+yaml``, ``text/html``...) with the RFC 9457
    ``Problem`` component; ``Api.problem_schema`` replaces the schema (a
    marshmallow schema becomes a component named as usual, a JSON Schema the
    ``Error`` component) and ``Api.problem_content_type`` the list of types.
    """

    def __init__(self, api: Api, spec: APISpec) -> None:
        schema: Any
        custom = api.problem_schema
        if custom is None:
            spec.components.schema("FieldError", field_error_schema())
            spec.components.schema("Problem", problem_schema())
            schema = {"$ref": "#/components/schemas/Problem"}
        elif isinstance(custom, ma.Schema):
            schema = custom
        else:
            spec.components.schema("Error", custom)
            schema = {"$ref": "#/components/schemas/Error"}
        self.media = api.media
        self.content: dict[str, Any] = {}
        if api.problem_content_type:
            self.content[api.problem_content_type] = {"schema": schema}
            return
        plain = api.problem_formatter is not None  # the formatter's data is not RFC 9457's
        for handler in api.media.serializers():
            media_type = handler.media_type if plain else handler.problem_media_type
            self.content[media_type or handler.media_type] = {
                "schema": schema if handler.structured else {"type": "string"}
            }

    def response(self, description: str) -> dict[str, Any]:
        """Return an error response object with ``description``."""
        return {"description": description, "content": dict(self.content)}


def _operation(
    api: Api, route: Route, op: Operation, errors: _ErrorContent, *, has_path_params: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {"operationId": op.operation_id}
    if op.tags:
        result["tags"] = list(op.tags)
    if op.summary:
        result["summary"] = op.summary
    if op.description:
        result["description"] = op.description
    if op.deprecated:
        result["deprecated"] = True
    parameters: list[dict[str, Any]] = []
    for arg in op.arguments:
        if arg.location in _PARAM_IN:
            parameters.append({"in": _PARAM_IN[arg.location], "schema": arg.schema})
            continue
        parsers = (op.media or api.media).body_parsers()[arg.location]
        if takes_files(arg.schema):  # files travel only in multipart/form-data (RFC 7578)
            parsers = tuple(p for p in parsers if p.media_type == "multipart/form-data")
        media: dict[str, Any] = {"schema": arg.schema}
        if arg.example is not None:
            media["example"] = arg.example
        body: dict[str, Any] = {
            "required": arg.required,
            "content": {p.media_type: dict(media) for p in parsers},
        }
        _add_encoding(body["content"], arg.schema)
        if arg.description:
            body["description"] = arg.description
        result["requestBody"] = body
    # A file (a success response with its own content_type) has no ?format=.
    negotiated = route.negotiate and op.negotiate
    format_param = format_parameter(api.format_param, op) if negotiated else None
    if format_param and op.method == "GET":
        parameters.append(_format_parameter(op.media or api.media, format_param))
    if parameters:
        result["parameters"] = parameters
    result["responses"] = _responses(
        api, op, errors, has_path_params=has_path_params, negotiate=route.negotiate
    )
    result.update(op.extra)
    return result


def _add_encoding(content: dict[str, Any], schema: ma.Schema) -> None:
    """Document the accepted types of each file part (OpenAPI Encoding Object)."""
    multipart = content.get("multipart/form-data")
    if multipart is not None and (encoding := multipart_encoding(schema)):
        multipart["encoding"] = encoding


def _format_parameter(media: MediaRegistry, name: str) -> dict[str, Any]:
    formats = [h.format for h in media.serializers()]
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": "The representation to send, overriding `Accept`: "
        + ", ".join(f"`{h.format}` ({h.media_type})" for h in media.serializers())
        + ".",
        "schema": {"type": "string", "enum": formats},
    }


def _responses(
    api: Api, op: Operation, errors: _ErrorContent, *, has_path_params: bool, negotiate: bool
) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    declared = op.responses or (ResponseSpec(op.success.status),)
    for spec in declared:
        responses[str(spec.status)] = _response(op.media or api.media, spec, errors)
    auto: list[tuple[int, str]] = []
    if op.body_argument is not None:
        auto += [(400, "BadRequest"), (415, "UnsupportedMediaType")]
        if _may_be_too_large(api, op):
            auto.append((413, "ContentTooLarge"))
    if has_path_params:
        auto.append((404, "NotFound"))
    if negotiate:
        auto.append((406, "NotAcceptable"))
    if op.arguments:
        auto.append((422, "UnprocessableContent"))
    for status, component in auto:
        responses.setdefault(str(status), component)
    return dict(sorted(responses.items(), key=lambda item: item[0]))


def _may_be_too_large(api: Api, op: Operation) -> bool:
    """Tell whether ``op``'s content may be refused with 413 (RFC 9110 §15.5.14).

    With a content limit, any content may; without, form content may still
    exceed Werkzeug's limits on ``multipart/form-data`` parts.
    """
    arg = op.body_argument
    if arg is None:
        return False
    if api.max_content_length is not None:
        return True
    return arg.location == "form" and (
        api.max_form_parts is not None or api.max_form_memory_size is not None
    )


def _response(media: MediaRegistry, spec: ResponseSpec, errors: _ErrorContent) -> dict[str, Any]:
    status = spec.status
    description = spec.description
    if description is None:
        description = status_phrase(status) if isinstance(status, int) else "Default response"
    result: dict[str, Any] = {"description": description}
    if spec.content_type is not None:
        # Bytes sent as they are (a file): OpenAPI 3.0.3 §4.7.14.3 (valid in 3.1).
        binary = {"type": "string", "format": "binary"}
        result["content"] = {spec.content_type: {"schema": binary}}
    elif spec.schema is not None:
        body: dict[str, Any] = {"schema": spec.schema}
        if spec.example is not None:
            body["example"] = spec.example
        result["content"] = {
            h.media_type: dict(body) if h.structured else {"schema": {"type": "string"}}
            for h in media.serializers()
        }
    elif isinstance(status, int) and status >= 400:
        result["content"] = dict(errors.content)
    if spec.headers:
        result["headers"] = {
            name: (
                {"description": value, "schema": {"type": "string"}}
                if isinstance(value, str)
                else dict(value)
            )
            for name, value in spec.headers.items()
        }
    return result
