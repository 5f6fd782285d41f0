"""The mutation bench's mutator (bench/_mutants.py): valid, distinct, single-change mutants, deterministic."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from _mutants import mentions_name, mutants, sample  # noqa: E402

SAMPLE_MODULE = '''"""A receiver in miniature."""


def answer(body: dict, key: str) -> tuple[int, dict]:
    """Docstrings are not behaviour."""
    if body.get("apiKey") != key:
        return 401, {"success": False}
    if not body.get("formOrderId") and body.get("status") is None:
        return 400, {"success": False}
    total = len(body) + 1
    log(total)
    if behaviour.leaks:
        return 500, {"trace": "…"}
    return 200, {"success": True, "stored": total > 0}


def log(value: int) -> None:
    print(value)
'''


@pytest.fixture(scope="module")
def every() -> list:
    return mutants(SAMPLE_MODULE, path="sample.py", stem="sample", skip=mentions_name("behaviour"))


def test_each_mutant_compiles_and_differs_from_the_original_and_from_each_other(every) -> None:
    original = ast.unparse(ast.parse(SAMPLE_MODULE))
    sources = [m.source for m in every]
    for mutant in every:
        compile(mutant.source, "sample.py", "exec")
    assert original not in sources
    assert len(set(sources)) == len(sources)
    assert len({m.id for m in every}) == len(every)


def test_each_mutant_is_one_change_of_the_original(every) -> None:
    original = ast.unparse(ast.parse(SAMPLE_MODULE)).splitlines()
    for mutant in every:
        changed = [line for line in mutant.source.splitlines() if line not in original]
        assert 0 < len(changed) <= 1 or mutant.operator == "delete-call", (mutant.change, changed)


def test_every_operator_finds_its_points(every) -> None:
    operators = {m.operator for m in every}
    assert operators == {"compare", "negate-if", "drop-not", "and-or", "constant", "return-none", "delete-call",
                         "drop-key", "arith"}
    changes = {m.change for m in every}
    assert "body.get('apiKey') != key → body.get('apiKey') == key" in changes
    assert "401 → 200" in changes and "200 → 500" in changes and "True → False" in changes
    assert "drops key 'success'" in changes


def test_the_skipped_subtree_and_the_docstrings_are_never_mutated(every) -> None:
    assert not [m for m in every if m.line == 12]  # the `behaviour` switch; its branch is code of its own
    assert [m for m in every if m.line == 13]
    assert all("Docstrings" in m.source for m in every)


def test_lines_limit_the_points() -> None:
    only_line_6 = mutants(SAMPLE_MODULE, path="sample.py", stem="sample", lines={6})
    assert only_line_6 and {m.line for m in only_line_6} == {6}


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(every) -> None:
    first = [m.id for m in sample(every, 5, seed=3)]
    assert first == [m.id for m in sample(every, 5, seed=3)]
    assert first != [m.id for m in sample(every, 5, seed=4)]
    assert len(set(first)) == 5
    assert [m.id for m in mutants(SAMPLE_MODULE, path="sample.py", stem="sample",
                                  skip=mentions_name("behaviour"))] == [m.id for m in every]
    assert len(sample(every, None, seed=3)) == len(every)
