"""Request hooks, and the chains they are flattened into once per change.

Hooks run around every request, per application and per blueprint (Flask's
``before_request``/``after_request``/``teardown_request``, with the request
passed explicitly):

- ``before_request(req)`` runs after routing, before anything else; returning a
  response answers the request with it.
- guards ``guard(req, operation)`` run once an operation is matched and its
  representation negotiated, after its security requirement is met and before
  its other features (:attr:`~heron.core.features.Stage.GUARD`); they raise an
  :class:`~heron.HTTPError` to refuse.
- ``after_request(req, response)`` runs on every response, error responses
  included; it may return a replacement response.
- ``teardown_request(req, exc)`` always runs last, also when handling failed
  (``exc`` is the unhandled exception, or None); its own errors are logged.

The application's and a blueprint's hooks are not merged per request: each
scope's :class:`Chain` (the application's, and each blueprint's: the
application's hooks, then the blueprint's) is flattened once, when first
needed after a change (as Falcon's ``prepare_middleware`` does). A hook
registered by an extension belongs to it: an extension of the same name
registered on a blueprint replaces the application's for the blueprint's
routes (a blueprint's own CORS policy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WZResponse

    from .operations import Operation
    from .request import Request

__all__ = ["AfterHook", "BeforeHook", "Chain", "Guard", "Hooks", "TeardownHook", "flatten"]

BeforeHook = Callable[["Request"], "WZResponse | None"]
AfterHook = Callable[["Request", "WZResponse"], "WZResponse | None"]
TeardownHook = Callable[["Request", "BaseException | None"], None]
Guard = Callable[["Request", "Operation"], None]
ErrorHandler = Callable[["Request", Any], Any]
#: A registered hook and the extension that registered it (None: the application's own).
Entry = tuple[Callable[..., Any], "str | None"]


@dataclass
class Hooks:
    """The hooks of an application or a blueprint, in registration order, with their owners."""

    before: list[Entry] = field(default_factory=list)
    after: list[Entry] = field(default_factory=list)
    teardown: list[Entry] = field(default_factory=list)
    guards: list[Entry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Chain:
    """The hooks and error handlers that apply to one scope's requests, flattened.

    Attributes:
        before: ``before_request`` hooks, the application's first.
        guards: Guards, the application's first.
        after: ``after_request`` hooks, the application's first.
        teardown: ``teardown_request`` hooks, the application's first.
        error_handlers: Exception class → handler; a blueprint's override the
            application's for the same class.
    """

    before: tuple[BeforeHook, ...] = ()
    guards: tuple[Guard, ...] = ()
    after: tuple[AfterHook, ...] = ()
    teardown: tuple[TeardownHook, ...] = ()
    error_handlers: Mapping[type[BaseException], ErrorHandler] = field(default_factory=dict)


def flatten(
    app: Hooks,
    app_errors: Mapping[type[BaseException], ErrorHandler],
    blueprint: Hooks | None = None,
    blueprint_errors: Mapping[type[BaseException], ErrorHandler] | None = None,
    replaced: frozenset[str] = frozenset(),
) -> Chain:
    """Flatten the application's hooks and a blueprint's into one :class:`Chain`.

    Args:
        app: The application's hooks.
        app_errors: The application's error handlers.
        blueprint: The blueprint's hooks, or None for the application's own scope.
        blueprint_errors: The blueprint's error handlers.
        replaced: Names of the application's extensions the blueprint replaces
            with its own: their hooks are left out.

    Returns:
        The chain.
    """

    def kind(name: str) -> tuple[Any, ...]:
        own = [f for f, owner in getattr(app, name) if owner is None or owner not in replaced]
        if blueprint is not None:
            own.extend(f for f, _ in getattr(blueprint, name))
        return tuple(own)

    errors = dict(app_errors)
    errors.update(blueprint_errors or {})
    return Chain(kind("before"), kind("guards"), kind("after"), kind("teardown"), errors)
