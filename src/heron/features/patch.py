"""PATCH (RFC 5789): JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902).

``@patch_body(PetSchema)`` on a ``patch`` handler reads the request content as
a patch to the resource's current representation, applies it, and passes the
handler the patched document loaded (validated) by the full schema, as a
``PUT`` handler gets its body:

1. the content is read by its media type: ``application/merge-patch+json``
   (and plain ``application/json``, read as a merge patch) or
   ``application/json-patch+json``; anything else is a 415 with
   ``Accept-Patch`` (RFC 5789 §3.1);
2. the current state, from the route's ``GET`` handler (or ``current=``), is
   dumped by the schema into its JSON representation;
3. the patch is applied to it: RFC 7396 §2's algorithm (``null`` removes a
   member), or the JSON Patch operations in order, atomically (RFC 6902 §5);
4. the result, without its read-only members, is loaded by the schema.

Errors follow RFC 5789 §2.2: a malformed patch document is a 400, a JSON
Patch that cannot be applied to the current state (a failed ``test``, a path
that does not exist) a 409, a result the schema rejects a 422.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import marshmallow as ma

from ..core.features import BindSite, Call, Feature, Stage, declare
from ..core.operations import Argument, schema_instance
from ..core.validation import BODY_REQUIRED, flatten_errors
from ..http.errors import BadRequest, Conflict, NotFound, UnprocessableContent
from ..http.negotiation import Memo, select_parser
from ..media.base import MediaHandler
from ..media.content import content_sent, read_content
from ..media.json import JSONHandler
from ._resolve import path_only_get, read_through_get, resource_method

if TYPE_CHECKING:
    from ..core.features import OperationDocument
    from ..core.operations import Operation
    from ..core.request import Request

__all__ = [
    "JSON_PATCH",
    "MERGE_PATCH",
    "PatchBody",
    "apply_json_patch",
    "merge_patch",
    "patch_body",
    "patch_schema",
]

F = TypeVar("F", bound=Callable[..., Any])
#: JSON Merge Patch (RFC 7396 §4).
MERGE_PATCH = "application/merge-patch+json"
#: JSON Patch (RFC 6902 §6).
JSON_PATCH = "application/json-patch+json"
# JSON Pointer (RFC 6901 §3): "" or "/"-prefixed tokens, "~" only as "~0" or "~1".
_POINTER = re.compile(r"(/([^~/]|~[01])*)*")
_PATCH_SCHEMAS: dict[tuple[Any, ...], type[ma.Schema]] = {}


class _JSONPatchParser(MediaHandler):
    """Reads one JSON-based patch media type, with JSON's parser (RFC 8259)."""

    format = "json"
    can_serialize = False

    def __init__(self) -> None:
        self._json = JSONHandler()

    def parse(self, body: bytes, charset: str | None) -> Any:
        """Return the JSON value in ``body`` (400 if malformed)."""
        return self._json.parse(body, charset)


class _MergePatchHandler(_JSONPatchParser):
    media_type = MERGE_PATCH
    format = "merge-patch"


class _JSONPatchHandler(_JSONPatchParser):
    media_type = JSON_PATCH
    format = "json-patch"


