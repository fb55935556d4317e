"""The Conduit example's OpenAPI document: committed, valid, and compatible with RealWorld's.

``openapi/realworld.yaml`` is what ``heron openapi write`` makes of the
application (a drift check, as for the Petstore). It is then compared with the
official RealWorld 2.0.0 document in ``../shared/realworld/v2-spec/openapi.yml``:
the same operations (paths under ``/api``, methods, operationIds apart from
case, tags, security), the same parameters, the same status codes apart from
the differences the example's README lists (checked here both ways, so the
list cannot go stale), and request and response bodies that are structurally
the same: ``$ref`` resolved, the same types, property names, required
properties, items and additional properties, down to the leaves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openapi_spec_validator import validate

from conftest import ROOT, require
from examples.realworld.app import create_app
from heron.cli import main

APP = "examples.realworld.app:app"
SPEC = ROOT / "openapi" / "realworld.yaml"
OFFICIAL = ROOT.parent / "shared" / "realworld" / "v2-spec" / "openapi.yml"
README = ROOT / "examples" / "realworld" / "README.md"
#: The official document's server URL ends in /api; the example's paths start with it.
PREFIX = "/api"
METHODS = ("get", "put", "post", "delete", "patch")

#: Status codes the example documents beyond the official ones, by operation (see README).
EXTRA_STATUSES: dict[tuple[str, str], set[str]] = {
    # Optional authentication: a token that is sent but invalid is refused.
    ("get", "/articles/{slug}"): {"401"},
    # Changing your username or e-mail address to another user's.
    ("put", "/user"): {"409"},
}


def expected_difference(
    method: str, path: str, official: Mapping[str, Any], query: bool
) -> tuple[set[str], set[str]]:
    """Return the status codes the example adds to an official operation, and those it leaves out.

    - 406 everywhere: the response is chosen by ``Accept`` (RFC 9110 §15.5.7);
    - 400, 413 and 415 wherever content is read: malformed JSON, content over
      1 MiB, content that is not JSON (RFC 9110 §15.5.1, §15.5.14, §15.5.16);
    - 422 only where input is validated: the official document lists it on
      every operation, also on those that take none (``query``: whether
      the operation has query parameters);
    - and :data:`EXTRA_STATUSES`.
    """
    extra = {"406"} | EXTRA_STATUSES.get((method, path), set())
    reads_content = "requestBody" in official
    if reads_content:
        extra |= {"400", "413", "415"}
    missing = set() if reads_content or query else {"422"}
    return extra, missing


class Document:
    """An OpenAPI document whose local ``$ref``\\ s can be resolved."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), ref
            node = self.data
            for part in ref[2:].split("/"):
                node = node[part]
            seen += 1
            assert seen < 20, "$ref cycle"
        return node


def _types(schema: Mapping[str, Any]) -> frozenset[str]:
    value = schema.get("type")
    if value is None:
        return frozenset()
    return frozenset([value] if isinstance(value, str) else value)


def compare_schemas(
    official: Document, off: Any, ours: Document, our: Any, where: str
) -> Iterator[str]:
    """Yield every structural difference between two schemas (``where`` names the place)."""
    off, our = official.resolve(off), ours.resolve(our)
    if _types(off) != _types(our):
        yield f"{where}: type {sorted(_types(off))} != {sorted(_types(our))}"
        return
    if "format" in off and off["format"] != our.get("format"):
        yield f"{where}: format {off['format']!r} != {our.get('format')!r}"
    if "object" in _types(off) or "properties" in off:
        off_props, our_props = off.get("properties", {}), our.get("properties", {})
        if set(off_props) != set(our_props):
            yield f"{where}: properties {sorted(off_props)} != {sorted(our_props)}"
        off_required, our_required = off.get("required", []), our.get("required", [])
        if set(off_required) != set(our_required):
            yield f"{where}: required {sorted(off_required)} != {sorted(our_required)}"
        for name in sorted(set(off_props) & set(our_props)):
            yield from compare_schemas(
                official, off_props[name], ours, our_props[name], f"{where}.{name}"
            )
        extra = off.get("additionalProperties")
        if isinstance(extra, Mapping):
            theirs = our.get("additionalProperties")
            if not isinstance(theirs, Mapping):
                yield f"{where}: additionalProperties {extra} != {theirs}"
            else:
                yield from compare_schemas(official, extra, ours, theirs, f"{where}.*")
    if "array" in _types(off):
        yield from compare_schemas(
            official, off.get("items", {}), ours, our.get("items", {}), f"{where}[]"
        )


