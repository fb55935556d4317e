"""Jinja2 templates: one environment per application, :func:`render_template`.

An application's :class:`Templates` looks templates up, in order, in the
application's template folder, in folders and packages added to it, in the
template folders of its blueprints (in registration order) and last in Heron's
own templates, which are named ``heron/...`` (``heron/browsable.html``,
``heron/error.html``): a file ``heron/error.html`` in the application's folder
replaces Heron's error page.

Nothing is global: :func:`render_template` takes the request, and templates
get it as ``req`` (and the application as ``api``), as in Starlette's
``Jinja2Templates``.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.response import Response

if TYPE_CHECKING:
    import jinja2

    from ..core.blueprints import Blueprint
    from ..core.request import Request

__all__ = ["Templates", "render_template"]

#: Template file extensions rendered with autoescaping on.
AUTOESCAPE_EXTENSIONS = ("html", "htm", "xml", "xhtml", "svg")


def _url_for(context: jinja2.runtime.Context, endpoint: str, /, **values: Any) -> str:
    """Build a URL from a template: ``{{ url_for("pets.Pet", pet_id=1) }}``."""
    req: Request = context["req"]
    return req.url_for(endpoint, **values)


class Templates:
    """The Jinja2 environment of one application and where it finds templates.

    Autoescaping is on for ``.html``, ``.htm``, ``.xml``, ``.xhtml`` and
    ``.svg`` templates and for templates built from strings, so data rendered
    into a page cannot inject markup (Jinja's ``select_autoescape``).

    Jinja2 is imported, and the environment built, when a template is first
    looked up (or :attr:`env` first read): an application that renders no
    page never loads it.

    Args:
        directory: The application's template folder, searched first.
        auto_reload: Check templates for changes on every lookup (Jinja's
            default; turn off in production to skip the ``stat`` calls).
    """

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, *, auto_reload: bool = True
    ) -> None:
        self.auto_reload = auto_reload
        # Loaders, or folders (str) that become FileSystemLoaders with the environment.
        self._app_loaders: list[jinja2.BaseLoader | str] = []
        self._blueprint_loaders: list[jinja2.BaseLoader | str] = []
        self._blueprints: set[str] = set()
        if directory is not None:
            self._app_loaders.append(os.fspath(directory))
        self._env: jinja2.Environment | None = None
        self._loader: jinja2.ChoiceLoader | None = None
        self._builtin: jinja2.BaseLoader | None = None

    @property
    def env(self) -> jinja2.Environment:
        """The Jinja2 environment: add filters, tests and globals to it."""
        if self._env is None:
            import jinja2

            self._builtin = jinja2.PrefixLoader(
                {"heron": jinja2.PackageLoader("heron", "templates")}
            )
            self._loader = jinja2.ChoiceLoader([])
            env = jinja2.Environment(
                loader=self._loader,
                autoescape=jinja2.select_autoescape(AUTOESCAPE_EXTENSIONS),
                auto_reload=self.auto_reload,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.globals["url_for"] = jinja2.pass_context(_url_for)
            self._env = env
            self._update_loader()
        return self._env

    def _update_loader(self) -> None:
        if self._env is None or self._loader is None:
            return  # the environment is built with every loader added so far
        import jinja2

        def built(loaders: list[jinja2.BaseLoader | str]) -> list[jinja2.BaseLoader | str]:
            return [jinja2.FileSystemLoader(x) if isinstance(x, str) else x for x in loaders]

        self._app_loaders = built(self._app_loaders)
        self._blueprint_loaders = built(self._blueprint_loaders)
        assert self._builtin is not None
        self._loader.loaders = [
            *self._app_loaders,  # type: ignore[list-item]
            *self._blueprint_loaders,  # type: ignore[list-item]
            self._builtin,
        ]
        if self._env.cache is not None:
            self._env.cache.clear()  # a lookup made before may now resolve elsewhere

    def add_folder(self, directory: str | os.PathLike[str]) -> None:
        """Search ``directory`` after the folders added before it.

        Args:
            directory: A folder of templates.
        """
        self._app_loaders.append(os.fspath(directory))
        self._update_loader()

    def add_package(self, package: str, folder: str = "templates") -> None:
        """Search the templates shipped in a Python package.

        Args:
            package: The importable package name.
            folder: The folder inside the package.

        Raises:
            ModuleNotFoundError: If the package cannot be imported.
            ValueError: If the package has no such folder.
        """
        import jinja2

        self.add_loader(jinja2.PackageLoader(package, folder))

    def add_loader(self, loader: jinja2.BaseLoader) -> None:
        """Search any Jinja2 loader, after the application's folders and packages.

        Args:
            loader: The loader.
        """
        self._app_loaders.append(loader)
        self._update_loader()

    def add_blueprint(self, blueprint: Blueprint) -> None:
        """Search a blueprint's template folder (once, after the application's).

        Blueprint folders share one namespace with the application's (as in
        Flask): keep a blueprint's templates in a subfolder named after it.

        Args:
            blueprint: The blueprint; nothing happens if it has no folder or
                was added before.
        """
        folder = blueprint.template_folder
        if folder is None or blueprint.name in self._blueprints:
            return
        self._blueprints.add(blueprint.name)
        self._blueprint_loaders.append(os.fspath(folder))
        self._update_loader()

    def get_template(self, name: str) -> jinja2.Template:
        """Return the template ``name`` (a ``/``-separated path).

        Raises:
            jinja2.TemplateNotFound: If no folder or package has it.
        """
        return self.env.get_template(name)

    def render(self, name: str, /, **context: Any) -> str:
        """Render the template ``name`` with ``context`` and return the text."""
        return self.get_template(name).render(context)


def render_template(
    req: Request,
    name: str,
    /,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    mimetype: str | None = None,
    **context: Any,
) -> Response:
    """Render a template of the request's application into a response.

    The template gets ``context`` plus ``req`` (the request) and ``api`` (the
    application), and the ``url_for(endpoint, **values)`` function.

    Args:
        req: The request being answered.
        name: The template, e.g. ``"pets/index.html"``.
        status: The response status.
        headers: Extra response headers.
        mimetype: The response's media type; guessed from the template's
            extension (``.html`` → ``text/html``), ``text/html`` if unknown.
            Text types are sent with ``charset=utf-8``.
        **context: Variables for the template.

    Returns:
        The response.

    Raises:
        jinja2.TemplateNotFound: If no folder or package has the template.
    """
    api: Any = req.api  # a heron.Api: it has the templates
    text = api.templates.render(name, **{**context, "req": req, "api": api})
    if mimetype is None:
        mimetype = mimetypes.guess_type(name)[0] or "text/html"
    return Response(text, status=status, headers=headers, mimetype=mimetype)
