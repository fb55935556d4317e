"""Media handlers: one per media type, each able to serialize and/or parse.

A :class:`MediaHandler` names the media ranges it serves and the short ``format``
name clients may ask for. A :class:`MediaRegistry` keeps handlers in server
preference order; :mod:`heron.negotiation` chooses among them.
"""

from .base import MediaHandler, MediaRegistry
from .form import FormHandler, MultipartHandler
from .json import JSONHandler
from .yaml import YAMLHandler

__all__ = [
    "FormHandler",
    "JSONHandler",
    "MediaHandler",
    "MediaRegistry",
    "MultipartHandler",
    "YAMLHandler",
]


def default_registry() -> MediaRegistry:
    """Return a registry with Heron's built-in handlers, JSON first (the default)."""
    return MediaRegistry([JSONHandler(), YAMLHandler(), FormHandler(), MultipartHandler()])
