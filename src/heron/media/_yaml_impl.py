"""The PyYAML side of :mod:`heron.media.yaml`, imported on the first YAML read or write.

Kept apart so that an application which never sends or reads YAML never
imports PyYAML.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import re
import uuid
from typing import Any, NoReturn

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from ..http.errors import BadRequest, UnsupportedMediaType

__all__ = ["dump", "dump_spec_yaml", "load"]

_Parser: Any
_SafeDumper: Any
try:  # libyaml's C parser and emitter, when PyYAML was built with them
    from yaml._yaml import CParser as _Parser
    from yaml.cyaml import CSafeDumper as _SafeDumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _SafeDumper
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: Any) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)


_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _CoreResolver(BaseResolver):
    """Resolve plain scalars by YAML 1.2's core schema (YAML 1.2.2 §10.3.2)."""


for _tag, _pattern, _first in (
    ("null", r"~|null|Null|NULL|", "~nN"),
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    (
        "float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
    ("merge", r"<<", "<"),
):
    _CoreResolver.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}",
        re.compile(f"^(?:{_pattern})$"),
        [*_first, ""] if _tag == "null" else list(_first),
    )


class _JSONConstructor(SafeConstructor):
    """Build only JSON values; every other tag is refused."""

    yaml_constructors: dict[Any, Any] = {}  # type: ignore[misc]  # none of SafeConstructor's

    def construct_core_int(self, node: Any) -> int:
        """Return a YAML 1.2 core schema integer (``12``, ``0o14``, ``0xC``)."""
        value = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if value.startswith("-") else 1
        value = value.lstrip("-+")
        if value.startswith("0o"):
            return sign * int(value[2:], 8)
        if value.startswith("0x"):
            return sign * int(value[2:], 16)
        return sign * int(value, 10)

    def construct_finite_float(self, node: Any) -> float:
        """Return a float; ``.inf`` and ``.nan`` are not JSON numbers (RFC 8259 §6)."""
        value = self.construct_yaml_float(node)
        if value != value or value in (float("inf"), float("-inf")):
            raise ConstructorError(
                None, None, f"{node.value!r} is not a JSON number", node.start_mark
            )
        return value

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Return a mapping whose keys are strings, as JSON object names are (RFC 8259 §4).

        A scalar key is its text as written (``200: OK`` gives ``"200"``, as
        ``{"200": "OK"}`` would); a collection as a key is refused.
        """
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found a collection as a key: JSON object keys are strings",
                    key_node.start_mark,
                )
            self.construct_object(key_node)  # refuses a tag that is not JSON's
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_refused(self, node: Node) -> NoReturn:
        """Refuse a node whose tag is not one of JSON's values."""
        raise ConstructorError(
            None,
            None,
            f"the tag {node.tag!r} is not allowed: only JSON values"
            " (mappings, sequences, strings, numbers, booleans, null) are accepted",
            node.start_mark,
        )


for _tag, _constructor in (
    ("null", SafeConstructor.construct_yaml_null),
    ("bool", SafeConstructor.construct_yaml_bool),
    ("int", _JSONConstructor.construct_core_int),
    ("float", _JSONConstructor.construct_finite_float),
    ("str", SafeConstructor.construct_yaml_str),
    ("seq", SafeConstructor.construct_yaml_seq),
    ("map", SafeConstructor.construct_yaml_map),
):
    _JSONConstructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _constructor)  # type: ignore[type-var]
_JSONConstructor.add_constructor(None, _JSONConstructor.construct_refused)  # type: ignore[type-var]


class _Loader(_Parser, _JSONConstructor, _CoreResolver):  # type: ignore[misc]
    def __init__(self, stream: str | bytes) -> None:
        _Parser.__init__(self, stream)
        _JSONConstructor.__init__(self)
        _CoreResolver.__init__(self)


class _Rejected(Exception):
    """The document breaks one of the handler's limits."""

    def __init__(self, message: str, event: Any) -> None:
        super().__init__(message + _position(event.start_mark))