def _json_schema(doc: Document, holder: Any) -> Any:
    """The ``application/json`` schema of a request body or response (None: no content)."""
    content = doc.resolve(holder).get("content") or {}
    media = content.get("application/json")
    return None if media is None else media.get("schema")


def _parameters(
    doc: Document, path_item: Mapping[str, Any], op: Mapping[str, Any]
) -> dict[tuple[str, str], Any]:
    found = {}
    for raw in [*path_item.get("parameters", []), *op.get("parameters", [])]:
        param = doc.resolve(raw)
        found[(param["in"], param["name"])] = param
    return found


def _public(op: Mapping[str, Any], top: Any) -> bool:
    """Whether anonymous requests may call the operation (``{}`` is an alternative)."""
    security = op.get("security", top) or []
    return not security or any(not requirement for requirement in security)


def compare_documents(official_data: Mapping[str, Any], our_data: Mapping[str, Any]) -> list[str]:
    """Return every difference between the official document and ours, beyond the listed ones."""
    official, ours = Document(official_data), Document(our_data)
    problems: list[str] = []
    off_ops = {(m, p) for p, item in official_data["paths"].items() for m in METHODS if m in item}
    our_ops = {
        (m, p.removeprefix(PREFIX))
        for p, item in our_data["paths"].items()
        for m in METHODS
        if m in item
    }
    problems += [f"{m.upper()} {p}: missing" for m, p in sorted(off_ops - our_ops)]
    problems += [
        f"{m.upper()} {p}: not in the official document" for m, p in sorted(our_ops - off_ops)
    ]
    for method, path in sorted(off_ops & our_ops):
        where = f"{method.upper()} {path}"
        off_item, our_item = official_data["paths"][path], our_data["paths"][PREFIX + path]
        off, our = off_item[method], our_item[method]
        if off["operationId"].lower() != our["operationId"].lower():
            problems.append(f"{where}: operationId {off['operationId']} != {our['operationId']}")
        if off.get("tags") != our.get("tags"):
            problems.append(f"{where}: tags {off.get('tags')} != {our.get('tags')}")
        if _public(off, official_data.get("security")) != _public(our, our_data.get("security")):
            problems.append(f"{where}: security {off.get('security')} != {our.get('security')}")
        off_params, our_params = (
            _parameters(official, off_item, off),
            _parameters(ours, our_item, our),
        )
        if set(off_params) != set(our_params):
            problems.append(f"{where}: parameters {sorted(off_params)} != {sorted(our_params)}")
        for key in sorted(set(off_params) & set(our_params)):
            a, b = off_params[key], our_params[key]
            if bool(a.get("required")) != bool(b.get("required")):
                problems.append(
                    f"{where}: parameter {key} required {a.get('required')} != {b.get('required')}"
                )
            for keyword in ("default", "minimum"):
                if keyword in a["schema"] and a["schema"][keyword] != b["schema"].get(keyword):
                    problems.append(f"{where}: parameter {key} {keyword} differs")
            problems += compare_schemas(official, a["schema"], ours, b["schema"], f"{where} {key}")
        if ("requestBody" in off) != ("requestBody" in our):
            problems.append(
                f"{where}: request body present {'requestBody' in off} != {'requestBody' in our}"
            )
        elif "requestBody" in off:
            off_body, our_body = (
                official.resolve(off["requestBody"]),
                ours.resolve(our["requestBody"]),
            )
            if bool(off_body.get("required")) != bool(our_body.get("required")):
                problems.append(f"{where}: request body required differs")
            problems += compare_schemas(
                official,
                _json_schema(official, off_body),
                ours,
                _json_schema(ours, our_body),
                f"{where} body",
            )
        query = any(where_ == "query" for where_, _ in off_params)
        extra, missing = expected_difference(method, path, off, query)
        off_codes, our_codes = set(off["responses"]), set(our["responses"])
        if our_codes - off_codes != extra or off_codes - our_codes != missing:
            problems.append(
                f"{where}: statuses {sorted(off_codes)} vs {sorted(our_codes)}:"
                f" expected +{sorted(extra)} -{sorted(missing)}"
            )
        for status in sorted(off_codes & our_codes):
            a = _json_schema(official, off["responses"][status])
            b = _json_schema(ours, our["responses"][status])
            if (a is None) != (b is None):
                problems.append(
                    f"{where} {status}: content present {a is not None} != {b is not None}"
                )
            elif a is not None:
                problems += compare_schemas(official, a, ours, b, f"{where} {status}")
    return problems


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return spec


