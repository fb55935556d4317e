"""Request hooks and the extension registry.

Hooks run around every request, per application and per blueprint (Flask's
``before_request``/``after_request``/``teardown_request``, with the request
passed explicitly):

- ``before_request(req)`` runs after routing, before anything else; returning a
  response answers the request with it.
- guards ``guard(req, operation)`` run once an operation is matched and its
  representation negotiated, before arguments are loaded: security schemes and
  rate limits are guards; they raise an :class:`~heron.HTTPError` to refuse.
- ``after_request(req, response)`` runs on every response, error responses
  included; it may return a replacement response.
- ``teardown_request(req, exc)`` always runs last, also when handling failed
  (``exc`` is the unhandled exception, or None); its own errors are logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WZResponse

    from .app import Api
    from .operations import Operation
    from .request import Request

__all__ = ["AfterHook", "BeforeHook", "Extension", "Guard", "Hooks", "TeardownHook"]

BeforeHook = Callable[["Request"], "WZResponse | None"]
AfterHook = Callable[["Request", "WZResponse"], "WZResponse | None"]
TeardownHook = Callable[["Request", "BaseException | None"], None]
Guard = Callable[["Request", "Operation"], None]
H = TypeVar("H", bound=Callable[..., Any])


@dataclass
class Hooks:
    """The hooks of an application or a blueprint, in registration order."""

    before: list[BeforeHook] = field(default_factory=list)
    after: list[AfterHook] = field(default_factory=list)
    teardown: list[TeardownHook] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)


class HookMixin:
    """Decorators registering hooks on :attr:`hooks` (for Api and Blueprint)."""

    hooks: Hooks

    def before_request(self, func: H) -> H:
        """Register ``func(req)`` to run before each request's operation.

        Returning a response (not None) answers the request with it.
        """
        self.hooks.before.append(func)
        return func

    def after_request(self, func: H) -> H:
        """Register ``func(req, response)`` to run on every response.

        It may return a replacement response; None keeps the response.
        """
        self.hooks.after.append(func)
        return func

    def teardown_request(self, func: H) -> H:
        """Register ``func(req, exc)`` to run after every request, even a failed one."""
        self.hooks.teardown.append(func)
        return func

    def guard(self, func: H) -> H:
        """Register ``func(req, operation)`` to vet each matched operation.

        It raises an :class:`~heron.HTTPError` (401, 403, 429...) to refuse.
        """
        self.hooks.guards.append(func)
        return func


class Extension(Protocol):
    """What :meth:`heron.Api.register_extension` expects: an ``init_app`` method.

    ``init_app(api)`` registers the extension's hooks, guards, routes or spec
    components on ``api``; the extension is then found in
    ``api.extensions[name]``.
    """

    name: str

    def init_app(self, api: Api) -> None:
        """Attach the extension to ``api``."""
