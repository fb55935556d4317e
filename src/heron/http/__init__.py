"""The HTTP ground layer: errors as problem details, negotiation, preconditions, content limits.

I/O-free and independent of the rest of Heron (import-linter keeps it so):
:mod:`heron.http.errors` (RFC 9457 problem details), :mod:`heron.http.negotiation`
(RFC 9110 §12), :mod:`heron.http.preconditions` (RFC 9110 §13) and
:mod:`heron.http.limits` (RFC 9110 §15.5.14). Each module is public.
"""

__all__: list[str] = []
