"""The features layer: per-operation capabilities, one module each.

Each binds at registration, runs before and/or after the handler and
documents itself through the operation-feature protocol
(:mod:`heron.core.features`): :mod:`~heron.features.conditional`,
:mod:`~heron.features.pagination`, :mod:`~heron.features.patch`,
:mod:`~heron.features.files`, :mod:`~heron.features.caching` and the
:mod:`~heron.features.static` resource. Each module is public.
"""

__all__: list[str] = []