@pytest.fixture(scope="module")
def official() -> dict[str, Any]:
    require(
        OFFICIAL.exists(),
        f"the official RealWorld document is absent ({OFFICIAL}): it lives in"
        " ../shared/realworld, outside the repository",
    )
    spec: dict[str, Any] = yaml.safe_load(OFFICIAL.read_text(encoding="utf-8"))
    return spec


def test_committed_spec_matches_the_application() -> None:
    result = CliRunner().invoke(main, ["openapi", "check", "--app", APP, str(SPEC)])
    assert result.exit_code == 0, result.output


def test_committed_spec_is_the_default_application_s(tmp_path: Path) -> None:
    """Whatever database the application serves, its document is the same."""
    app = create_app(f"sqlite:///{tmp_path / 'x.db'}", secret="x" * 32)
    assert app.openapi() == yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_spec_is_valid_openapi(version: str) -> None:
    app = create_app("sqlite:///unused.sqlite3", secret="x" * 32)
    validate(app.openapi(version))


def test_spec_is_compatible_with_the_official_document(
    official: dict[str, Any], document: dict[str, Any]
) -> None:
    assert compare_documents(official, document) == []


def test_the_comparison_finds_differences(
    official: dict[str, Any], document: dict[str, Any]
) -> None:
    """The comparer is not vacuous: damage our document and each change is reported."""
    import copy

    damaged = copy.deepcopy(document)
    schemas = damaged["components"]["schemas"]
    del schemas["Profile"]["properties"]["following"]
    schemas["Article"]["properties"]["favoritesCount"]["type"] = "string"
    schemas["Comment"]["required"].remove("body")
    del damaged["paths"]["/api/tags"]
    damaged["paths"]["/api/articles"]["get"]["parameters"].pop()
    damaged["paths"]["/api/user"]["get"]["responses"]["401"] = {"description": "no content"}
    found = "\n".join(compare_documents(official, damaged))
    for expected in (
        "GET /tags: missing",
        "properties ['bio', 'following', 'image', 'username'] != ['bio', 'image', 'username']",
        "favoritesCount: type ['integer'] != ['string']",
        "required ['author', 'body', 'createdAt', 'id', 'updatedAt']",
        "GET /articles: parameters",
        "GET /user 401: content present True != False",
    ):
        assert expected in found, found


def test_readme_lists_the_status_differences() -> None:
    readme = README.read_text(encoding="utf-8")
    section = readme.split("## Differences from the official spec", 1)[1]
    for status in ("400", "406", "413", "415", "422", "401", "409"):
        assert f"`{status}`" in section
