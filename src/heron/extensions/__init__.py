"""The extensions layer: application- and blueprint-level behaviour, through one registry.

:mod:`~heron.extensions.cors`, :mod:`~heron.extensions.sessions`,
:mod:`~heron.extensions.ratelimit` and :mod:`~heron.extensions.security`, each
registered with ``register_extension`` (:mod:`heron.core.extensions`), owning
its runtime part (hooks, operation features) and its documentation part.
Each module is public.
"""

__all__: list[str] = []
