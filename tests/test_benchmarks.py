"""The benchmark suite's apps answer E1–E6 correctly (nothing here is timed).

``python -m benchmarks`` times these apps; this module only checks their
answers, and the checker itself, so a wrong peer can never be timed. The peers
come with the ``bench`` extra (included in ``dev``): a missing one is skipped
locally and fails under CI=true.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from benchmarks.apps import APPS
from benchmarks.report import render, targets
from benchmarks.run import merge
from benchmarks.scenarios import (
    INVALID_FIELDS,
    SCENARIOS,
    Answer,
    call,
    check,
    check_app,
    error_paths,
)
from benchmarks.schemas import PAYLOAD_FLOOR
from benchmarks.startup import synthetic_api
from benchmarks.timing import paired_difference, paired_ratio
from conftest import ROOT, require


def _require_peer(name: str) -> None:
    info = APPS[name]
    require(info.installed, f"{info.package} is not installed (pip install -e '.[bench]')")


@pytest.mark.parametrize("name", list(APPS))
def test_every_app_answers_every_scenario(name: str) -> None:
    _require_peer(name)
    info = APPS[name]
    check_app(info.factory(), info.scenarios)


@pytest.mark.parametrize("name", [n for n in APPS if "E5" in APPS[n].scenarios])
def test_invalid_body_names_exactly_the_invalid_fields(name: str) -> None:
    _require_peer(name)
    scenario = SCENARIOS["E5"]
    answer = call(APPS[name].factory(), scenario.environ(), scenario.body)
    paths = error_paths(json.loads(answer.body))
    # Each path ends with a bad field, whatever the framework's envelope.
    tails = {field for field in INVALID_FIELDS for p in paths if p.endswith(field)}
    assert tails == INVALID_FIELDS
    assert answer.status == 422


def test_heron_errors_are_problem_details() -> None:
    scenario = SCENARIOS["E5"]
    answer = call(APPS["heron"].factory(), scenario.environ(), scenario.body)
    assert answer.header("Content-Type") == "application/problem+json"
    assert error_paths(json.loads(answer.body)) == set(INVALID_FIELDS)


def _answer(status: int, data: Any, content_type: str = "application/json") -> Answer:
    return Answer(status, [("Content-Type", content_type)], json.dumps(data).encode())


def test_checker_rejects_wrong_answers() -> None:
    with pytest.raises(AssertionError, match="status"):
        check(SCENARIOS["E1"], _answer(500, {"message": "hello"}))
    with pytest.raises(AssertionError, match="body"):
        check(SCENARIOS["E2"], _answer(200, {"id": 42}))
    with pytest.raises(AssertionError, match="Content-Type"):
        check(SCENARIOS["E1"], _answer(200, {"message": "hello"}, "text/plain"))
    partial = {"errors": {"json": {"name": ["Bad."], "sku": ["Bad."], "price": ["Bad."]}}}
    with pytest.raises(AssertionError, match=r"not named: \['dimensions.width'\]"):
        check(SCENARIOS["E5"], _answer(422, partial))
    too_many = {"errors": [{"path": f, "message": "Bad."} for f in [*INVALID_FIELDS, "tags"]]}
    with pytest.raises(AssertionError, match="valid fields named as invalid"):
        check(SCENARIOS["E5"], _answer(422, too_many))
    with pytest.raises(AssertionError, match="status 200"):
        check(SCENARIOS["E6"], _answer(200, {}))


def test_payload_floor_does_the_scenarios_work() -> None:
    for key in ("E2", "E3", "E4"):
        scenario = SCENARIOS[key]
        assert json.loads(PAYLOAD_FLOOR[key](scenario.body)) == scenario.expected
    messages = json.loads(PAYLOAD_FLOOR["E5"](SCENARIOS["E5"].body))
    assert {p.removeprefix("errors.") for p in error_paths(messages)} == set(INVALID_FIELDS)


def test_synthetic_api_has_the_operations_it_claims() -> None:
    spec = synthetic_api(20).openapi()
    things = {p: item for p, item in spec["paths"].items() if p.startswith("/things")}
    methods = [m for item in things.values() for m in item if m in ("get", "post", "put", "delete")]
    assert len(things) == 8
    assert len(methods) == 20
    assert "Thing3" in spec["components"]["schemas"]


def test_report_marks_targets() -> None:
    timing = {
        app: {k: {"median": value, "min": value, "max": value} for k in SCENARIOS}
        for app, value in (("heron", 10.0), ("falcon", 20.0), ("smorest", 30.0), ("apiflask", 15.0))
    }
    timing["payload"] = {
        k: {"median": 7.0, "min": 7.0, "max": 7.0} for k in ("E2", "E3", "E4", "E5")
    }
    results = {
        "machine": {"date": "d", "cpu": "c", "nproc": 2, "os": "o", "python": "p", "packages": {}},
        "inprocess": timing,
        "spec": {"operations": 500, "seconds": 2.0},
        "http": {"heron": {"E1": 100.0, "E4": 50.0}, "falcon": {"E1": 90.0, "E4": 60.0}},
    }
    rows = {label: met for label, _measured, met in targets(results)}
    assert rows["E1: Heron / Falcon ≤ 1.00"] is True
    assert rows["E2: Heron − payload floor ≤ 5 µs"] is True
    assert rows["E1: Heron / flask-smorest ≤ 0.50"] is True
    assert rows["E1: Heron / APIFlask ≤ 0.50"] is False
    assert rows["Spec of 500 operations ≤ 1 s"] is False
    assert rows["`import heron` ≤ 100 ms (`-X importtime`, cumulative)"] is None
    assert rows["E1: gunicorn + wrk, Heron req/s ≥ Falcon's"] is True
    assert rows["E4: gunicorn + wrk, Heron req/s ≥ Falcon's"] is False
    report = render(results)
    assert "| E1 | 0.50 | 0.33 | 0.67 |" in report  # Heron ÷ Falcon, smorest, APIFlask
    assert "**not met**" in report


def test_ratios_are_paired_round_by_round() -> None:
    # Round 2 is a slow spell for both: per-round ratios cancel it, medians do not.
    heron = {"median": 12.0, "min": 10.0, "max": 30.0, "samples": [10.0, 30.0, 12.0]}
    falcon = {"median": 24.0, "min": 20.0, "max": 60.0, "samples": [20.0, 60.0, 24.0]}
    floor = {"median": 9.0, "min": 8.0, "max": 28.0, "samples": [8.0, 28.0, 9.0]}
    assert paired_ratio(heron, falcon) == 0.5
    assert paired_difference(heron, floor) == 2.0
    legacy = {"median": 12.0}  # saved before rounds were kept
    assert paired_ratio(legacy, {"median": 24.0}) == 0.5
    results = {
        "machine": {"date": "d", "cpu": "c", "nproc": 2, "os": "o", "python": "p", "packages": {}},
        "http": {
            "heron": {"E4": {"median": 100.0, "samples": [100.0, 50.0, 101.0]}},
            "falcon": {"E4": {"median": 99.0, "samples": [99.0, 51.0, 102.0]}},
        },
    }
    rows = {label: (measured, met) for label, measured, met in targets(results)}
    measured, met = rows["E4: gunicorn + wrk, Heron req/s ≥ Falcon's"]
    assert measured == "100 vs 99 req/s (0.99×)" and met is False
    assert "| E4 | 100 | 99 |" in render(results)


def test_scenarios_are_copied_into_the_repo() -> None:
    # The suite must not depend on ../shared to run.
    text = (ROOT / "benchmarks" / "SCENARIOS.md").read_text()
    for key in SCENARIOS:
        assert f"| {key} |" in text


def test_saved_runs_merge_part_by_part() -> None:
    machine = {"date": "d", "cpu": "c", "nproc": 2, "os": "o", "python": "p", "packages": {}}
    first = {"machine": machine, "settings": {"rounds": 15}, "notes": ["a"], "spec": {"x": 1}}
    first["import"] = {"importtime_ms": 300.0, "wall_ms": 290.0}
    second = {"machine": machine, "settings": {"quick": True}, "notes": ["b"]}
    second["import"] = {"importtime_ms": 90.0, "wall_ms": 80.0}
    merged = merge([first, second])
    assert merged["spec"] == {"x": 1}
    assert merged["import"]["importtime_ms"] == 90.0
    assert merged["settings"] == {"rounds": 15, "quick": True}
    assert merged["notes"] == ["a", "b"]
