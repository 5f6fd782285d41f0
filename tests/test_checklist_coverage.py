"""Coverage self-test: every case names checklist IDs, and the IDs without a case are exactly the todo list.

A case names IDs with ``@pytest.mark.eprom("V1.2", "R-STATUS-ORDERED")`` or through its parameter id,
``pytest.param(item, id=item.id)``. The cases are collected in a subprocess (``pytest --collect-only``)
with a tiny plugin, written here, that dumps each collected case's node id, ``eprom`` marker arguments
and parameter id as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from verification.spec.checklist import ids_without_cases, load_checklist

REPO = Path(__file__).resolve().parents[1]
CASES_DIR = REPO / "cases"
TODO_FILE = REPO / "tests" / "checklist_todo.txt"
COLLECT_TIMEOUT_S = 120

PYTEST_NO_TESTS_COLLECTED = 5

COLLECTOR_PLUGIN = '''
"""Dump the collected cases (node id, eprom marker arguments, parameter id) as JSON."""
import json
import os


def _name(arg):
    return getattr(arg, "id", arg) if not isinstance(arg, str) else arg


def pytest_collection_finish(session):
    cases = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        cases.append({
            "nodeid": item.nodeid,
            "marked": [str(_name(arg)) for mark in item.iter_markers("eprom") for arg in mark.args],
            "param_id": callspec.id if callspec is not None else None,
        })
    with open(os.environ["EPROM_COLLECTED_CASES"], "w", encoding="utf-8") as out:
        json.dump(cases, out)
'''


def collect_cases(target: Path, workdir: Path, *, cwd: Path, extra_args: tuple[str, ...] = ()) -> list[dict]:
    """The cases pytest collects under ``target``: dicts with ``nodeid``, ``marked``, ``param_id``."""
    plugin_dir = workdir / "collector"
    plugin_dir.mkdir(exist_ok=True)
    (plugin_dir / "_eprom_collect_cases.py").write_text(COLLECTOR_PLUGIN, encoding="utf-8")
    output = workdir / "collected.json"
    env = dict(os.environ, EPROM_COLLECTED_CASES=str(output))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(plugin_dir), str(REPO), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pytest", str(target), "--collect-only", "-q", "-p", "_eprom_collect_cases"]
    result = subprocess.run(
        [*command, *extra_args], cwd=cwd, env=env, capture_output=True, text=True, timeout=COLLECT_TIMEOUT_S
    )
    if result.returncode == PYTEST_NO_TESTS_COLLECTED:
        return []
    assert result.returncode == 0, f"collecting {target} failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(output.read_text(encoding="utf-8"))


def param_id_names(param_id: str | None, known: set[str]) -> set[str]:
    """Known IDs that are the parameter id or a ``-``-joined run of its parts (``V1.2-int`` names V1.2)."""
    if not param_id:
        return set()
    parts = param_id.split("-")
    runs = {"-".join(parts[start:end]) for start in range(len(parts)) for end in range(start + 1, len(parts) + 1)}
    return runs & known


def named_ids(case: dict, known: set[str]) -> set[str]:
    return set(case["marked"]) | param_id_names(case["param_id"], known)


def naming_problems(cases: list[dict], known: set[str]) -> list[str]:
    """Cases that name an unknown ID, or no checklist item at all."""
    problems = []
    for case in cases:
        unknown = sorted(set(case["marked"]) - known)
        if unknown:
            problems.append(f"{case['nodeid']}: names unknown ID(s) {', '.join(unknown)}")
        elif not named_ids(case, known):
            problems.append(f"{case['nodeid']}: names no checklist item (add @pytest.mark.eprom(...) or an ID param)")
    return problems


def read_todo(path: Path) -> list[str]:
    """IDs of the todo file, one per line; blank lines and ``#`` comments ignored."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


# --- the real cases --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def collected_cases(tmp_path_factory) -> list[dict]:
    return collect_cases(CASES_DIR, tmp_path_factory.mktemp("collect"), cwd=REPO)


@pytest.fixture(scope="module")
def known_ids() -> set[str]:
    return {entry.id for entry in load_checklist()}


def test_every_case_names_checklist_ids(collected_cases, known_ids):
    assert naming_problems(collected_cases, known_ids) == []


def test_ids_without_a_case_are_exactly_the_todo_list(collected_cases, known_ids):
    todo = read_todo(TODO_FILE)
    assert sorted(set(todo) - known_ids) == [], f"{TODO_FILE.name} lists IDs that are not in the checklist"
    assert len(todo) == len(set(todo)), f"{TODO_FILE.name} lists an ID twice"
    covered = set().union(*(named_ids(case, known_ids) for case in collected_cases))
    without_case = ids_without_cases(covered)
    now_covered = [item_id for item_id in todo if item_id not in without_case]
    lost_or_new = [item_id for item_id in without_case if item_id not in todo]
    assert now_covered == [], f"these IDs have a case now; remove them from {TODO_FILE.name}"
    assert lost_or_new == [], f"these IDs have no case; give them one (or, deliberately, list them in {TODO_FILE.name})"


# --- the collection mechanism itself, on a throw-away cases folder ---------------------------------------

SAMPLE_CASES = '''
import pytest


@pytest.mark.eprom("V1.2", "R-STATUS-ORDERED")
def test_marked():
    pass


@pytest.mark.parametrize("style", ["name", "int"])
@pytest.mark.parametrize("entry", [pytest.param(1, id="V3.1"), pytest.param(2, id="R-AUTH")])
def test_by_param_id(entry, style):
    pass


def test_names_nothing():
    pass


@pytest.mark.eprom("V9.9")
def test_names_an_unknown_id():
    pass
'''


@pytest.fixture(scope="module")
def sample_cases(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("sample")
    (root / "cases").mkdir()
    (root / "cases" / "test_sample.py").write_text(SAMPLE_CASES, encoding="utf-8")
    config = ("-c", str(REPO / "pyproject.toml"), "--rootdir", str(root))
    return collect_cases(root / "cases", root, cwd=root, extra_args=config)


def test_markers_and_param_ids_both_name_items(sample_cases, known_ids):
    named = {case["nodeid"].split("::")[-1]: named_ids(case, known_ids) for case in sample_cases}
    assert named["test_marked"] == {"V1.2", "R-STATUS-ORDERED"}
    assert named["test_by_param_id[V3.1-name]"] == {"V3.1"}
    assert named["test_by_param_id[R-AUTH-int]"] == {"R-AUTH"}


def test_a_case_naming_nothing_or_an_unknown_id_is_a_problem(sample_cases, known_ids):
    problems = naming_problems(sample_cases, known_ids)
    assert len(problems) == 2
    assert "test_names_nothing" in problems[0] and "names no checklist item" in problems[0]
    assert "test_names_an_unknown_id" in problems[1] and "V9.9" in problems[1]


def test_an_empty_cases_folder_collects_nothing(tmp_path):
    (tmp_path / "cases").mkdir()
    config = ("-c", str(REPO / "pyproject.toml"), "--rootdir", str(tmp_path))
    assert collect_cases(tmp_path / "cases", tmp_path, cwd=tmp_path, extra_args=config) == []


def test_param_ids_match_whole_dash_separated_runs():
    known = {"R-AUTH", "V1.2", "S-SIGN"}
    assert param_id_names("R-AUTH", known) == {"R-AUTH"}
    assert param_id_names("x-V1.2-int", known) == {"V1.2"}
    assert param_id_names("S-SIGN.1", known) == set()
    assert param_id_names("AUTH", known) == set()
    assert param_id_names(None, known) == set()
