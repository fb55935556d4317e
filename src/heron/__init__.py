"""Heron: a RESTful, API-first micro framework for JSON APIs.

What serves requests is imported with the package; the optional features
(CORS, sessions, pagination, PATCH documents) are imported on first use of
their names, so an application pays for the ones it uses (``from heron
import CORS`` works as ever).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .__about__ import __version__ as __version__
from .app import Api as Api
from .blueprints import Blueprint as Blueprint
from .conditional import Validators as Validators
from .conditional import conditional as conditional
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
from .security import APIKey as APIKey
from .security import HTTPBasic as HTTPBasic
from .security import HTTPBearer as HTTPBearer
from .security import OAuth2 as OAuth2
from .security import OpenIDConnect as OpenIDConnect
from .security import requires as requires
from .wrappers import Request as Request
from .wrappers import Response as Response

if TYPE_CHECKING:
    from .cors import CORS as CORS
    from .pagination import Page as Page
    from .pagination import paginate as paginate
    from .patch import patch_body as patch_body
    from .sessions import Sessions as Sessions

#: Names imported on first use (PEP 562), with their modules.
_LAZY = {
    "CORS": ".cors",
    "Page": ".pagination",
    "paginate": ".pagination",
    "patch_body": ".patch",
    "Sessions": ".sessions",
}

__all__ = [
    "APIKey",
    "Api",
    "BadRequest",
    "Blueprint",
    "CORS",
    "Conflict",
    "Forbidden",
    "HTTPBasic",
    "HTTPBearer",
    "HTTPError",
    "HeronError",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "OAuth2",
    "OpenIDConnect",
    "Page",
    "Request",
    "Resource",
    "Response",
    "Sessions",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
    "Validators",
    "__version__",
    "abort",
    "arguments",
    "conditional",
    "doc",
    "media_handlers",
    "paginate",
    "patch_body",
    "requires",
    "response",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
