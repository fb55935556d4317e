"""The OpenAPI document served as JSON and YAML, as an extension (:class:`OpenAPIRoutes`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...core.resources import Resource
from ...core.response import Response

if TYPE_CHECKING:
    from ...core.request import Request
    from ...core.scaffold import Scaffold

__all__ = ["OpenAPIDocument", "OpenAPIRoutes", "dump_spec"]

#: ``document() -> spec``: the application's document, built once per change.
Source = Callable[[], dict[str, Any]]

_MEDIA_TYPES = {"json": "application/json", "yaml": "application/yaml"}


def dump_spec(spec: dict[str, Any], fmt: str) -> str:
    """Serialize an OpenAPI document deterministically.

    Args:
        spec: The document.
        fmt: ``"json"`` (2-space indented) or ``"yaml"`` (block style, key order kept).

    Returns:
        The text, ending with a newline.

    Raises:
        ValueError: If ``fmt`` is neither.
    """
    if fmt == "json":
        return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        from ...media._yaml_impl import dump_spec_yaml

        return dump_spec_yaml(spec)
    raise ValueError(f"Unknown spec format {fmt!r}; use 'json' or 'yaml'")


class OpenAPIDocument(Resource):
    """Serves the application's OpenAPI document, serialized once.

    Args:
        source: Returns the document (``api.openapi``).
        fmt: ``"json"`` or ``"yaml"`` (``application/yaml``, RFC 9512).
    """

    negotiate = False

    def __init__(self, source: Source, fmt: str) -> None:
        self.source = source
        self.fmt = fmt
        self._cached: tuple[dict[str, Any], bytes] | None = None

    def get(self, req: Request) -> Response:
        """Return the OpenAPI document."""
        spec = self.source()
        if self._cached is None or self._cached[0] is not spec:
            self._cached = (spec, dump_spec(spec, self.fmt).encode("utf-8"))
        resp = Response(self._cached[1], content_type=f"{_MEDIA_TYPES[self.fmt]}; charset=utf-8")
        resp.headers["Cache-Control"] = "no-cache"
        return resp


class OpenAPIRoutes:
    """The extension serving the document at ``{path}.json`` and ``{path}.yaml``.

    The routes serve the API's own documentation: left out of the document,
    and open whatever security requirements and rate limits the application
    declares (see :class:`heron.core.resources.Route`).

    Args:
        source: Returns the document (``api.openapi``).
        path: Where it is served, without extension (``"/openapi"``).
    """

    name = "openapi"

    def __init__(self, source: Source, path: str) -> None:
        self.source = source
        self.path = path

    def init_app(self, api: Scaffold) -> None:
        """Register the two routes."""
        for fmt in ("json", "yaml"):
            api.add_resource(
                OpenAPIDocument(self.source, fmt),
                f"{self.path}.{fmt}",
                endpoint=f"heron.openapi_{fmt}",
                include_in_schema=False,
                documentation=True,
            )
