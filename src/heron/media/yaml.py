"""YAML (``application/yaml``, RFC 9512) and the ``+yaml`` structured syntax suffix.

Request content is read into the JSON data model only: mappings, sequences,
strings, integers, finite floats, booleans and null, resolved as YAML 1.2's
core schema (so ``yes`` and ``2024-01-31`` stay strings, as they would in
JSON). Reading is PyYAML's safe loader (libyaml's parser when available) with
the defences RFC 9512 §4 asks for:

- no tags beyond the core schema: ``!!python/...`` and every other tag is a
  400 naming it, so a document can never run code;
- aliases may add at most :attr:`YAMLHandler.max_alias_nodes` nodes to the
  document (a "billion laughs" document adds billions) and may not refer to
  themselves;
- nesting is at most :attr:`YAMLHandler.max_depth` collections deep.

All three are checked while the document is composed, from the parser's
events, before any Python object is built, so a hostile document costs time
and memory in proportion to its own size.

PyYAML is imported on the first YAML document read or written
(:mod:`heron.media._yaml_impl`), not with the application.
"""

from __future__ import annotations

from typing import Any

from .base import MediaHandler

__all__ = ["YAMLHandler"]


class YAMLHandler(MediaHandler):
    """``application/yaml`` (RFC 9512) and every ``application/*+yaml`` type.

    Serializes block-style UTF-8 YAML with keys in their order. Reads YAML
    into JSON values (see the module's description for the limits); RFC 9512
    §2.1's deprecated aliases ``application/x-yaml``, ``text/yaml`` and
    ``text/x-yaml`` are understood as ``application/yaml``, which is what is
    sent. Problems are sent as ``application/problem+yaml``: the problem
    details object of RFC 9457 in the ``+yaml`` syntax.

    Attributes:
        max_depth: The deepest nesting of collections read.
        max_alias_nodes: How many nodes aliases may add to a document.
    """

    media_type = "application/yaml"
    media_ranges = ("application/*+yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
    format = "yaml"
    problem_media_type = "application/problem+yaml"

    def __init__(self, *, max_depth: int = 200, max_alias_nodes: int = 10_000) -> None:
        self.max_depth = max_depth
        self.max_alias_nodes = max_alias_nodes

    def serialize(self, data: Any) -> bytes:
        """Return ``data`` as block-style UTF-8 YAML."""
        from ._yaml_impl import dump

        return dump(data)

    def parse(self, body: bytes, charset: str | None) -> Any:
        """Return the JSON value in the YAML document ``body``.

        Without ``charset``, the encoding is UTF-8, or UTF-16 with a byte
        order mark (YAML 1.2.2 §5.2). An empty document is null.

        Raises:
            BadRequest: If ``body`` is not one well-formed YAML document, has
                a tag other than the core schema's, or breaks a limit; the
                detail names the problem and where it is.
            UnsupportedMediaType: If ``charset`` is not a known encoding.
        """
        from ._yaml_impl import load

        return load(body, charset, self.max_depth, self.max_alias_nodes)
