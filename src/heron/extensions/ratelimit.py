"""Rate limiting per app, blueprint and operation: 429 with ``Retry-After``, ``RateLimit`` fields.

A :class:`RateLimiter` is an extension (``api.register_extension(limiter)``):
the :class:`RateLimit` feature it gives each limited operation counts each
request against the quota policies that apply to it (the application's, its
blueprint's, its own), and refuses
one over a quota with a 429 problem (RFC 6585 §4) whose ``Retry-After``
(RFC 9110 §10.2.3) says, in seconds, when the quota has room again.

Every response of a limited operation carries the fields of
draft-ietf-httpapi-ratelimit-headers-11 (May 2026; still a draft):
``RateLimit-Policy: "default";q=100;w=60`` (quota ``q`` per window ``w``
seconds) and ``RateLimit: "default";r=99;t=60`` (``r`` requests left, within
an effective window of ``t`` seconds). The 429 problem is the draft's
``quota-exceeded`` type (§5.1) naming the ``violated-policies``.

Counting is done by the ``limits`` library (the engine of Flask-Limiter), in
memory by default or in Redis for several processes (``storage="redis://..."``,
``pip install heron[redis]``), where each hit is one atomic Lua script. The
default algorithm is the *moving window* (a sliding log): no more than ``q``
requests in any ``w`` seconds, with none of a fixed window's double bursts at
window boundaries; it keeps one timestamp per request in the window, so very
large quotas may prefer ``strategy="sliding-window-counter"`` (two counters,
an approximation) or ``"fixed-window"`` (one counter).

Clients are told apart by a key function of the request: the client's address
by default (behind a proxy, apply Werkzeug's ``ProxyFix`` first), or an API key
or principal. Keys are hashed (SHA-256) before they reach the storage, so a
secret used as a key never lands in Redis in clear.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from limits import RateLimitItem, parse_many, strategies
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string

from ..core.features import BindSite, Call, Feature, Stage
from ..core.operations import ResponseSpec
from ..http.errors import HTTPError, TooManyRequests

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WZResponse

    from ..core.blueprints import Blueprint
    from ..core.features import OperationDocument
    from ..core.request import Request

__all__ = [
    "QUOTA_EXCEEDED",
    "STRATEGIES",
    "LimitStatus",
    "Policy",
    "RateLimiter",
    "remote_address",
]

log = logging.getLogger("heron")

F = TypeVar("F", bound=Callable[..., Any])
#: ``key(req) -> str | None``: whose quota a request uses; None: not limited.
KeyFunction = Callable[["Request"], "str | None"]

#: The problem type of a request over its quota (draft-ietf-httpapi-ratelimit-headers-11 §5.1).
QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded"
#: Algorithm names → the ``limits`` strategies implementing them.
STRATEGIES: dict[str, type[strategies.RateLimiter]] = {
    "moving-window": strategies.MovingWindowRateLimiter,
    "sliding-window-counter": strategies.SlidingWindowCounterRateLimiter,
    "fixed-window": strategies.FixedWindowRateLimiter,
}
_LIMITS_ATTR = "__heron_rate_limits__"
_EXEMPT_ATTR = "__heron_rate_limit_exempt__"


def remote_address(req: Request) -> str:
    """Return the client's address (``REMOTE_ADDR``): the default key."""
    return req.remote_addr or "unknown"


