"""Heron: a RESTful, API-first micro framework for JSON APIs."""

from .__about__ import __version__ as __version__
from .app import Api as Api
from .blueprints import Blueprint as Blueprint
from .errors import BadRequest as BadRequest
from .errors import Conflict as Conflict
from .errors import Forbidden as Forbidden
from .errors import HeronError as HeronError
from .errors import HTTPError as HTTPError
from .errors import MethodNotAllowed as MethodNotAllowed
from .errors import NotAcceptable as NotAcceptable
from .errors import NotFound as NotFound
from .errors import Unauthorized as Unauthorized
from .errors import UnprocessableContent as UnprocessableContent
from .errors import UnsupportedMediaType as UnsupportedMediaType
from .errors import abort as abort
from .operations import arguments as arguments
from .operations import doc as doc
from .operations import media_handlers as media_handlers
from .operations import response as response
from .resources import Resource as Resource
from .wrappers import Request as Request
from .wrappers import Response as Response

__all__ = [
    "Api",
    "BadRequest",
    "Blueprint",
    "Conflict",
    "Forbidden",
    "HTTPError",
    "HeronError",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "Request",
    "Resource",
    "Response",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
    "__version__",
    "abort",
    "arguments",
    "doc",
    "media_handlers",
    "response",
]
