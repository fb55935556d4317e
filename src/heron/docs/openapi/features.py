"""What conditional requests, pagination and PATCH add to an operation's spec.

Each declaration documents itself, so the spec cannot drift from behaviour:

- ``@conditional``: the ``If-*`` header parameters the operation evaluates,
  ``ETag``/``Last-Modified`` on its success response, 304 (``GET``), 412 and,
  when required, 428 (RFC 9110 §13, RFC 6585 §3);
- ``@paginate``: the ``Link`` and total headers of the success response (its
  query parameters are already part of the operation's query schema);
- ``@patch_body``: the request body in each patch media type, with the
  derived ``<Name>Patch`` schema and the ``JSONPatch`` schema, and the 400,
  409, 415 and 422 responses of RFC 5789 §2.2.

Components are added to the document the first time an operation needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...features.patch import JSON_PATCH
from ...http.preconditions import SAFE_METHODS

if TYPE_CHECKING:
    from apispec import APISpec

    from ...core.operations import Operation

__all__ = ["FeatureDocs"]

_DATE_EXAMPLE = "Sun, 06 Nov 1994 08:49:37 GMT"
#: Header parameter components: name → (header, description).
_PARAMETERS: dict[str, tuple[str, str]] = {
    "IfMatch": (
        "If-Match",
        "Perform the request only if the resource's current entity tag is one of these"
        " (strong comparison), or `*` for any current representation; otherwise 412"
        " (RFC 9110 §13.1.1). Send the `ETag` of the representation being changed.",
    ),
    "IfNoneMatch": (
        "If-None-Match",
        "Perform the request only if the current entity tag is none of these (weak"
        " comparison), or with `*` only if there is no current representation; otherwise"
        " 304 on GET and HEAD, 412 on other methods (RFC 9110 §13.1.2).",
    ),
    "IfModifiedSince": (
        "If-Modified-Since",
        "An HTTP-date: answer 304 unless the resource changed after it; ignored with"
        " `If-None-Match` (RFC 9110 §13.1.3).",
    ),
    "IfUnmodifiedSince": (
        "If-Unmodified-Since",
        "An HTTP-date: perform the request only if the resource has not changed since;"
        " otherwise 412; ignored with `If-Match` (RFC 9110 §13.1.4).",
    ),
}
_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The entity tag of the representation (RFC 9110 §8.8.3), for"
        " `If-None-Match` and `If-Match`.",
        "schema": {"type": "string"},
    },
    "LastModified": {
        "description": "When the resource last changed (RFC 9110 §8.8.2), for"
        " `If-Modified-Since` and `If-Unmodified-Since`.",
        "schema": {"type": "string", "example": _DATE_EXAMPLE},
    },
}
_PROBLEM_RESPONSES: dict[str, str] = {
    "PreconditionFailed": "A precondition (`If-Match`, `If-None-Match`,"
    " `If-Unmodified-Since`) is false: the resource changed; nothing was done"
    " (RFC 9110 §15.5.13).",
    "PreconditionRequired": "This request must be conditional: send `If-Match` with the"
    " `ETag` of the representation being changed (RFC 6585 §3).",
    "PatchConflict": "The patch cannot be applied to the current state of the resource"
    " (a JSON Patch `test` failed, a path does not exist); nothing was changed"
    " (RFC 5789 §2.2). `errors` names the operation.",
}


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


class FeatureDocs:
    """Documents the conditional, pagination and patch declarations of operations.

    Args:
        spec: The document being built.
        error_response: Makes an error response object from a description
            (the document's problem content).
    """

    def __init__(self, spec: APISpec, error_response: Callable[[str], dict[str, Any]]) -> None:
        self.spec = spec
        self.error_response = error_response
        self._added: set[tuple[str, str]] = set()

    def _component(self, kind: str, name: str) -> str:
        """Add the component ``name`` of ``kind`` once; return its name (a reference)."""
        if (kind, name) in self._added:
            return name
        self._added.add((kind, name))
        components = self.spec.components
        if kind == "parameter":
            header, description = _PARAMETERS[name]
            schema: dict[str, Any] = {"type": "string"}
            if "Since" in name:
                schema["example"] = _DATE_EXAMPLE
            components.parameter(
                name,
                "header",
                {"name": header, "required": False, "description": description, "schema": schema},
            )
        elif kind == "header":
            components.header(name, _HEADERS[name])
        elif kind == "schema":
            components.schema(
                name,
                json_patch_schema() if name == "JSONPatch" else json_patch_operation_schema(),
            )
        elif name == "NotModified":
            components.response(
                name,
                {
                    "description": "The representation has not changed since the one the"
                    " client holds (RFC 9110 §15.4.5); no content.",
                    "headers": {
                        "ETag": self._component("header", "ETag"),
                        "Cache-Control": {
                            "description": "As on the 200 response.",
                            "schema": {"type": "string"},
                        },
                        "Vary": {
                            "description": "As on the 200 response.",
                            "schema": {"type": "string"},
                        },
                    },
                },
            )
        else:
            components.response(name, self.error_response(_PROBLEM_RESPONSES[name]))
        return name

    def document_operation(self, op: Operation, result: dict[str, Any]) -> None:
        """Add what ``op``'s declarations say to its operation object ``result``.

        Args:
            op: The operation.
            result: Its operation object, as the generator built it.
        """
        if op.conditional is not None:
            self._conditional(op, result)
        if op.pagination is not None:
            self._success_headers(op, result).update(op.pagination.response_headers())
        if op.patch is not None:
            self._patch(op, result)
        # Responses last, in status order, as the generator writes them.
        responses = result.pop("responses", {})
        result["responses"] = dict(sorted(responses.items(), key=lambda item: item[0]))

    def _success_headers(self, op: Operation, result: dict[str, Any]) -> dict[str, Any]:
        response = result["responses"][str(op.success.status)]  # the generator's dict
        headers: dict[str, Any] = response.setdefault("headers", {})
        return headers

    def _conditional(self, op: Operation, result: dict[str, Any]) -> None:
        cond = op.conditional
        assert cond is not None
        responses: dict[str, Any] = result["responses"]
        safe = op.method in SAFE_METHODS
        if safe:
            names = ["IfNoneMatch", "IfModifiedSince", "IfMatch", "IfUnmodifiedSince"]
        else:
            names = ["IfMatch", "IfUnmodifiedSince", "IfNoneMatch"]
        parameters = result.setdefault("parameters", [])
        parameters.extend(self._component("parameter", n) for n in names)
        if safe or (op.method == "PATCH" and cond.validators is not None):
            headers = self._success_headers(op, result)
            headers["ETag"] = self._component("header", "ETag")
            headers["Last-Modified"] = self._component("header", "LastModified")
        if safe:
            responses.setdefault("304", self._component("response", "NotModified"))
        responses.setdefault("400", "BadRequest")  # a malformed If-Match / If-None-Match
        responses.setdefault("412", self._component("response", "PreconditionFailed"))
        if cond.required:
            responses.setdefault("428", self._component("response", "PreconditionRequired"))

    def _patch(self, op: Operation, result: dict[str, Any]) -> None:
        patch = op.patch
        assert patch is not None
        argument = patch.argument
        merge: dict[str, Any] = {"schema": argument.schema}
        if argument.example is not None:
            merge["example"] = argument.example
        content: dict[str, Any] = {}
        for media_type in patch.media_types:
            if media_type == JSON_PATCH:
                self._component("schema", "JSONPatchOperation")
                self._component("schema", "JSONPatch")
                content[media_type] = {"schema": {"$ref": "#/components/schemas/JSONPatch"}}
            else:
                content[media_type] = dict(merge)
        body: dict[str, Any] = {"required": True, "content": content}
        description = argument.description or (
            "Changes to the resource: a JSON Merge Patch (RFC 7396: members replace the"
            " current ones, `null` removes one, objects merge) or a JSON Patch (RFC 6902)."
        )
        body["description"] = description
        result["requestBody"] = body
        responses: dict[str, Any] = result["responses"]
        responses.setdefault("400", "BadRequest")
        if JSON_PATCH in patch.media_types:
            responses.setdefault("409", self._component("response", "PatchConflict"))
        responses.setdefault("415", "UnsupportedMediaType")
        responses.setdefault("422", "UnprocessableContent")
