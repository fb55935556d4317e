"""Resolve a declaration's ``"method_name"`` against the resource it decorates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def resource_method(resource: Any, name: str, declaration: str) -> Callable[..., Any]:
    """Return ``resource``'s method called ``name``.

    Args:
        resource: The resource instance being registered.
        name: The method's name, as given to the declaration.
        declaration: The declaration's name, for the error message (``"patch_body()"``).

    Returns:
        The bound method.

    Raises:
        ValueError: If the resource has no callable attribute ``name``.
    """
    found = getattr(resource, name, None)
    if not callable(found):
        raise ValueError(f"{declaration}: {type(resource).__name__} has no method {name!r}")
    return found  # type: ignore[no-any-return]
