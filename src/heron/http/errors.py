"""HTTP errors as RFC 9457 problem details.

Every error Heron produces is an :class:`HTTPError`. Its :meth:`HTTPError.to_problem`
gives the problem details object (RFC 9457 §3.1: ``type``, ``title``, ``status``,
``detail``, ``instance``, plus extension members such as ``errors``), which the
application serializes like any other representation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar, NoReturn

__all__ = [
    "BadRequest",
    "Conflict",
    "ContentTooLarge",
    "Forbidden",
    "HTTPError",
    "HeronError",
    "InternalServerError",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
    "abort",
]

#: Media type of a problem details document serialized as JSON (RFC 9457 §3).
PROBLEM_JSON = "application/problem+json"


class HeronError(Exception):
    """Root of every exception Heron raises."""


class HTTPError(HeronError):
    """An error answered with an HTTP status and a problem details body.

    Subclasses fix :attr:`status`; ``HTTPError(status=...)`` covers the others.

    Args:
        detail: Human-readable explanation specific to this occurrence
            (RFC 9457 §3.1.4).
        status: HTTP status code; defaults to the class's :attr:`status`.
        title: Short summary of the problem type; defaults to the status phrase,
            as RFC 9457 §4.2.1 asks for ``about:blank``.
        type: URI reference identifying the problem type (RFC 9457 §3.1.1).
        instance: URI reference identifying this occurrence (RFC 9457 §3.1.5).
        headers: Extra response headers, e.g. ``Allow`` or ``WWW-Authenticate``.
        **extensions: Extension members added to the problem object
            (RFC 9457 §3.2), e.g. ``errors=[...]``.
    """

    status: ClassVar[int] = 500

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        title: str | None = None,
        type: str = "about:blank",
        instance: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        code = self.status if status is None else status
        if not 400 <= code <= 599:
            raise ValueError(f"HTTPError status must be 4xx or 5xx, got {code}")
        self.code = code
        self.detail = detail
        self.title = title or _PHRASES.get(code) or status_phrase(code)
        self.type = type
        self.instance = instance
        self.headers: dict[str, str] = dict(headers) if headers else {}
        self.extensions = extensions
        # ``args`` are the positional arguments, as ``BaseException.__new__``
        # keeps them; ``str()`` gives the detail, or the title.

    def __str__(self) -> str:
        return self.detail or self.title

    def to_problem(self) -> dict[str, Any]:
        """Return the problem details object (RFC 9457 §3.1) as a plain dict."""
        problem: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.code}
        if self.detail is not None:
            problem["detail"] = self.detail
        if self.instance is not None:
            problem["instance"] = self.instance
        problem.update(self.extensions)
        return problem

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.detail!r})"


#: RFC 9110 §15 names where ``http.HTTPStatus`` before Python 3.13 keeps older ones.
_RFC9110_PHRASES = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}
_CLASS_PHRASES = {1: "Informational", 2: "Success", 3: "Redirection", 4: "Client Error"}
#: Phrases looked up before, by status.
_PHRASES: dict[int, str] = {}


def status_phrase(status: int) -> str:
    """Return the reason phrase of ``status`` as RFC 9110 §15 names it.

    The same on every Python version; a code without a registered name gets the
    name of its class (``"Client Error"``, ``"Server Error"``...).
    """
    phrase = _PHRASES.get(status)
    if phrase is None:
        if status in _RFC9110_PHRASES:
            phrase = _RFC9110_PHRASES[status]
        else:
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = _CLASS_PHRASES.get(status // 100, "Server Error")
        if 100 <= status <= 999:
            _PHRASES[status] = phrase
    return phrase


class BadRequest(HTTPError, ValueError):
    """400: the request is malformed (RFC 9110 §15.5.1)."""

    status = 400


class Unauthorized(HTTPError):
    """401: authentication is required (RFC 9110 §15.5.2)."""

    status = 401


class Forbidden(HTTPError):
    """403: the principal may not do this (RFC 9110 §15.5.4)."""

    status = 403


class NotFound(HTTPError, LookupError):
    """404: no current representation for the target resource (RFC 9110 §15.5.5)."""

    status = 404


class MethodNotAllowed(HTTPError):
    """405: the resource does not support the method (RFC 9110 §15.5.6).

    Args:
        allowed: The methods the resource supports; sent as ``Allow``.
        detail: Optional explanation.
    """

    status = 405

    def __init__(self, allowed: Iterable[str], detail: str | None = None, **kwargs: Any) -> None:
        allow = ", ".join(allowed)
        headers = {"Allow": allow, **kwargs.pop("headers", {})}
        super().__init__(detail, headers=headers, **kwargs)


class NotAcceptable(HTTPError):
    """406: no representation matches ``Accept`` (RFC 9110 §15.5.7)."""

    status = 406


class Conflict(HTTPError):
    """409: conflicts with the current state of the resource (RFC 9110 §15.5.10)."""

    status = 409


class PreconditionFailed(HTTPError):
    """412: a precondition in the request evaluated false (RFC 9110 §15.5.13)."""

    status = 412


class ContentTooLarge(HTTPError):
    """413: the request content is larger than allowed (RFC 9110 §15.5.14)."""

    status = 413


class UnsupportedMediaType(HTTPError):
    """415: the content is in a media type the operation does not take (RFC 9110 §15.5.16)."""

    status = 415


class UnprocessableContent(HTTPError):
    """422: well-formed content that fails validation (RFC 9110 §15.5.21).

    The ``errors`` extension member lists each invalid field as
    ``{"location": ..., "path": ..., "message": ...}``.
    """

    status = 422


class PreconditionRequired(HTTPError):
    """428: the request must be conditional (RFC 6585 §3)."""

    status = 428


class TooManyRequests(HTTPError):
    """429: rate limit exceeded (RFC 6585 §4)."""

    status = 429


class InternalServerError(HTTPError):
    """500: unexpected condition (RFC 9110 §15.6.1)."""

    status = 500


_BY_STATUS: dict[int, type[HTTPError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        NotAcceptable,
        Conflict,
        PreconditionFailed,
        ContentTooLarge,
        UnsupportedMediaType,
        UnprocessableContent,
        PreconditionRequired,
        TooManyRequests,
        InternalServerError,
    )
}


def error_for_status(status: int, detail: str | None = None, **kwargs: Any) -> HTTPError:
    """Build the :class:`HTTPError` subclass that stands for ``status``.

    Args:
        status: A 4xx or 5xx status code.
        detail: Human-readable explanation.
        **kwargs: Passed to :class:`HTTPError` (``title``, ``headers``, extensions, ...).

    Returns:
        The error, an instance of the most specific class for ``status``.

    Raises:
        ValueError: If ``status`` is not 4xx or 5xx.
    """
    cls = _BY_STATUS.get(status)
    if cls is None:
        return HTTPError(detail, status=status, **kwargs)
    return cls(detail, **kwargs)


def abort(status: int, detail: str | None = None, **kwargs: Any) -> NoReturn:
    """Stop handling the request and answer with a problem details response.

    Args:
        status: A 4xx or 5xx status code.
        detail: Human-readable explanation (RFC 9457 §3.1.4).
        **kwargs: ``title``, ``type``, ``instance``, ``headers`` or extension members.

    Raises:
        HTTPError: Always; the subclass that stands for ``status``.
    """
    raise error_for_status(status, detail, **kwargs)