class _PlainJSONHandler(_JSONPatchParser):
    media_type = "application/json"


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply a JSON Merge Patch to ``target`` (RFC 7396 §2).

    A patch that is not an object replaces the target; an object's members
    are merged recursively, a ``null`` member removing the target's member.
    ``target`` is not changed.

    Args:
        target: The JSON value patched.
        patch: The merge patch.

    Returns:
        The patched value.
    """
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def _check_operations(document: Any) -> list[dict[str, Any]]:
    """Check the shape of a JSON Patch document (RFC 6902 §3, §4).

    Raises:
        BadRequest: If it is not an array of operation objects whose
            ``path`` and ``from`` are JSON Pointers (RFC 6901).
    """
    if not isinstance(document, list):
        raise BadRequest(
            "A JSON Patch document is an array of operations (RFC 6902 §3);"
            f" got a JSON {type(document).__name__}."
        )
    for index, operation in enumerate(document):
        if not isinstance(operation, dict):
            raise BadRequest(f"Operation {index} of the JSON Patch is not an object.")
        for member in ("path", "from"):
            pointer = operation.get(member)
            if isinstance(pointer, str) and not _POINTER.fullmatch(pointer):
                raise BadRequest(
                    f"Operation {index} of the JSON Patch: {member} {pointer!r} is not a JSON"
                    " Pointer (RFC 6901 §3): empty, or '/' before each token, with '~'"
                    " only in '~0' and '~1'."
                )
    return document


def _error(index: int, message: str) -> dict[str, str]:
    """Return the ``errors`` entry naming operation ``index`` of a JSON Patch."""
    return {"location": "json", "path": str(index), "pointer": f"#/{index}", "message": message}


def apply_json_patch(target: Any, document: Any) -> Any:
    """Apply a JSON Patch to ``target``, all operations or none (RFC 6902 §5).

    Args:
        target: The JSON value patched (not changed).
        document: The JSON Patch: an array of operations.

    Returns:
        The patched value.

    Raises:
        BadRequest: If the document is malformed: not an array of operations,
            an unknown ``op``, a missing member, a malformed pointer, a value
            nested past Python's recursion limit (RFC 5789 §2.2).
        Conflict: If an operation cannot be applied to the current state: a
            ``test`` that fails, a path that does not exist (RFC 5789 §2.2,
            409); ``errors`` names the operation.
    """
    operations = _check_operations(document)
    try:
        return _apply_operations(copy.deepcopy(target), operations)
    except RecursionError:  # jsonpatch copies each value it adds, recursively
        raise BadRequest(
            "The JSON Patch is nested too deeply: a value of one of its operations"
            " holds more levels of arrays and objects than this server reads."
        ) from None


def _apply_operations(result: Any, operations: list[dict[str, Any]]) -> Any:
    """Apply checked JSON Patch operations to ``result`` in place, in order (RFC 6902 §5)."""
    import jsonpatch
    import jsonpointer

    for index, operation in enumerate(operations):
        try:
            result = jsonpatch.JsonPatch([operation]).apply(result, in_place=True)
        except jsonpatch.InvalidJsonPatch as exc:
            raise BadRequest(f"Operation {index} of the JSON Patch is malformed: {exc}.") from None
        except (
            jsonpatch.JsonPatchException,
            jsonpointer.JsonPointerException,
            LookupError,
            TypeError,
        ) as exc:
            if isinstance(exc, jsonpatch.JsonPatchTestFailed):
                message = f"the value at {operation.get('path')!r} is not the value tested"
            else:
                message = str(exc)
            raise Conflict(
                f"Operation {index} ({operation.get('op')} {operation.get('path')!r}) cannot be"
                f" applied to the current state: {message}. Nothing was changed.",
                errors=[_error(index, message)],
            ) from None
    return result


def patch_schema(schema: ma.Schema) -> ma.Schema:
    """Return the schema of a merge patch to documents of ``schema``.

    Every loadable field of ``schema``, optional and nullable (``null``
    removes a member, RFC 7396 §1); nested objects are patch schemas too,
    since merge patches merge them recursively, while arrays are replaced
    whole and keep their item schema. Read-only (``dump_only``) fields are
    left out. The class is made once per schema and named ``<Name>Patch`` in
    the spec (:class:`heron.docs.openapi.naming.ComponentNamer`).

    Args:
        schema: The full schema (an instance).

    Returns:
        An instance of the derived schema.
    """
    from apispec.ext.marshmallow.common import make_schema_key

    key = tuple(make_schema_key(schema))
    cls = _PATCH_SCHEMAS.get(key)
    if cls is None:
        fields: dict[str, ma.fields.Field[Any]] = {}
        for name, bound in schema.fields.items():
            if bound.dump_only:
                continue
            fields[name] = _patch_field(schema.declared_fields.get(name, bound))
        cls = ma.Schema.from_dict(fields, name=f"{type(schema).__name__}Patch")
        cls.__heron_derived__ = (schema, "Patch")  # type: ignore[attr-defined]
        _PATCH_SCHEMAS[key] = cls
    return cls()


def _patch_field(original: ma.fields.Field[Any]) -> ma.fields.Field[Any]:
    if isinstance(original, ma.fields.Nested) and not original.many:
        nested = original.schema
        return ma.fields.Nested(
            patch_schema(nested),
            allow_none=True,
            data_key=original.data_key,
            metadata=dict(original.metadata),
            load_only=original.load_only,
        )
    field = copy.deepcopy(original)
    field.required = False
    field.allow_none = True
    field.load_default = ma.missing
    return field


@dataclass(frozen=True, eq=False)
class PatchBody(Feature):
    """The patch document of one operation (an operation feature; see :func:`patch_body`).

    Attributes:
        schema: The full schema: dumps the current state, loads the result.
        argument: The patch document as an argument, for the spec and the
            browsable API: the derived patch schema, read as content.
        parsers: The media handlers reading the patch, in preference order.
        current: ``current(req, **path_params)`` returning the current state
            (as the ``GET`` handler returns it), set at registration.
        unknown: The policy for unknown fields in the result.
        read_only: Data keys of read-only fields, dropped from the result.
    """

    stage: ClassVar[int] = Stage.CONTENT

    schema: ma.Schema
    argument: Argument
    parsers: tuple[MediaHandler, ...]
    current: Callable[..., Any] | str | None = None
    unknown: str = ma.RAISE
    read_only: frozenset[str] = frozenset()
    memo: Memo[MediaHandler] | None = field(default=None, repr=False, compare=False)

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media types of the patch documents taken (for ``Accept-Patch``)."""
        return tuple(p.media_type for p in self.parsers)

    def bind_current(self, resource: Any, operations: Mapping[str, Operation]) -> PatchBody:
        """Resolve where the current state comes from (at registration).

        Raises:
            ValueError: If ``current`` names no method of the resource, or is
                not given and the route has no ``GET`` taking only path
                parameters.
        """
        current = self.current
        name = type(resource).__name__
        if isinstance(current, str):
            current = resource_method(resource, current, "patch_body()")
        elif current is None:
            source = path_only_get(operations)
            if source is None:
                raise ValueError(
                    f"patch_body() on {name} needs current=: the route has no GET taking only"
                    " path parameters to read the current state with"
                )
            current = _from_get(source)
        return dataclasses.replace(self, current=current)

    def before(self, req: Request, call: Call) -> None:
        """Pass the handler the patched document (see :meth:`load`)."""
        call.give(self.argument.name, self.load(req, call.path))

    def document(self, doc: OperationDocument) -> None:
        """Document the body in each patch media type; 400, 409, 415, 422 (RFC 5789 §2.2)."""
        argument = self.argument
        merge: dict[str, Any] = {"schema": argument.schema}
        if argument.example is not None:
            merge["example"] = argument.example
        content: dict[str, Any] = {}
        for media_type in self.media_types:
            if media_type == JSON_PATCH:
                doc.component("schemas", "JSONPatchOperation", json_patch_operation_schema)
                doc.component("schemas", "JSONPatch", json_patch_schema)
                content[media_type] = {"schema": {"$ref": "#/components/schemas/JSONPatch"}}
            else:
                content[media_type] = dict(merge)
        body: dict[str, Any] = {"required": True, "content": content}
        body["description"] = argument.description or (
            "Changes to the resource: a JSON Merge Patch (RFC 7396: members replace the"
            " current ones, `null` removes one, objects merge) or a JSON Patch (RFC 6902)."
        )
        doc.operation["requestBody"] = body
        responses: dict[str, Any] = doc.operation["responses"]
        responses.setdefault("400", "BadRequest")
        if JSON_PATCH in self.media_types:
            conflict = doc.component(
                "responses", "PatchConflict", lambda: doc.error_response(_PATCH_CONFLICT)
            )
            responses.setdefault("409", conflict)
        responses.setdefault("415", "UnsupportedMediaType")
        responses.setdefault("422", "UnprocessableContent")
        doc.operation["responses"] = dict(sorted(responses.items(), key=lambda item: item[0]))

    def load(self, req: Request, path_values: Mapping[str, Any]) -> Any:
        """Read the patch, apply it to the current state and load the result.

        Args:
            req: The request.
            path_values: The path parameters.

        Returns:
            The patched document, loaded by the full schema.

        Raises:
            UnprocessableContent: Without content, or when the result is invalid.
            UnsupportedMediaType: For content of another type (415 with
                ``Accept-Patch``).
            BadRequest: For malformed JSON or a malformed patch.
            Conflict: For a JSON Patch the current state cannot take.
            NotFound: When there is no current state.
        """
        if not content_sent(req):
            raise UnprocessableContent(
                "A patch document is required.",
                errors=[{"location": "json", "path": "", "message": BODY_REQUIRED}],
            )
        handler, charset = select_parser(req.content_type, self.parsers, req.method, self.memo)
        document = handler.parse(read_content(req), charset)
        assert callable(self.current)
        state = self.current(req, **path_values)
        if state is None:
            raise NotFound(f"No resource at '{req.path}' to patch.")
        current = self.schema.dump(state)
        json_patch = handler.media_type == JSON_PATCH
        if json_patch:
            result = apply_json_patch(current, document)
        else:
            result = merge_patch(current, document)
        if isinstance(result, dict) and self.read_only:
            result = {k: v for k, v in result.items() if k not in self.read_only}
        try:
            return self.schema.load(result, unknown=self.unknown)  # type: ignore[arg-type]
        except ma.ValidationError as exc:
            errors = flatten_errors(exc.messages, "json")
            if json_patch:  # pointers into the patched document, not into the content
                for error in errors:
                    error.pop("pointer", None)
            raise UnprocessableContent(
                f"The patched {type(self.schema).__name__.removesuffix('Schema')} is invalid: "
                + "; ".join(f"{e['path'] or '(document)'}: {e['message']}" for e in errors[:5]),
                errors=errors,
            ) from None


