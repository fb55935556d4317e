"""What an application and a blueprint register alike: routes, hooks, error handlers, extensions.

:class:`Scaffold` is the one base of :class:`~heron.Api` and
:class:`~heron.Blueprint` (as Flask's ``sansio.scaffold.Scaffold``): the
``route`` decorator, the hook decorators, ``error_handler`` and
``register_extension`` are written once. An application registers resources
at once; a blueprint records them until it is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from .hooks import Hooks

__all__ = ["Scaffold"]

T = TypeVar("T")
H = TypeVar("H", bound=Callable[..., Any])
E = TypeVar("E", bound=BaseException)
HookKind = Literal["before", "after", "teardown", "guards"]


class Scaffold:
    """Registration shared by :class:`~heron.Api` and :class:`~heron.Blueprint`.

    Attributes:
        hooks: The hooks registered here, with the extension owning each.
        error_handlers: Exception class → ``handler(req, exc)``.
        extensions: Registered extensions by name.
        installing: The name of the extension whose ``init_app`` is running
            (what it registers belongs to it), or None.
    """

    hooks: Hooks
    error_handlers: dict[type[BaseException], Callable[..., Any]]
    extensions: dict[str, Any]
    installing: str | None

    def _init_scaffold(self) -> None:
        self.hooks = Hooks()
        self.error_handlers = {}
        self.extensions = {}
        self.installing = None

    def _changed(self) -> None:
        """Tell the application(s) that what requests go through changed."""
        raise NotImplementedError

    # -- resources -------------------------------------------------------------------

    #: ``add_resource(resource, rule, *, endpoint=None, include_in_schema=True)``:
    #: registers (application) or records (blueprint) a resource at ``rule``.
    add_resource: Callable[..., Any]

    def route(
        self, rule: str, *, endpoint: str | None = None, include_in_schema: bool = True
    ) -> Callable[[type[T]], type[T]]:
        """Register the decorated resource class at ``rule``.

        Args:
            rule: A Werkzeug rule, e.g. ``"/pets/<int:pet_id>"`` (below the
                prefix, in a blueprint).
            endpoint: Name for :meth:`Request.url_for`; defaults to the class name.
            include_in_schema: False to leave the resource out of the spec.

        Returns:
            The decorator, which returns the class unchanged.
        """

        def decorator(cls: type[T]) -> type[T]:
            self.add_resource(cls, rule, endpoint=endpoint, include_in_schema=include_in_schema)
            return cls

        return decorator

    # -- hooks -----------------------------------------------------------------------

    def add_hook(self, kind: HookKind, func: H, *, first: bool = False) -> H:
        """Register ``func`` as a hook of ``kind``: ``before``, ``after``, ``teardown``, ``guards``.

        Args:
            kind: Which hooks.
            func: The hook.
            first: Run it before the hooks registered so far.

        Returns:
            ``func``.
        """
        entries = getattr(self.hooks, kind)
        entry = (func, self.installing)
        if first:
            entries.insert(0, entry)
        else:
            entries.append(entry)
        self._changed()
        return func

    def before_request(self, func: H) -> H:
        """Register ``func(req)`` to run before each request's operation.

        Returning a response (not None) answers the request with it.
        """
        return self.add_hook("before", func)

    def after_request(self, func: H) -> H:
        """Register ``func(req, response)`` to run on every response.

        It may return a replacement response; None keeps the response.
        """
        return self.add_hook("after", func)

    def teardown_request(self, func: H) -> H:
        """Register ``func(req, exc)`` to run after every request, even a failed one."""
        return self.add_hook("teardown", func)

    def guard(self, func: H) -> H:
        """Register ``func(req, operation)`` to vet each matched operation.

        It raises an :class:`~heron.HTTPError` (401, 403, 429...) to refuse.
        """
        return self.add_hook("guards", func)

    # -- errors ----------------------------------------------------------------------

    def error_handler(
        self, exc_class: type[E]
    ) -> Callable[[Callable[[Any, E], Any]], Callable[[Any, E], Any]]:
        """Register a handler for exceptions of ``exc_class`` (and subclasses).

        The handler is called as ``handler(req, exc)`` and returns a response,
        or returns or raises an :class:`~heron.HTTPError` to answer as problem
        details. A blueprint's handler replaces the application's for the
        same class on the blueprint's routes.

        Returns:
            The decorator.
        """

        def decorator(func: Callable[[Any, E], Any]) -> Callable[[Any, E], Any]:
            self.error_handlers[exc_class] = func
            self._changed()
            return func

        return decorator

    # -- extensions ------------------------------------------------------------------

    def register_extension(self, extension: Any) -> None:
        """Attach an extension: call its ``init_app(target)`` and keep it by name.

        What the extension registers while ``init_app`` runs belongs to it
        (see :mod:`heron.core.extensions`).

        Args:
            extension: An object with a ``name`` and an ``init_app`` method
                (:class:`heron.core.extensions.Extension`).

        Raises:
            ValueError: If an extension with that name is already registered.
        """
        name = extension.name
        if name in self.extensions:
            raise ValueError(f"An extension named {name!r} is already registered")
        outer, self.installing = self.installing, name
        try:
            extension.init_app(self)
        finally:
            self.installing = outer
        self.extensions[name] = extension
        self._extension_added(extension)
        self._changed()

    def _extension_added(self, extension: Any) -> None:
        """React to a registered extension (the application binds its features)."""
