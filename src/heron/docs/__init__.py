"""The documentation layer: the OpenAPI document, Swagger UI, the browsable API, templating.

Nothing below it imports it; :class:`heron.Api` installs its extensions.
Public: :mod:`~heron.docs.templating` (``render_template``, ``Templates``) and
:mod:`~heron.docs.browsable` (``HTMLHandler``); :mod:`~heron.docs.openapi` and
:mod:`~heron.docs.swagger_ui` are internal (use ``api.openapi()``, the
``heron openapi`` command and ``Api(docs_path=...)``).
"""

__all__: list[str] = []
