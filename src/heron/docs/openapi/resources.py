"""Resources serving the OpenAPI document as JSON and YAML."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...core.request import Request, Response
from ...core.resources import Resource

if TYPE_CHECKING:
    from ...core.app import Api

__all__ = ["OpenAPIDocument", "dump_spec"]

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
        api: The application.
        fmt: ``"json"`` or ``"yaml"`` (``application/yaml``, RFC 9512).
    """

    negotiate = False

    def __init__(self, api: Api, fmt: str) -> None:
        self.api = api
        self.fmt = fmt
        self._cached: tuple[dict[str, Any], bytes] | None = None

    def get(self, req: Request) -> Response:
        """Return the OpenAPI document."""
        spec = self.api.openapi()
        if self._cached is None or self._cached[0] is not spec:
            self._cached = (spec, dump_spec(spec, self.fmt).encode("utf-8"))
        resp = Response(self._cached[1], content_type=f"{_MEDIA_TYPES[self.fmt]}; charset=utf-8")
        resp.headers["Cache-Control"] = "no-cache"
        return resp
