"""Resolve what a declaration names against the resource it decorates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response as _WZResponse

if TYPE_CHECKING:
    from ..core.operations import Operation
    from ..core.request import Request


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


def path_only_get(operations: Mapping[str, Operation]) -> Operation | None:
    """Return the route's ``GET`` operation if it takes only path parameters, else None.

    Such a ``GET`` can be called to read the current state of the resource
    (``@conditional``'s ETag, ``@patch_body``'s document to patch).

    Args:
        operations: The route's operations by upper-case method.
    """
    source = operations.get("GET")
    if source is None or any(a.location != "path" for a in source.arguments):
        return None
    return source


def read_through_get(
    source: Operation, req: Request, path_values: Mapping[str, Any], declaration: str
) -> Any:
    """Call the ``GET`` handler of ``source`` for the current state, as it returns data.

    Args:
        source: The route's ``GET`` operation (:func:`path_only_get`).
        req: The request.
        path_values: The path parameters.
        declaration: The declaration reading it, for the error message
            (``"conditional() validators="``).

    Returns:
        The data (the first item of a tuple the handler returns).

    Raises:
        TypeError: If the handler returns a response rather than data: the
            declaration needs its own way to read the state.
    """
    data = source.handler(req, **path_values)
    if isinstance(data, tuple):
        data = data[0]
    if isinstance(data, _WZResponse):
        raise TypeError(f"{source.operation_id} returned a response: give {declaration}")
    return data
