"""Readable, stable schema component names (``PetOnlyIdName``, never ``Pet1``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ...core.naming import camel, words

__all__ = ["ComponentNamer"]


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
        module_words = [camel(words(part)) for part in reversed(cls.__module__.split("."))]
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
            parts.append("Only" + camel(camel(words(f)) for f in sorted(schema.only)))
        if exclude:
            parts.append("Without" + camel(camel(words(f)) for f in sorted(exclude)))
        if schema.partial is True:
            parts.append("Partial")
        elif schema.partial:
            parts.append("Partial" + camel(camel(words(f)) for f in sorted(schema.partial)))
        if load_only:
            parts.append("LoadOnly" + camel(camel(words(f)) for f in sorted(load_only)))
        if dump_only:
            parts.append("DumpOnly" + camel(camel(words(f)) for f in sorted(dump_only)))
        return "".join(parts)