def _from_get(source: Operation) -> Callable[..., Any]:
    """Return ``current(req, **path)`` calling the ``GET`` handler of ``source``."""

    def current(req: Request, **path_values: Any) -> Any:
        return read_through_get(source, req, path_values, "patch_body() current=")

    return current


_PATCH_CONFLICT = (
    "The patch cannot be applied to the current state of the resource (a JSON Patch `test`"
    " failed, a path does not exist); nothing was changed (RFC 5789 §2.2). `errors` names"
    " the operation."
)


def json_patch_schema() -> dict[str, Any]:
    """Return the JSON Schema of a JSON Patch document (RFC 6902 §3, §4)."""
    return {
        "type": "array",
        "description": "A JSON Patch (RFC 6902): operations applied in order, all or none.",
        "items": {"$ref": "#/components/schemas/JSONPatchOperation"},
    }


def json_patch_operation_schema() -> dict[str, Any]:
    """Return the JSON Schema of one JSON Patch operation (RFC 6902 §4)."""
    pointer = {"type": "string", "description": "A JSON Pointer (RFC 6901)."}
    return {
        "type": "object",
        "properties": {
            "op": {
                "type": "string",
                "enum": ["add", "remove", "replace", "move", "copy", "test"],
            },
            "path": pointer,
            "from": {**pointer, "description": "The source, for `move` and `copy`."},
            "value": {"description": "The value, for `add`, `replace` and `test`."},
        },
        "required": ["op", "path"],
    }


