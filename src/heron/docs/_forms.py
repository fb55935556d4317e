"""HTML form controls derived from marshmallow schemas (for the browsable API).

:func:`form_fields` turns the fields a schema loads into :class:`FormField`
records: which HTML control to use, how the page's script encodes the value in
JSON, and the constraints HTML can check before sending. The records depend
only on the schema, so they are built once per schema and cached.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma

from ..core.fields import Upload

__all__ = ["FormField", "flatten_values", "form_fields"]

_f = ma.fields

#: Scalar field classes → (HTML control, JSON encoding), most specific first.
_SCALARS: tuple[tuple[type[_f.Field[Any]], str, str], ...] = (
    (_f.Boolean, "checkbox", "boolean"),
    (_f.Integer, "number", "integer"),
    (_f.Number, "number", "number"),
    (_f.Date, "date", "string"),  # Date and Time subclass DateTime in marshmallow 3
    (_f.Time, "time", "string"),
    (_f.DateTime, "datetime-local", "string"),
    (_f.Email, "email", "string"),
    (_f.Url, "url", "string"),
    (_f.String, "text", "string"),
    (_f.UUID, "text", "string"),
    (_f.IP, "text", "string"),
)
#: Fields that never take input from a form: computed or fixed by the schema.
_SKIPPED: tuple[type[_f.Field[Any]], ...] = (_f.Method, _f.Function, _f.Constant)


@dataclass(frozen=True, slots=True)
class FormField:
    """One control of a generated form.

    Attributes:
        name: Dotted path of data keys (``dimensions.width``): the control's
            name and the ``path`` a problem's ``errors`` entry gives.
        path: The data keys, for building the JSON document.
        label: Text of the control's label (the data key).
        control: ``text``, ``number``, ``checkbox``, ``select``, ``date``,
            ``datetime-local``, ``time``, ``email``, ``url``, ``file`` (an
            :class:`~heron.fields.Upload`), ``textarea`` or ``fieldset`` (a
            nested schema, whose controls are in ``children``).
        encoding: How the page's script encodes the value: ``string``,
            ``integer``, ``number``, ``boolean``, ``json`` (parsed as JSON),
            ``lines`` (one list item per line, each encoded as ``item``) or
            ``file`` (sent only in ``multipart/form-data`` content).
        item: For ``lines``: the encoding of each item.
        required: Whether the schema requires the field.
        enforced: Whether the browser must require it: the field and every
            enclosing fieldset are required.
        description: The field's ``metadata["description"]``.
        choices: For ``select``: (value, label) pairs.
        attrs: Further HTML attributes: ``min``, ``max``, ``step``,
            ``minlength``, ``maxlength``, ``placeholder``.
        default: The value to preselect in an empty form (``load_default``,
            when it is a plain value).
        children: For ``fieldset``: the nested controls.
    """

    name: str
    path: tuple[str, ...]
    label: str
    control: str
    encoding: str
    item: str = ""
    required: bool = False
    enforced: bool = False
    description: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    attrs: Mapping[str, str] = field(default_factory=dict)
    default: Any = None
    children: tuple[FormField, ...] = ()

    @property
    def path_json(self) -> str:
        """:attr:`path` as a JSON array (the control's ``data-path`` attribute)."""
        return json.dumps(self.path)


_CACHE: weakref.WeakKeyDictionary[ma.Schema, tuple[FormField, ...]] = weakref.WeakKeyDictionary()


def form_fields(schema: ma.Schema) -> tuple[FormField, ...]:
    """Return the controls of a form for the fields ``schema`` loads.

    ``dump_only`` fields (``readOnly``) and computed fields are left out; a
    ``OneOf`` validator or an ``Enum`` field gives a ``select``; a ``Nested``
    schema gives a ``fieldset`` with dotted names; ``Length`` and ``Range``
    give ``minlength``/``maxlength`` and ``min``/``max``.

    Args:
        schema: The schema of an operation's request content.

    Returns:
        The controls, in the schema's field order. Cached per schema instance.
    """
    cached = _CACHE.get(schema)
    if cached is None:
        cached = _CACHE[schema] = _fields_of(schema, (), enforced=True)
    return cached


def _fields_of(
    schema: ma.Schema, prefix: tuple[str, ...], *, enforced: bool
) -> tuple[FormField, ...]:
    out: list[FormField] = []
    partial = schema.partial
    for name, fld in schema.fields.items():
        if fld.dump_only or isinstance(fld, _SKIPPED):
            continue
        optional = partial is True or (not isinstance(partial, bool) and name in (partial or ()))
        path = (*prefix, fld.data_key or name)
        out.append(_control(fld, path, enforced=enforced, partial=optional))
    return tuple(out)


def _control(
    fld: _f.Field[Any], path: tuple[str, ...], *, enforced: bool, partial: bool
) -> FormField:
    required = bool(fld.required) and not partial
    common: dict[str, Any] = {
        "name": ".".join(path),
        "path": path,
        "label": path[-1],
        "required": required,
        "enforced": required and enforced,
        "description": fld.metadata.get("description"),
        "default": _default(fld),
    }
    if isinstance(fld, _f.Nested) and not isinstance(fld, _f.Pluck) and not fld.many:
        nested = fld.schema
        children = _fields_of(nested, path, enforced=required and enforced)
        return FormField(control="fieldset", encoding="object", children=children, **common)
    if isinstance(fld, Upload):
        attrs = {"accept": ",".join(fld.content_types)} if fld.content_types else {}
        return FormField(control="file", encoding="file", attrs=attrs, **common)
    choices = _choices(fld)
    if choices:
        encoding = _scalar(fld)[1] if not isinstance(fld, _f.Enum) else "string"
        if isinstance(fld, _f.Enum) and fld.by_value:
            encoding = "json"
        return FormField(control="select", encoding=encoding, choices=choices, **common)
    if isinstance(fld, _f.List) and not isinstance(fld.inner, (_f.Nested, _f.List, _f.Mapping)):
        item = _scalar(fld.inner)[1]
        if item != "json":
            attrs = {"placeholder": "One item per line"}
            return FormField(control="textarea", encoding="lines", item=item, attrs=attrs, **common)
    control, encoding = _scalar(fld)
    if encoding == "json":
        attrs = {"placeholder": "JSON"}
        return FormField(control="textarea", encoding="json", attrs=attrs, **common)
    return FormField(control=control, encoding=encoding, attrs=_constraints(fld, control), **common)


def _scalar(fld: _f.Field[Any]) -> tuple[str, str]:
    for cls, control, encoding in _SCALARS:
        if isinstance(fld, cls):
            return control, encoding
    return "textarea", "json"


def _choices(fld: _f.Field[Any]) -> tuple[tuple[str, str], ...]:
    if isinstance(fld, _f.Enum):
        members: list[enum.Enum] = list(fld.enum.__members__.values())
        if fld.by_value:
            return tuple((json.dumps(m.value), str(m.value)) for m in members)
        return tuple((m.name, m.name) for m in members)
    for validator in fld.validators:
        if isinstance(validator, ma.validate.OneOf):
            return tuple(
                (str(value), str(label) or str(value)) for value, label in validator.options()
            )
    return ()


def _constraints(fld: _f.Field[Any], control: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if control == "number":
        attrs["step"] = "1" if isinstance(fld, _f.Integer) else "any"
    elif control == "datetime-local":
        attrs["step"] = "1"
    for validator in fld.validators:
        if isinstance(validator, ma.validate.Length) and control == "text":
            low = validator.equal if validator.equal is not None else validator.min
            high = validator.equal if validator.equal is not None else validator.max
            if low is not None:
                attrs["minlength"] = str(low)
            if high is not None:
                attrs["maxlength"] = str(high)
        elif isinstance(validator, ma.validate.Range) and control == "number":
            # An exclusive bound has no HTML equivalent: the server checks it.
            if validator.min is not None and validator.min_inclusive:
                attrs["min"] = str(validator.min)
            if validator.max is not None and validator.max_inclusive:
                attrs["max"] = str(validator.max)
    return attrs


def _default(fld: _f.Field[Any]) -> Any:
    value = fld.load_default
    if value is ma.missing or callable(value):
        return None
    return value


def flatten_values(data: Any, fields: tuple[FormField, ...]) -> dict[str, Any]:
    """Return the values of ``data`` to prefill ``fields`` with, by dotted name.

    Args:
        data: A representation (a dict, already dumped), e.g. the current state
            of the resource for a ``PUT`` form.
        fields: The form's controls.

    Returns:
        Dotted name → value as the control shows it (lists one item per line,
        JSON text for ``json`` controls, ``YYYY-MM-DDTHH:MM:SS`` for
        ``datetime-local``).
    """
    out: dict[str, Any] = {}
    if not isinstance(data, Mapping):
        return out
    for fld in fields:
        value = data.get(fld.path[-1])
        if value is None:
            continue
        if fld.control == "fieldset":
            out.update(flatten_values(value, fld.children))
        elif fld.encoding == "lines" and isinstance(value, list):
            out[fld.name] = "\n".join(str(v) for v in value)
        elif fld.encoding == "json" and fld.control == "textarea":
            out[fld.name] = json.dumps(value, indent=2, ensure_ascii=False)
        elif fld.control == "select" and fld.encoding == "json":
            out[fld.name] = json.dumps(value)
        elif fld.control == "datetime-local" and isinstance(value, str):
            out[fld.name] = value[:19]
        elif isinstance(value, (dt.date, dt.time)):
            out[fld.name] = value.isoformat()
        else:
            out[fld.name] = value
    return out