class _Composer:
    """Compose a document's node graph from parser events, within limits.

    PyYAML's own composer (in C for libyaml) recurses once per nesting level
    and counts nothing: a 100,000-deep document crashes the interpreter and a
    billion-laughs document is composed happily. This one works from a stack,
    tracks each anchor's expanded size, and stops at the first event past a
    limit.
    """

    def __init__(self, loader: _Loader, max_depth: int, max_alias_nodes: int) -> None:
        self.loader = loader
        self.max_depth = max_depth
        self.max_alias_nodes = max_alias_nodes

    def compose(self) -> Node | None:
        loader = self.loader
        loader.get_event()  # StreamStart
        if loader.check_event(StreamEndEvent):
            return None
        loader.get_event()  # DocumentStart
        node = self._compose_node()
        loader.get_event()  # DocumentEnd
        if not loader.check_event(StreamEndEvent):
            event = loader.get_event()
            raise _Rejected("expected a single document, found another", event)
        return node

    def _compose_node(self) -> Node:  # noqa: C901 - one loop over the event kinds
        loader = self.loader
        anchors: dict[str, tuple[Node, int]] = {}
        open_anchors: set[str] = set()
        # Each open collection: (node, its anchor, expanded size before it).
        stack: list[tuple[Node, str | None, int]] = []
        expanded = 0  # nodes in the document with every alias expanded
        own = 0  # nodes written in the document
        while True:
            event: Any = loader.get_event()
            node: Node | None = None
            if isinstance(event, AliasEvent):
                anchor = event.anchor
                if anchor in open_anchors:
                    raise _Rejected(f"the alias *{anchor} refers to its own anchor", event)
                if anchor not in anchors:
                    raise _Rejected(f"the alias *{anchor} has no anchor", event)
                node, size = anchors[anchor]
                expanded += size
                if expanded - own > self.max_alias_nodes:
                    raise _Rejected(
                        f"aliases expand the document by more than {self.max_alias_nodes}"
                        " nodes (an entity expansion attack?)",
                        event,
                    )
            elif isinstance(event, ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = loader.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
                start: Any = event.start_mark
                end: Any = event.end_mark
                node = ScalarNode(tag, event.value, start, end, event.style)
                own += 1
                expanded += 1
                if event.anchor is not None:
                    anchors[event.anchor] = (node, 1)
            elif isinstance(event, CollectionStartEvent):
                if len(stack) >= self.max_depth:
                    raise _Rejected(f"nested more than {self.max_depth} levels deep", event)
                tag = event.tag
                is_map = isinstance(event, MappingStartEvent)
                if tag is None or tag == "!":
                    tag = _MAP if is_map else _SEQ
                cls = MappingNode if is_map else SequenceNode
                start = event.start_mark
                collection = cls(tag, [], start, None, flow_style=event.flow_style)
                stack.append((collection, event.anchor, expanded))
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
                own += 1
                expanded += 1
                continue
            else:  # SequenceEndEvent or MappingEndEvent
                assert isinstance(event, (SequenceEndEvent, MappingEndEvent))
                node, anchor, before = stack.pop()
                node.end_mark = event.end_mark
                if anchor is not None:
                    open_anchors.discard(anchor)
                    anchors[anchor] = (node, expanded - before)
            if not stack:
                return node
            self._add(stack[-1][0], node)

    @staticmethod
    def _add(parent: Node, child: Node) -> None:
        if isinstance(parent, SequenceNode):
            parent.value.append(child)
        elif parent.value and len(parent.value[-1]) == 1:
            parent.value[-1] = (parent.value[-1][0], child)
        else:
            parent.value.append((child,))


def _represent_str(dumper: yaml.SafeDumper, value: Any) -> yaml.ScalarNode:
    return dumper.represent_str(str(value))


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Write multi-line strings as literal blocks, the readable way."""
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: Any) -> yaml.SequenceNode:
    return dumper.represent_list(list(value))


def _represent_enum(dumper: yaml.SafeDumper, value: enum.Enum) -> yaml.Node:
    return dumper.represent_data(value.value)


def _represent_iso(dumper: yaml.SafeDumper, value: dt.date | dt.time) -> yaml.ScalarNode:
    return dumper.represent_str(value.isoformat())


class _Dumper(_SafeDumper):  # type: ignore[misc]
    """Safe dumper writing the same values as JSON does for common Python types."""


for _type, _representer in (
    (str, _represent_text),
    (decimal.Decimal, _represent_str),
    (uuid.UUID, _represent_str),
    (dt.datetime, _represent_iso),
    (dt.date, _represent_iso),
    (dt.time, _represent_iso),
    (tuple, _represent_list),
    (set, _represent_list),
    (frozenset, _represent_list),
):
    _Dumper.add_representer(_type, _representer)
_Dumper.add_multi_representer(enum.Enum, _represent_enum)


#: What libyaml's scanner says when a document is nested past its own limit (1000).
_SCANNER_DEPTH = "maximum nesting depth"


def _position(mark: Any) -> str:
    """Return " (line L, column C)" for a YAML mark, or "" without one."""
    return "" if mark is None else f" (line {mark.line + 1}, column {mark.column + 1})"


def _describe(exc: yaml.MarkedYAMLError) -> str:
    """Return "problem (line L, column C)", with the context if any."""
    text = exc.problem or exc.context or "invalid document"
    mark = exc.problem_mark or exc.context_mark
    text += _position(mark)
    if exc.context and exc.problem:
        text += f", {exc.context}"
        if exc.context_mark is not None and exc.context_mark is not mark:
            text += f" at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
    return text


def dump(data: Any) -> bytes:
    """Return ``data`` as block-style UTF-8 YAML."""
    out: bytes = yaml.dump(
        data,
        Dumper=_Dumper,
        encoding="utf-8",
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
    )
    return out


def load(body: bytes, charset: str | None, max_depth: int, max_alias_nodes: int) -> Any:
    """Return the JSON value in the YAML document ``body`` (see :meth:`YAMLHandler.parse`).

    Raises:
        BadRequest: If ``body`` is not one well-formed YAML document, has a
            tag other than the core schema's, or breaks a limit.
        UnsupportedMediaType: If ``charset`` is not a known encoding.
    """
    try:
        stream: str | bytes = body.decode(charset) if charset else body
    except LookupError:
        raise UnsupportedMediaType(f"The charset {charset!r} is not supported.") from None
    except UnicodeDecodeError as exc:
        raise BadRequest(f"Request body could not be decoded as {charset}: {exc}") from None
    loader = _Loader(stream)
    try:
        node = _Composer(loader, max_depth, max_alias_nodes).compose()
        return None if node is None else loader.construct_document(node)
    except _Rejected as exc:
        raise BadRequest(f"Refused YAML in request body: {exc}.") from None
    except yaml.MarkedYAMLError as exc:
        if exc.problem and _SCANNER_DEPTH in exc.problem:
            # libyaml's scanner (PyYAML >= 6.0.3) reads flow collections ahead of
            # the composer and stops at its own limit of 1000 levels: deeper than
            # ours, so it is the same refusal, said in the same words.
            raise BadRequest(
                f"Refused YAML in request body: nested more than {max_depth} levels deep"
                f"{_position(exc.problem_mark)}."
            ) from None
        raise BadRequest(f"Malformed YAML in request body: {_describe(exc)}.") from None
    except (yaml.YAMLError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        raise BadRequest(f"Malformed YAML in request body: {reason}.") from None
    finally:
        loader.dispose()


class _SpecDumper(yaml.SafeDumper):
    """Safe YAML dumper: multi-line strings as literal blocks, no anchors/aliases.

    apispec reuses dict objects (shared parameter and header schemas); a spec
    file is read by people and by tools that handle aliases poorly, so every
    occurrence is written out in full.
    """

    def ignore_aliases(self, data: object) -> bool:
        """Never emit ``&anchor``/``*alias`` pairs."""
        return True


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SpecDumper.add_representer(str, _str_representer)


def dump_spec_yaml(spec: dict[str, Any]) -> str:
    """Return an OpenAPI document as YAML, block style, keys in their order, no aliases."""
    text: str = yaml.dump(spec, Dumper=_SpecDumper, sort_keys=False, allow_unicode=True, width=100)
    return text