def _sf_string(value: str) -> str:
    """Return ``value`` as a Structured Field String (RFC 9651 §3.3.3)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class Policy:
    """One quota policy: at most :attr:`quota` requests per :attr:`window` seconds per key.

    Attributes:
        name: The policy's name in the ``RateLimit`` fields; policies with one
            name share their counters.
        item: The ``limits`` rate limit item.
        key: Whose quota a request uses.
    """

    name: str
    item: RateLimitItem
    key: KeyFunction

    @property
    def quota(self) -> int:
        """Requests allowed per window."""
        return int(self.item.amount)

    @property
    def window(self) -> int:
        """The window, in seconds."""
        return int(self.item.get_expiry())

    @property
    def field(self) -> str:
        """The policy as a ``RateLimit-Policy`` list member (draft-11 §3.1)."""
        return f"{_sf_string(self.name)};q={self.quota};w={self.window}"


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """Where one request left one policy (the service limit, draft-11 §4).

    Attributes:
        policy: The policy.
        allowed: Whether the request was within the quota.
        remaining: Requests left in the window (``r``).
        reset: Seconds until the quota has room again (``t``).
    """

    policy: Policy
    allowed: bool
    remaining: int
    reset: int

    @property
    def field(self) -> str:
        """The status as a ``RateLimit`` list member (draft-11 §4.1)."""
        return f"{_sf_string(self.policy.name)};r={self.remaining};t={self.reset}"


@dataclass(frozen=True, slots=True)
class _Declaration:
    items: tuple[RateLimitItem, ...]
    key: KeyFunction | None
    policy: str | None

    def policies(self, name: str, key: KeyFunction) -> tuple[Policy, ...]:
        base = self.policy or name
        if len(self.items) == 1:
            return (Policy(base, self.items[0], self.key or key),)
        return tuple(
            Policy(f"{base}-{item.get_expiry()}s", item, self.key or key) for item in self.items
        )


def _declaration(
    limits: Sequence[str], key: KeyFunction | None, policy: str | None
) -> _Declaration:
    """Parse ``"10/minute"``, ``"10 per minute"``, ``"5/second;100/day"``... once, at declaration.

    Raises:
        ValueError: If a limit does not parse, none is given, two are over the
            same window, or the policy name is not printable ASCII (RFC 9651 §3.3.3).
    """
    if not limits:
        raise ValueError("Give at least one limit, e.g. '100/minute'")
    items: list[RateLimitItem] = []
    for text in limits:
        items.extend(parse_many(text))
    windows = [item.get_expiry() for item in items]
    if len(set(windows)) != len(windows):
        raise ValueError(f"Two limits over the same window in {limits!r}")
    if policy is not None and not (policy.isascii() and policy.isprintable()):
        raise ValueError(f"A policy name must be printable ASCII: {policy!r}")
    return _Declaration(tuple(items), key, policy)


class RateLimiter:
    """Rate limits for an application, its blueprints and operations (an extension).

    Args:
        *limits: The application's limits, applied to every documented
            operation: ``"100/minute"``, ``"10/second;1000/day"``... None:
            only blueprints and operations declare limits.
        storage: Where counts are kept: ``"memory://"`` (this process; thread
            safe), ``"redis://host:port/db"`` (shared by every process and
            host; ``rediss://`` for TLS), any other ``limits`` storage URI, or a
            ``limits`` storage instance.
        storage_options: Options for the storage (``socket_timeout``...).
        strategy: ``"moving-window"`` (exact; default),
            ``"sliding-window-counter"`` or ``"fixed-window"``.
        key: Whose quota a request uses; the client's address by default. A
            function returning None leaves the request unlimited.
        policy: Name of the application's policy in the ``RateLimit`` fields.
        headers: Send ``RateLimit`` and ``RateLimit-Policy``; False keeps
            quotas private (draft-11 §8.2: information disclosure).
        key_prefix: Prefix of every storage key (several applications can
            share one Redis).
        fail_open: When the storage cannot be reached, let requests through
            (logged) instead of answering 503.
        count_refused: Count a request before its credentials are checked, so
            requests refused with 401 or 403 use the quota too and brute force
            on credentials is bounded (the ``key`` then cannot read
            ``req.principal``). By default only requests that passed
            authentication count.

    Raises:
        ValueError: If a limit does not parse or the strategy is unknown.
    """

    name = "ratelimit"

    def __init__(
        self,
        *limits: str,
        storage: str | Storage = "memory://",
        storage_options: dict[str, Any] | None = None,
        strategy: str = "moving-window",
        key: KeyFunction = remote_address,
        policy: str = "default",
        headers: bool = True,
        key_prefix: str = "heron",
        fail_open: bool = False,
        count_refused: bool = False,
    ) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {sorted(STRATEGIES)}, not {strategy!r}")
        if isinstance(storage, str):
            built = storage_from_string(storage, wrap_exceptions=True, **(storage_options or {}))
            if not isinstance(built, Storage):
                raise ValueError(f"{storage!r} is an asyncio storage; Heron is WSGI")
            storage = built
        self.storage: Storage = storage
        self.strategy = strategy
        self._limiter = STRATEGIES[strategy](storage)
        self.key = key
        self.headers = headers
        self.key_prefix = key_prefix
        self.fail_open = fail_open
        self.count_refused = count_refused
        self._app = _declaration(limits, None, policy).policies(policy, key) if limits else ()
        self._blueprints: dict[str, tuple[Policy, ...]] = {}
        # limits' MemoryStorage locks per key but drops a key's lock when the key
        # expires; one lock around each hit and its window read keeps the count
        # exact under threads (Redis is atomic through its Lua scripts).
        self._lock: AbstractContextManager[Any] = (
            threading.Lock() if isinstance(storage, MemoryStorage) else nullcontext()
        )

    # -- declarations ------------------------------------------------------------------

    def init_app(self, api: Any) -> None:
        """Register the hook that adds the ``RateLimit`` fields to every response.

        The counting itself is each limited operation's :class:`RateLimit`
        feature (:meth:`operation_features`), run after the security
        requirement and the guards.
        """
        api.after_request(self.add_headers)

    def operation_features(self, site: BindSite, blueprint: Any) -> list[RateLimit]:
        """Give a limited operation its :class:`RateLimit` feature (a feature provider)."""
        policies = self.policies_at(site, blueprint.name if blueprint is not None else None)
        if not policies:
            return []
        return [(RateLimit if not self.count_refused else _CountingAttempts)(self, policies)]

    def limit(
        self, *limits: str, key: KeyFunction | None = None, policy: str | None = None
    ) -> Callable[[F], F]:
        """Limit one operation (a decorator for handlers), besides the app's and blueprint's limits.

        Args:
            *limits: ``"5/minute"``, ``"1/second;20/hour"``...
            key: Whose quota a request uses; defaults to the limiter's key.
            policy: The policy name; defaults to the operationId. Operations
                declaring the same name share one quota.

        Returns:
            The decorator.

        Raises:
            ValueError: If a limit does not parse.
        """
        declaration = _declaration(limits, key, policy)

        def decorator(func: F) -> F:
            declared = getattr(func, _LIMITS_ATTR, None)
            if declared is None:
                declared = []
                setattr(func, _LIMITS_ATTR, declared)
            declared.append((self, declaration))
            return func

        return decorator

    def exempt(self, func: F) -> F:
        """Exempt an operation (a handler) from the application's and blueprint's limits."""
        setattr(func, _EXEMPT_ATTR, True)
        return func

    def limit_blueprint(
        self,
        blueprint: Blueprint,
        *limits: str,
        key: KeyFunction | None = None,
        policy: str | None = None,
    ) -> None:
        """Limit the operations of ``blueprint``: one quota shared by all of them.

        Args:
            blueprint: The blueprint.
            *limits: ``"100/minute"``...
            key: Whose quota a request uses; defaults to the limiter's key.
            policy: The policy name; defaults to the blueprint's name.

        Raises:
            ValueError: If a limit does not parse.
        """
        declaration = _declaration(limits, key, policy)
        self._blueprints[blueprint.name] = declaration.policies(blueprint.name, self.key)

    def policies_at(self, site: BindSite, blueprint: str | None) -> tuple[Policy, ...]:
        """Return the policies of the operation at ``site``: the app's, its blueprint's, its own.

        The application's and blueprint's limits apply to the operations the
        API documents (``include_in_schema``), so the spec, the Swagger UI and
        static files stay reachable, unless the handler is :meth:`exempt`.
        """
        handler = site.handler
        decl = getattr(handler, "__heron_operation__", None)
        documented = (
            not site.documentation
            and site.operations[site.method].include_in_schema
            and not (decl is not None and decl.doc.get("include_in_schema") is False)
        )
        found: list[Policy] = []
        if documented and not getattr(handler, _EXEMPT_ATTR, False):
            found.extend(self._app)
            if blueprint is not None:
                found.extend(self._blueprints.get(blueprint, ()))
        operation_id = site.operations[site.method].operation_id
        for limiter, declaration in getattr(handler, _LIMITS_ATTR, ()):
            if limiter is self:
                found.extend(declaration.policies(operation_id, self.key))
        return tuple(found)

    # -- at request time ----------------------------------------------------------------

    def count(self, req: Request, policies: Sequence[Policy]) -> None:
        """Count ``req`` against each of ``policies``; refuse it over a quota.

        The statuses are kept in ``req.state.rate_limits`` (a list of
        :class:`LimitStatus`) for the ``RateLimit`` fields and for handlers.

        Raises:
            TooManyRequests: 429 with ``Retry-After`` (RFC 6585 §4), the
                draft's ``quota-exceeded`` problem type.
            HTTPError: 503 if the storage cannot be reached and not ``fail_open``.
        """
        statuses: list[LimitStatus] = []
        req.state.rate_limits = statuses
        for policy in policies:
            who = policy.key(req)
            if who is None:
                continue
            status = self.hit(policy, who)
            if status is None:
                continue
            statuses.append(status)
            if not status.allowed:
                raise self.refusal(status)

    def hit(self, policy: Policy, who: str) -> LimitStatus | None:
        """Count one request of ``who`` against ``policy``.

        Args:
            policy: The policy.
            who: The key of the client (hashed before it is stored).

        Returns:
            The status after the request, or None when the storage failed and
            the limiter fails open.

        Raises:
            HTTPError: 503 (RFC 9110 §15.6.4) if the storage failed and the
                limiter does not fail open.
        """
        ids = (self.key_prefix, policy.name, hashlib.sha256(who.encode()).hexdigest()[:32])
        failures: tuple[type[BaseException], ...] = (
            StorageError,
            *_base_exceptions(self.storage),
        )
        try:
            with self._lock:
                allowed = self._limiter.hit(policy.item, *ids)
                stats = self._limiter.get_window_stats(policy.item, *ids)
        except failures as exc:
            log.error("Rate limit storage failed (%s): %s", type(self.storage).__name__, exc)
            if self.fail_open:
                return None
            raise HTTPError(
                "Rate limits cannot be checked right now; try again later.", status=503
            ) from None
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        if not allowed:
            reset = max(1, reset)  # Retry-After: 0 would invite an immediate retry
        return LimitStatus(policy, allowed, max(0, int(stats.remaining)), reset)

    def refusal(self, status: LimitStatus) -> TooManyRequests:
        """Return the 429 problem for a request over ``status.policy``'s quota.

        ``Retry-After`` is the time until the quota has room again, which is
        never earlier than the ``RateLimit`` field's ``t`` (draft-11 §6).
        """
        policy = status.policy
        members: dict[str, Any] = {"violated-policies": [policy.name]}
        return TooManyRequests(
            f"Over the quota of policy '{policy.name}': {policy.quota} requests per"
            f" {policy.window} seconds. Retry in {status.reset} seconds.",
            type=QUOTA_EXCEEDED,
            title="Quota Exceeded",
            headers={"Retry-After": str(status.reset)},
            **members,
        )

    def add_headers(self, req: Request, response: WZResponse) -> None:
        """Add ``RateLimit-Policy`` and ``RateLimit`` to a limited operation's response."""
        statuses: list[LimitStatus] | None = getattr(req.state, "rate_limits", None)
        if not self.headers or not statuses:
            return
        response.headers["RateLimit-Policy"] = ", ".join(s.policy.field for s in statuses)
        response.headers["RateLimit"] = ", ".join(s.field for s in statuses)

    def reset(self) -> None:
        """Forget every count (all keys, all policies)."""
        self.storage.reset()

    # -- documentation ----------------------------------------------------------------------

    def responses(self, policies: Sequence[Policy], success: int | str) -> tuple[ResponseSpec, ...]:
        """Return what a limited operation documents: 429, and the ``RateLimit`` fields.

        Args:
            policies: The operation's policies.
            success: Its success status, whose response gets the fields.
        """
        fields = _field_headers(policies) if self.headers else {}
        names = ", ".join(f"`{p.name}` ({p.quota} per {p.window} s)" for p in policies)
        too_many = ResponseSpec(
            429,
            description=f"Too Many Requests: over the quota of a policy: {names}. The problem"
            " type is `quota-exceeded`, naming the `violated-policies` (RFC 6585 §4).",
            headers={"Retry-After": _RETRY_AFTER, **fields},
        )
        if not fields:
            return (too_many,)
        return (too_many, ResponseSpec(success, headers=fields))


class RateLimit(Feature):
    """The rate limits of one operation (an operation feature, run at :attr:`Stage.LIMIT`).

    Args:
        limiter: The limiter counting.
        policies: The operation's policies: the application's, its blueprint's, its own.
    """

    stage: ClassVar[int] = Stage.LIMIT

    def __init__(self, limiter: RateLimiter, policies: tuple[Policy, ...]) -> None:
        self.limiter = limiter
        self.policies = policies

    def before(self, req: Request, call: Call) -> None:
        """Count the request; refuse it over a quota (429)."""
        self.limiter.count(req, self.policies)

    def document(self, doc: OperationDocument) -> None:
        """Document the 429 response and the ``RateLimit`` fields on the success response."""
        doc.add_responses(self.limiter.responses(self.policies, doc.op.success.status))


class _CountingAttempts(RateLimit):
    """Rate limits counted before authentication: refused credentials use the quota too.

    So brute force on an API key or a password is bounded by the quota. The
    key function cannot read ``req.principal`` here (nobody is authenticated
    yet): ``RateLimiter(count_refused=False)`` counts after authentication.
    """

    stage: ClassVar[int] = Stage.AUTHENTICATE - 1


_RETRY_AFTER = {
    "description": "Seconds until the quota has room again (RFC 9110 §10.2.3).",
    "schema": {"type": "integer", "minimum": 1},
}


def _field_headers(policies: Sequence[Policy]) -> dict[str, Any]:
    return {
        "RateLimit-Policy": {
            "description": "The quota policies: `q` requests per `w` seconds"
            " (draft-ietf-httpapi-ratelimit-headers-11 §3).",
            "schema": {"type": "string"},
            "example": ", ".join(p.field for p in policies),
        },
        "RateLimit": {
            "description": "What is left of each quota: `r` requests within `t` seconds"
            " (draft-ietf-httpapi-ratelimit-headers-11 §4).",
            "schema": {"type": "string"},
            "example": ", ".join(
                LimitStatus(p, True, p.quota - 1, p.window).field for p in policies
            ),
        },
    }


def _base_exceptions(storage: Storage) -> tuple[type[BaseException], ...]:
    base = storage.base_exceptions
    return base if isinstance(base, tuple) else (base,)
