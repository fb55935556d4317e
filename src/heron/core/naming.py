"""Readable, stable names: operationIds and schema component names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import marshmallow as ma

__all__ = ["ComponentNamer", "derive_operation_id", "singular", "plural"]

_RESOURCE_SUFFIXES = ("Resource", "Collection", "Detail", "Endpoint", "View", "Item", "List")
_WORD = re.compile(r"[A-Za-z][a-z0-9]*|[0-9]+")


def _camel(words: Iterable[str]) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def _words(name: str) -> list[str]:
    """Split ``dimensions_width`` or ``dimensionsWidth`` into words."""
    return _WORD.findall(name.replace("_", " ").replace("-", " "))


def singular(word: str) -> str:
    """Return the English singular of a CamelCase noun's last word (``Pets`` → ``Pet``)."""
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if lower.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def plural(word: str) -> str:
    """Return the English plural of a CamelCase noun's last word (``Pet`` → ``Pets``)."""
    lower = word.lower()
    if lower.endswith("y") and len(word) > 1 and lower[-2] not in "aeiou":
        return word[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def resource_noun(class_name: str) -> str:
    """Return the noun a resource class stands for (``PetCollection`` → ``Pet``)."""
    base = class_name
    for suffix in _RESOURCE_SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    return base


_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def derive_operation_id(class_name: str, method: str, *, item: bool, many: bool) -> str:
    """Derive a readable operationId from a resource class and a method.

    ``GET`` on a collection (a list response) is ``list<Plural>``; on an item
    ``get<Singular>``; ``POST`` is ``create<Singular>``; ``PUT`` is
    ``update<Singular>``; ``PATCH`` is ``patch<Singular>``; ``DELETE`` is
    ``delete<Singular>`` (``delete<Plural>`` on a collection).

    Args:
        class_name: The resource class name (``Pets``, ``PetItem``...).
        method: Upper-case HTTP method.
        item: Whether the rule's last segment is a path parameter.
        many: Whether the success response is a list.

    Returns:
        A lowerCamelCase operationId.
    """
    noun = resource_noun(class_name)
    one = singular(noun)
    if method == "GET":
        if many:
            return "list" + plural(one)
        return "get" + (one if item else noun)
    verb = _VERBS.get(method, method.lower())
    if method == "POST" or item:
        return verb + one
    return verb + (plural(one) if method == "DELETE" else noun)


class ComponentNamer:
    """Collision-free, meaningful names for schema components.

    Used as apispec's ``schema_name_resolver``. A schema class ``PetSchema`` is
    ``Pet``; modifiers give distinct names: ``only=("id", "name")`` →
    ``PetOnlyIdName``, ``exclude=("id",)`` → ``PetWithoutId``, ``partial=True`` →
    ``PetPartial``, ``load_only``/``dump_only`` → ``...LoadOnly...``. A class may
    set ``class Meta: openapi_name = "..."``. Two different classes with the same
    name are told apart by their module (``BillingPet``), never by a counter.

    Schemas Heron derives from a declared one are named after it: the merge
    patch schema of ``PetSchema`` is ``PetPatch`` (:func:`heron.patch.patch_schema`),
    a pagination envelope of its list ``PetPage``
    (:meth:`heron.pagination.Pagination.envelope_schema`).
    """

    def __init__(self) -> None:
        self._names: dict[tuple[Any, ...], str] = {}
        self._taken: dict[str, tuple[Any, ...]] = {}

    def __call__(self, schema: type[ma.Schema] | ma.Schema | str) -> str:
        """Return the component name for ``schema`` (apispec calls this)."""
        from apispec.ext.marshmallow.common import make_schema_key, resolve_schema_instance

        instance = resolve_schema_instance(schema)
        key = tuple(make_schema_key(instance))
        found = self._names.get(key)
        if found is not None:
            return found
        cls = type(instance)
        for candidate in self._candidates(cls, instance):
            owner = self._taken.get(candidate)
            if owner is None or owner == key:
                self._taken[candidate] = key
                self._names[key] = candidate
                return candidate
        raise ValueError(
            f"Cannot give {cls.__module__}.{cls.__qualname__} a unique component name; "
            "set 'class Meta: openapi_name = ...'"
        )

    def _candidates(self, cls: type[ma.Schema], instance: ma.Schema) -> list[str]:
        derived = getattr(cls, "__heron_derived__", None)
        if derived is not None:
            # A schema Heron derives from another (``PetPatch``, ``PetPage``) is
            # named after it, module prefixes and modifiers included.
            origin, suffix = derived
            return [name + suffix for name in self._candidates(type(origin), origin)]
        meta_name = getattr(getattr(cls, "Meta", None), "openapi_name", None)
        base = meta_name or cls.__name__
        if not meta_name and base.endswith("Schema") and len(base) > len("Schema"):
            base = base[: -len("Schema")]
        suffix = self._modifier_suffix(instance)
        module_words = [_camel(_words(part)) for part in reversed(cls.__module__.split("."))]
        names = [base + suffix]
        prefix = ""
        for word in module_words:
            prefix = word + prefix
            names.append(prefix + base + suffix)
        return names

    @staticmethod
    def _modifier_suffix(schema: ma.Schema) -> str:
        # Only what the instance adds counts: the class's own ``Meta.exclude``,
        # ``load_only`` and ``dump_only`` are part of what ``PetSchema`` is.
        opts = schema.opts
        exclude = set(schema.exclude) - set(opts.exclude)
        load_only = set(schema.load_only) if set(schema.load_only) != set(opts.load_only) else ()
        dump_only = set(schema.dump_only) if set(schema.dump_only) != set(opts.dump_only) else ()
        parts: list[str] = []
        if schema.only is not None:
            parts.append("Only" + _camel(_camel(_words(f)) for f in sorted(schema.only)))
        if exclude:
            parts.append("Without" + _camel(_camel(_words(f)) for f in sorted(exclude)))
        if schema.partial is True:
            parts.append("Partial")
        elif schema.partial:
            parts.append("Partial" + _camel(_camel(_words(f)) for f in sorted(schema.partial)))
        if load_only:
            parts.append("LoadOnly" + _camel(_camel(_words(f)) for f in sorted(load_only)))
        if dump_only:
            parts.append("DumpOnly" + _camel(_camel(_words(f)) for f in sorted(dump_only)))
        return "".join(parts)
