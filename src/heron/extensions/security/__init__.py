"""Security schemes: who is calling, checked before the handler runs.

A scheme says where credentials travel and how the OpenAPI document describes
it; a *verify* callback you give it turns the credentials into a principal (your
user, client or token object) or refuses them by returning None:

- :class:`HTTPBearer`: ``Authorization: Bearer <token>`` (RFC 6750 §2.1).
- :class:`HTTPBasic`: ``Authorization: Basic <base64(user:password)>`` (RFC 7617).
- :class:`APIKey`: a key in a header, a query parameter or a cookie.
- :class:`OAuth2` and :class:`OpenIDConnect`: bearer tokens (RFC 6750) whose
  flows or discovery URL the document describes.

Requirements follow OpenAPI's Security Requirement semantics (OpenAPI 3.1
§4.8.30): a list of alternatives, any one of which suffices, each a set of
schemes that must all succeed, with the scopes (OAuth 2.0) or roles (other
schemes, OpenAPI 3.1) each needs. They are declared on the application
(``Api(security=[...])``), a blueprint (``Blueprint(security=[...])``), a
resource (a ``security`` class attribute) or an operation (:func:`requires`);
the most specific declaration wins and ``[]`` makes an operation public. Each
operation's requirement is resolved once, when its resource is registered.

A request that satisfies no alternative gets a 401 problem with a
``WWW-Authenticate`` challenge for every accepted scheme (RFC 9110 §15.5.2,
§11.6.1), or a 403 when the credentials are good but lack a scope (RFC 6750
§3.1 ``insufficient_scope``). The handler finds the principal in
``req.principal`` (and every scheme's in ``req.principals``).
"""

from .oauth import OAuth2 as OAuth2
from .oauth import OpenIDConnect as OpenIDConnect
from .policy import Alternative as Alternative
from .policy import Requirement as Requirement
from .policy import Security as Security
from .policy import requires as requires
from .schemes import APIKey as APIKey
from .schemes import HTTPBasic as HTTPBasic
from .schemes import HTTPBearer as HTTPBearer
from .schemes import SecurityScheme as SecurityScheme

__all__ = [
    "APIKey",
    "Alternative",
    "HTTPBasic",
    "HTTPBearer",
    "OAuth2",
    "OpenIDConnect",
    "Requirement",
    "Security",
    "SecurityScheme",
    "requires",
]
