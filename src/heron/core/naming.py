"""Readable, stable operationIds (``listPets``, ``getPet``...), derived at registration."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["camel", "derive_operation_id", "plural", "resource_noun", "singular", "words"]

_RESOURCE_SUFFIXES = ("Resource", "Collection", "Detail", "Endpoint", "View", "Item", "List")
_WORD = re.compile(r"[A-Za-z][a-z0-9]*|[0-9]+")


def camel(words: Iterable[str]) -> str:
    """Join ``words`` in CamelCase (``["dimensions", "width"]`` → ``DimensionsWidth``)."""
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def words(name: str) -> list[str]:
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
