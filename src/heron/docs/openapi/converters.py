"""Werkzeug URL converters → OpenAPI path parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.routing import Rule
from werkzeug.routing.converters import (
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UUIDConverter,
)

__all__ = ["converter_schema", "rule_to_openapi"]


def converter_schema(
    converter: BaseConverter, custom: Mapping[type[BaseConverter], Mapping[str, Any]] = {}
) -> dict[str, Any]:
    """Return the OpenAPI schema of the values a converter accepts.

    ``int`` → ``integer`` (with ``minimum``/``maximum`` from ``min``, ``max`` and
    ``signed``), ``float`` → ``number``, ``uuid`` → ``string``/``uuid``, ``any`` →
    a string ``enum``, ``path`` and ``string`` → ``string``. A custom converter
    may set a class attribute ``openapi_schema`` or be mapped in ``custom``.

    Args:
        converter: A converter instance bound to a rule.
        custom: Converter class → schema, from :attr:`heron.Api.converter_schemas`.

    Returns:
        A schema object.
    """
    for cls in type(converter).__mro__:
        if cls in custom:
            return dict(custom[cls])
    declared = getattr(converter, "openapi_schema", None)
    if declared is not None:
        return dict(declared)
    if isinstance(converter, NumberConverter):
        schema: dict[str, Any] = {
            "type": "integer" if isinstance(converter, IntegerConverter) else "number"
        }
        if isinstance(converter, FloatConverter):
            schema["format"] = "double"
        minimum = converter.min
        if minimum is None and not converter.signed:
            minimum = 0
        if minimum is not None:
            schema["minimum"] = minimum
        if converter.max is not None:
            schema["maximum"] = converter.max
        return schema
    if isinstance(converter, UUIDConverter):
        return {"type": "string", "format": "uuid"}
    if isinstance(converter, AnyConverter):
        return {"type": "string", "enum": sorted(converter.items)}
    if isinstance(converter, PathConverter):
        return {"type": "string", "description": "May contain '/'."}
    return {"type": "string"}


def rule_to_openapi(
    rule: Rule, custom: Mapping[type[BaseConverter], Mapping[str, Any]] = {}
) -> tuple[str, list[dict[str, Any]]]:
    """Return a bound rule's OpenAPI path template and its path parameters.

    ``/pets/<int:pet_id>`` → ``/pets/{pet_id}`` with an ``integer`` parameter.

    Args:
        rule: A rule bound to a ``Map`` (its converters are instantiated).
        custom: Converter class → schema overrides.

    Returns:
        The path template and the parameter objects (OpenAPI 3.1 §4.8.12).
    """
    # Werkzeug keeps the parsed rule in ``_trace`` (static text and variable
    # names; the host part, then "|", then the path) and the converter
    # instances in ``_converters``.
    trace = rule._trace  # noqa: SLF001
    path = ""
    params: list[dict[str, Any]] = []
    for is_dynamic, data in trace[trace.index((False, "|")) + 1 :]:
        if not is_dynamic:
            path += data
            continue
        path += "{" + data + "}"
        conv = rule._converters[data]  # noqa: SLF001
        params.append(
            {"name": data, "in": "path", "required": True, "schema": converter_schema(conv, custom)}
        )
    return path, params
