"""The ``heron`` command: serve an application, list its routes, write its spec."""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
import sys
from pathlib import Path
from typing import Any

import click

from .app import OPENAPI_VERSIONS, Api
from .docs.openapi.resources import dump_spec

__all__ = ["load_app", "main"]

_APP_HELP = "The application as 'module:attribute' (or set HERON_APP)."


def load_app(target: str) -> Api:
    """Import an application from ``"module:attribute"``.

    The current directory is put first on ``sys.path``. A callable attribute
    that is not an :class:`~heron.Api` is called with no arguments (a factory).

    Args:
        target: ``"package.module:attr"``; ``attr`` defaults to ``app``.

    Returns:
        The application.

    Raises:
        click.BadParameter: If the module or attribute is missing or is not an
            application.
    """
    module_name, _, attr = target.partition(":")
    attr = attr or "app"
    if not all(part.isidentifier() for part in module_name.split(".")):
        raise click.BadParameter(
            f"{module_name!r} is not a module name; use 'package.module:attribute'",
            param_hint="--app",
        )
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise click.BadParameter(
            f"cannot import {module_name!r}: {exc}", param_hint="--app"
        ) from exc
    obj: Any = getattr(module, attr, None)
    if obj is None:
        raise click.BadParameter(f"{module_name!r} has no attribute {attr!r}", param_hint="--app")
    if not isinstance(obj, Api) and callable(obj):
        try:
            inspect.signature(obj).bind()
        except TypeError:
            raise click.BadParameter(
                f"{target!r} is neither a heron.Api nor a factory taking no arguments",
                param_hint="--app",
            ) from None
        except ValueError:  # no signature to inspect (some builtins): just call it
            pass
        obj = obj()
    if not isinstance(obj, Api):
        raise click.BadParameter(f"{target!r} is not a heron.Api", param_hint="--app")
    return obj


def _app_option() -> Any:
    return click.option("--app", "target", envvar="HERON_APP", required=True, help=_APP_HELP)


@click.group()
@click.version_option(package_name="heron")
def main() -> None:
    """Heron: serve a RESTful API, list its routes, write its OpenAPI document."""


@main.command()
@_app_option()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option("--reload", is_flag=True, help="Restart when Python files change.")
@click.option("--debug", is_flag=True, help="Werkzeug's interactive debugger on errors.")
def run(target: str, host: str, port: int, reload: bool, debug: bool) -> None:
    """Serve the application on Werkzeug's development server.

    Binds to the loopback interface unless --host says otherwise. The debugger
    executes code typed into the browser: never enable it on a reachable host.
    """
    from werkzeug.serving import run_simple

    api = load_app(target)
    api.debug = debug
    run_simple(
        host,
        port,
        api,
        use_reloader=reload,
        use_debugger=debug,
        threaded=True,
    )


@main.command()
@_app_option()
def routes(target: str) -> None:
    """List the routes: method, path, resource and operationId."""
    api = load_app(target)
    rows = [("METHOD", "PATH", "RESOURCE", "OPERATION ID")]
    for route in api.router:
        for method in sorted(route.operations):
            op = route.operations[method]
            rows.append((method, route.rule, type(route.resource).__name__, op.operation_id))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[3]
        )


@main.group()
def openapi() -> None:
    """Write or check the OpenAPI document."""


def _format_for(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    return "json" if path.suffix.lower() == ".json" else "yaml"


_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["json", "yaml"]), help="Default: from the file suffix."
)
_VERSION = click.option(
    "--openapi-version",
    type=click.Choice(OPENAPI_VERSIONS),
    help="Default: the application's.",
)


@openapi.command()
@_app_option()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@_FORMAT
@_VERSION
def write(target: str, path: Path, fmt: str | None, openapi_version: str | None) -> None:
    """Write the OpenAPI document to PATH ('-' for standard output)."""
    api = load_app(target)
    text = dump_spec(api.openapi(openapi_version), _format_for(path, fmt))
    if str(path) == "-":
        click.echo(text, nl=False)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # never leave a half-written spec behind
    click.echo(f"Wrote {path}")


@openapi.command()
@_app_option()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_FORMAT
@_VERSION
def check(target: str, path: Path, fmt: str | None, openapi_version: str | None) -> None:
    """Exit 1 with a diff when PATH differs from the generated document."""
    api = load_app(target)
    expected = dump_spec(api.openapi(openapi_version), _format_for(path, fmt))
    actual = path.read_text(encoding="utf-8")
    if actual == expected:
        click.echo(f"{path} is up to date.")
        return
    diff = difflib.unified_diff(
        actual.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"{path} (committed)",
        tofile=f"{path} (generated)",
    )
    click.echo("".join(diff), nl=False)
    click.echo(f"\n{path} is out of date; run: heron openapi write --app {target} {path}", err=True)
    sys.exit(1)
