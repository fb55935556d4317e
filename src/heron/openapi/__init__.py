"""OpenAPI document generation (apispec with its marshmallow plugin)."""

from .generator import build_spec

__all__ = ["build_spec"]