class _PatchDeclaration(Feature):
    """What :func:`patch_body` records; bound into a :class:`PatchBody` at registration."""

    stage: ClassVar[int] = Stage.CONTENT

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def bind(self, site: BindSite) -> PatchBody:
        """Build the patch record and resolve its current state; the content is read as the patch.

        Raises:
            ValueError: See :func:`build_patch_body` and :meth:`PatchBody.bind_current`.
        """
        body = build_patch_body(self.raw, site.unknown, site.method, tuple(site.arguments))
        body = dataclasses.replace(
            body.bind_current(site.resource, site.operations), memo=site.memo
        )
        site.takes_content(body.argument, "@patch_body()", body.media_types)
        return body


def build_patch_body(
    raw: Mapping[str, Any], default_unknown: str, method: str, arguments: tuple[Argument, ...]
) -> PatchBody:
    """Turn a :func:`patch_body` declaration into a :class:`PatchBody` (at registration).

    Args:
        raw: What :func:`patch_body` recorded.
        default_unknown: The application's unknown-field policy.
        method: The operation's method.
        arguments: The operation's other arguments.

    Returns:
        The patch record, its current state still to be bound.

    Raises:
        ValueError: On a method other than PATCH, or beside another body
            argument or one of the same name.
    """
    if method != "PATCH":
        raise ValueError(f"patch_body() is for PATCH operations, not {method}")
    for arg in arguments:
        if arg.location in ("json", "form") or arg.name == raw["name"]:
            raise ValueError(
                f"patch_body() reads the content as {raw['name']!r}: remove the"
                f" {arg.location} argument {arg.name!r}"
            )
    schema = schema_instance(raw["schema"])
    parsers: list[MediaHandler] = []
    if raw["merge"]:
        parsers.append(_MergePatchHandler())
    if raw["json_patch"]:
        parsers.append(_JSONPatchHandler())
    if raw["merge"] and raw["plain_json"]:
        parsers.append(_PlainJSONHandler())
    if not parsers:
        raise ValueError("patch_body() needs merge=True or json_patch=True")
    partial = patch_schema(schema)
    argument = Argument(
        schema=partial,
        location="json",
        name=raw["name"],
        required=True,
        description=raw["description"],
        example=raw["example"],
    )
    return PatchBody(
        schema=schema,
        argument=argument,
        parsers=tuple(parsers),
        current=raw["current"],
        unknown=raw["unknown"] or default_unknown,
        read_only=frozenset(f.data_key or n for n, f in schema.fields.items() if f.dump_only),
    )


