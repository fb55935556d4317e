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
    """Return a registry with Heron's built-in handlers, JSON first (the default).

    Server preference order: JSON, YAML, then the form parsers. :class:`heron.Api`
    adds HTML (the browsable API, :mod:`heron.docs.browsable`) after YAML:
    browsers, which rank ``text/html`` above ``*/*``, get HTML; every other
    client without a stated preference gets JSON.
    """
    return MediaRegistry([JSONHandler(), YAMLHandler(), FormHandler(), MultipartHandler()])
