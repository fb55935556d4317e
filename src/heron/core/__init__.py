"""The core layer: the application kernel, resources, operations, the feature protocol, dispatch.

It names no feature, no extension and no documentation module. Public for
applications: :mod:`~heron.core.fields` (``Upload``), :mod:`~heron.core.validation`
(``InvalidArguments``), :mod:`~heron.core.response`, :mod:`~heron.core.request`;
for the authors of features and extensions: :mod:`~heron.core.features` (the
operation-feature protocol), :mod:`~heron.core.extensions` (the extension
protocol), :mod:`~heron.core.operations` and :mod:`~heron.core.resources` (the
records). The other modules (``app``, ``arguments``, ``dispatch``, ``hooks``,
``media_type``, ``naming``, ``routing``, ``scaffold``, and those starting with
``_``) are internal: use them through :class:`heron.Api`.
"""

__all__: list[str] = []
