"""OpenAPI document generation (apispec with its marshmallow plugin).

apispec is imported when a document is built (:func:`build_spec`), not with
the application.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .generator import build_spec as build_spec

__all__ = ["build_spec"]


def __getattr__(name: str) -> Any:
    if name == "build_spec":
        from .generator import build_spec

        return build_spec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