def patch_body(
    schema: ma.Schema | type[ma.Schema],
    *,
    current: Callable[..., Any] | str | None = None,
    merge: bool = True,
    json_patch: bool = True,
    plain_json: bool = True,
    name: str = "body",
    unknown: str | None = None,
    description: str | None = None,
    example: Any = None,
) -> Callable[[F], F]:
    """Take a patch to the resource's ``schema`` document as the PATCH content.

    The handler receives, as ``body``, the current representation with the
    patch applied, loaded by ``schema`` (a 422 problem when invalid), and
    stores it as a ``PUT`` handler would. The spec documents the content as
    ``application/merge-patch+json`` with the derived ``<Name>Patch`` schema
    (every field optional and nullable) and ``application/json-patch+json``
    with the ``JSONPatch`` schema.

    Args:
        schema: The resource's full schema (class or instance).
        current: ``current(req, **path_params)`` returning the current state
            as the ``GET`` handler does (None when there is none: a 404), or
            the name of a resource method doing so; by default the route's
            ``GET`` handler.
        merge: Take JSON Merge Patch (RFC 7396).
        json_patch: Take JSON Patch (RFC 6902).
        plain_json: Also read ``application/json`` content as a merge patch
            (what the browsable API and many clients send).
        name: The handler keyword.
        unknown: Policy for unknown fields in the result; defaults to the
            application's.
        description: Request body description for the spec.
        example: Example merge patch for the spec.

    Returns:
        The decorator.
    """
    raw = {
        "schema": schema,
        "current": current,
        "merge": merge,
        "json_patch": json_patch,
        "plain_json": plain_json,
        "name": name,
        "unknown": unknown,
        "description": description,
        "example": example,
    }

    def decorator(func: F) -> F:
        return declare(func, _PatchDeclaration(raw))

    return decorator
