"""Blueprints: a group of resources with a URL prefix and an OpenAPI tag."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .scaffold import Scaffold

if TYPE_CHECKING:
    from ..media.base import MediaHandler

__all__ = ["Blueprint"]


class Blueprint(Scaffold):
    """A group of resources mounted on an application under one URL prefix.

    Registrations are recorded and applied by :meth:`heron.Api.register_blueprint`;
    every operation is tagged with the blueprint's tag (OpenAPI 3.1 §4.8.22).

    Args:
        name: Unique name; prefixes endpoint names (``"pets.Pet"``).
        url_prefix: Prefix for every rule, e.g. ``"/pets"``.
        tag: OpenAPI tag; defaults to ``name``.
        description: Description of the tag (CommonMark).
        template_folder: A folder of Jinja2 templates, searched after the
            application's (see :class:`heron.templating.Templates`).
        media_handlers: Media handlers for every operation of the blueprint,
            most preferred first, instead of the application's.
        security: The security requirement of its operations, instead of the
            application's (see :mod:`heron.extensions.security`); ``[]`` makes them public.
    """

    def __init__(
        self,
        name: str,
        *,
        url_prefix: str = "",
        tag: str | None = None,
        description: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        media_handlers: Sequence[MediaHandler] | None = None,
        security: Sequence[Any] | None = None,
    ) -> None:
        if "." in name:
            raise ValueError("A blueprint name cannot contain '.'")
        self.name = name
        self.url_prefix = url_prefix
        self.tag = tag or name
        self.description = description
        self.template_folder = template_folder
        self.media_handlers = tuple(media_handlers) if media_handlers else None
        self.security = security
        self.deferred: list[tuple[Any, str, dict[str, Any]]] = []
        #: The applications it is registered on (told of changes to its hooks).
        self.apps: list[Any] = []
        self._init_scaffold()

    def _changed(self) -> None:
        for app in self.apps:
            app._changed()

    def add_resource(self, resource: Any, rule: str, **options: Any) -> None:
        """Record a resource (class or instance) at ``rule``, below the prefix.

        It is registered on the application with the blueprint
        (:meth:`heron.Api.register_blueprint`), then checked as any resource.

        Args:
            resource: A :class:`~heron.Resource` subclass or instance.
            rule: A Werkzeug rule, below the blueprint's prefix.
            **options: ``endpoint`` and ``include_in_schema``, as
                :meth:`heron.Api.add_resource` takes them.
        """
        unknown = set(options) - {"endpoint", "include_in_schema"}
        if unknown:
            raise TypeError(f"add_resource() got unexpected options: {', '.join(sorted(unknown))}")
        self.deferred.append((resource, rule, options))
