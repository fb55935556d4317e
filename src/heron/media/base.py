"""The media handler protocol and the registry of handlers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from werkzeug.wrappers import Request

from .content import read_content

__all__ = ["MediaHandler", "MediaRegistry"]


class MediaHandler:
    """Serialize and parse one family of media types.

    Subclasses set :attr:`media_type` (the type sent in ``Content-Type``),
    optionally :attr:`media_ranges` (further types or ``+suffix`` families they
    also accept, e.g. ``"application/*+json"``, RFC 6839 §2) and :attr:`format`,
    and implement :meth:`serialize` and/or :meth:`parse`.
    """

    media_type: ClassVar[str]
    media_ranges: ClassVar[tuple[str, ...]] = ()
    format: ClassVar[str]
    #: Whether the handler can produce a representation.
    can_serialize: ClassVar[bool] = True
    #: Whether the handler can read request content.
    can_parse: ClassVar[bool] = True
    #: Whether the handler reads HTML form content (``location="form"``
    #: arguments) rather than a structured document (``location="json"``).
    form: ClassVar[bool] = False
    #: The media type of a problem details document (RFC 9457 §3) in this
    #: handler's syntax, e.g. ``application/problem+json``; None sends
    #: problems as :attr:`media_type`.
    problem_media_type: ClassVar[str | None] = None
    #: Whether a representation is the data itself in a structured syntax
    #: (JSON, YAML), so the spec documents it with the operation's schema;
    #: False (an HTML page) documents it as a string.
    structured: ClassVar[bool] = True

    def serialize(self, data: Any) -> bytes:
        """Return ``data`` encoded in :attr:`media_type`.

        Args:
            data: Plain Python data (dicts, lists, strings, numbers, ``None``),
                already dumped by the operation's schema.

        Returns:
            The representation's bytes.
        """
        raise NotImplementedError

    def render(self, data: Any, req: Request, status: int) -> bytes:
        """Return the representation of ``data`` for the response to ``req``.

        The default is :meth:`serialize`; handlers whose output depends on the
        request (an HTML page showing the operation, its links and forms)
        override this.

        Args:
            data: Plain data, already dumped by the operation's schema.
            req: The request (its ``operation`` and ``api`` are set).
            status: The response status code.

        Returns:
            The representation's bytes.
        """
        return self.serialize(data)

    def render_problem(self, problem: Any, req: Request, status: int) -> tuple[bytes, str]:
        """Return the representation of an error and its ``Content-Type``.

        The default serializes ``problem`` and sends it as
        :attr:`problem_media_type` (or :attr:`media_type` when that is None);
        an HTML handler overrides this to render an error page.

        Args:
            problem: The problem details object (RFC 9457 §3.1) as a dict, or
                the data returned by the application's ``problem_formatter``.
            req: The request that failed (``operation`` may be None, e.g. 404).
            status: The response status code.

        Returns:
            The body and the media type to send in ``Content-Type``.
        """
        return self.serialize(problem), self.problem_media_type or self.media_type

    def parse(self, body: bytes, charset: str | None) -> Any:
        """Return the plain data encoded in ``body``.

        Args:
            body: The request content.
            charset: The ``charset`` parameter of ``Content-Type``, if any.

        Returns:
            Plain Python data.

        Raises:
            BadRequest: If ``body`` is not well-formed (RFC 9110 §15.5.1).
        """
        raise NotImplementedError

    def read(self, req: Request, charset: str | None) -> Any:
        """Return the plain data of the request content.

        The default reads the whole content and calls :meth:`parse`; handlers
        that stream (forms, multipart) override this.

        Args:
            req: The request.
            charset: The ``charset`` parameter of ``Content-Type``, if any.

        Returns:
            Plain Python data, or a ``MultiDict`` for form content.
        """
        return self.parse(read_content(req), charset)

    def matches(self, media_type: str) -> bool:
        """Tell whether this handler serves the concrete ``media_type``.

        Args:
            media_type: A lower-case ``type/subtype`` without parameters.

        Returns:
            True for :attr:`media_type`, a listed range, or a ``*/*+suffix`` family.
        """
        if media_type == self.media_type or media_type in self.media_ranges:
            return True
        for rng in self.media_ranges:
            main, _, sub = rng.partition("/")
            if sub.startswith("*+"):
                t_main, _, t_sub = media_type.partition("/")
                if t_main == main and t_sub.endswith(sub[1:]):
                    return True
        return False


class MediaRegistry:
    """Media handlers in server preference order (first is the default).

    Args:
        handlers: The handlers, most preferred first.
    """

    def __init__(self, handlers: Iterable[MediaHandler] = ()) -> None:
        self._handlers: list[MediaHandler] = list(handlers)
        self._refresh()

    def _refresh(self) -> None:
        # Decided once per change, never per request.
        handlers = self._handlers
        self._serializers = tuple(h for h in handlers if h.can_serialize)
        self._body_parsers = {
            "json": tuple(h for h in handlers if h.can_parse and not h.form),
            "form": tuple(h for h in handlers if h.can_parse and h.form),
        }
        #: The default representation's handler (the first serializer), or None.
        self.first_serializer: MediaHandler | None = (
            self._serializers[0] if self._serializers else None
        )
        #: The parsers of each body location (what :meth:`body_parsers` returns).
        self.by_location: Mapping[str, tuple[MediaHandler, ...]] = self._body_parsers

    def add(self, handler: MediaHandler, *, first: bool = False, before: str | None = None) -> None:
        """Register ``handler``, replacing one with the same ``media_type``.

        Args:
            handler: The handler.
            first: Put it first, making it the default representation.
            before: Put it before the handler of this media type (last if none has it).
        """
        self._handlers = [h for h in self._handlers if h.media_type != handler.media_type]
        if first:
            self._handlers.insert(0, handler)
        else:
            types = [h.media_type for h in self._handlers]
            index = types.index(before) if before in types else len(types)
            self._handlers.insert(index, handler)
        self._refresh()

    def remove(self, media_type: str) -> MediaHandler:
        """Unregister the handler whose ``media_type`` is ``media_type``.

        Args:
            media_type: E.g. ``"text/html"`` to switch the browsable API off.

        Returns:
            The removed handler.

        Raises:
            KeyError: If no handler has that media type.
        """
        for handler in self._handlers:
            if handler.media_type == media_type:
                self._handlers.remove(handler)
                self._refresh()
                return handler
        raise KeyError(f"No media handler for {media_type!r}")

    def serializers(self) -> tuple[MediaHandler, ...]:
        """Return the handlers that can produce representations, in preference order."""
        return self._serializers

    def parsers(self, *, form: bool = False) -> tuple[MediaHandler, ...]:
        """Return the handlers that can read request content, in preference order.

        Args:
            form: True for the handlers of HTML form content, False for those
                of structured documents (JSON and the like).
        """
        return self._body_parsers["form" if form else "json"]

    def body_parsers(self) -> Mapping[str, tuple[MediaHandler, ...]]:
        """Return the parsers of each body location: ``json`` (structured) and ``form``."""
        return self._body_parsers

    def for_media_type(self, media_type: str) -> MediaHandler | None:
        """Return the first handler serving ``media_type``, or None."""
        for handler in self._handlers:
            if handler.matches(media_type):
                return handler
        return None

    def __iter__(self) -> Iterator[MediaHandler]:
        return iter(self._handlers)
