"""The extension protocol: application- and blueprint-level behaviour, in one registry.

An extension (CORS, sessions, rate limits, security schemes, the OpenAPI
routes and Swagger UI, the browsable API...) is registered on an application
or a blueprint with ``register_extension``, which calls its ``init_app`` and
keeps it by name in ``extensions``. Whatever it registers while ``init_app``
runs (hooks, routes, media handlers) belongs to it. Beyond that, each kind of
part it may own is a typed capability, found once when it is registered:

- :class:`~heron.core.resources.FeatureProvider`: it gives operations
  features of their own (a security requirement, rate limits), bound when
  their resource is registered;
- :class:`DocumentsOperations`: it adds to each operation's OpenAPI
  Operation Object;
- :class:`DocumentsSpec`: it adds to the document itself (components, the
  top-level ``security``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .features import OperationDocument
    from .operations import Operation
    from .resources import Route

__all__ = ["DocumentsOperations", "DocumentsSpec", "Extension", "SpecDocument"]


class Extension(Protocol):
    """What ``register_extension`` expects: a ``name`` and an ``init_app`` method.

    ``init_app(target)`` registers the extension's hooks, routes or media
    handlers on ``target`` (an :class:`~heron.Api`, or a
    :class:`~heron.Blueprint` for extensions that apply to one); the extension
    is then found in ``target.extensions[name]``.
    """

    name: str

    def init_app(self, api: Any) -> None:
        """Attach the extension to ``api`` (an application or a blueprint)."""


class SpecDocument(Protocol):
    """What an extension may add to the OpenAPI document (implemented by :mod:`heron.docs`).

    Attributes:
        openapi_version: ``"3.0.3"`` or ``"3.1.0"``.
        fields: Top-level fields of the document being built (``security``...).
        notes: What features and extensions kept while the operations were
            documented (:attr:`heron.core.features.OperationDocument.notes`).
    """

    openapi_version: str
    fields: dict[str, Any]
    notes: dict[str, Any]

    def component(self, kind: str, name: str, build: Callable[[], dict[str, Any]]) -> str:
        """Add the component ``name`` of ``kind`` once; return ``name``."""

    def error_response(self, description: str) -> dict[str, Any]:
        """Return an error Response Object: ``description`` and the problem content."""


@runtime_checkable
class DocumentsOperations(Protocol):
    """An extension that documents something on operations (rate limit responses)."""

    def document_operation(
        self, route: Route, operation: Operation, doc: OperationDocument
    ) -> None:
        """Add to the Operation Object of ``operation`` (at ``route``) through ``doc``."""


@runtime_checkable
class DocumentsSpec(Protocol):
    """An extension that documents something on the document (components, ``security``)."""

    def document_spec(self, doc: SpecDocument) -> None:
        """Add to the OpenAPI document through ``doc``, after every operation was documented."""
