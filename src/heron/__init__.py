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
from .core.blueprints import Blueprint as Blueprint
from .core.operations import arguments as arguments
from .core.operations import doc as doc
from .core.operations import media_handlers as media_handlers
from .core.operations import response as response
from .core.request import Request as Request
from .core.resources import Resource as Resource
from .core.response import Response as Response
from .extensions.security import APIKey as APIKey
from .extensions.security import HTTPBasic as HTTPBasic
from .extensions.security import HTTPBearer as HTTPBearer
from .extensions.security import OAuth2 as OAuth2
from .extensions.security import OpenIDConnect as OpenIDConnect
from .extensions.security import requires as requires
from .features.conditional import Validators as Validators
from .features.conditional import conditional as conditional
from .http.errors import BadRequest as BadRequest
from .http.errors import Conflict as Conflict
from .http.errors import Forbidden as Forbidden
from .http.errors import HeronError as HeronError
from .http.errors import HTTPError as HTTPError
from .http.errors import MethodNotAllowed as MethodNotAllowed
from .http.errors import NotAcceptable as NotAcceptable
from .http.errors import NotFound as NotFound
from .http.errors import Unauthorized as Unauthorized
from .http.errors import UnprocessableContent as UnprocessableContent
from .http.errors import UnsupportedMediaType as UnsupportedMediaType
from .http.errors import abort as abort

if TYPE_CHECKING:
    from .extensions.cors import CORS as CORS
    from .extensions.sessions import Sessions as Sessions
    from .features.pagination import Page as Page
    from .features.pagination import paginate as paginate
    from .features.patch import patch_body as patch_body

#: Names imported on first use (PEP 562), with their modules.
_LAZY = {
    "CORS": ".extensions.cors",
    "Page": ".features.pagination",
    "paginate": ".features.pagination",
    "patch_body": ".features.patch",
    "Sessions": ".extensions.sessions",
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
